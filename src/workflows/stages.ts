/**
 * The stage vocabularies of the workflows, kept current in the `Stage` search attribute so ops
 * filter on them in the Temporal UI (docs/runbook.md says what each one means and what to do).
 */

/** An account's day (AccountDay), in pipeline order. */
export const ACCOUNT_STAGES = [
  'Starting',
  'Reconciling',
  'ReconBreak',
  'Scanning',
  'NoAction',
  'AwaitingApproval',
  'AwaitingZoeReview',
  'Approved',
  'Rejected',
  'Expired',
  'Skipped',
  'WaitingForWindow',
  'Trading',
  'AwaitingAllocation',
  'Traded',
  'NotTraded',
  'AwaitingConfirms',
  'Confirmed',
  'ConfirmBreak',
  'Failed',
  'PendingSetup',
] as const;
export type Stage = (typeof ACCOUNT_STAGES)[number];
/** @deprecated the name before the day's and the blocks' stages were typed too: ACCOUNT_STAGES. */
export const STAGES = ACCOUNT_STAGES;

/** The stages an account's day ends in. */
export const FINAL_STAGES: ReadonlySet<Stage> = new Set<Stage>([
  'NoAction',
  'Rejected',
  'Expired',
  'Skipped',
  'NotTraded',
  // Since `batch-books-fills`: approved, and its batch books the fills and matches the confirms.
  'Approved',
  // Since `batch-matches-confirms`: the fills are booked and the batch matches the confirms.
  'Traded',
  'Confirmed',
  'ConfirmBreak',
  'PendingSetup',
]);

/** The account stages in the order a progress view lists them: work in progress, then the ends. */
export const ACCOUNT_STAGES_FOR_PROGRESS: readonly Stage[] = [
  ...ACCOUNT_STAGES.filter((s) => !FINAL_STAGES.has(s)),
  ...ACCOUNT_STAGES.filter((s) => FINAL_STAGES.has(s)),
];

/** The day itself (DailyTradingDay), in order. */
export const DAY_STAGES = [
  'Starting',
  'MarketClosed',
  'IngestingFiles',
  'AccountsRunning',
  'WaitingForWindow',
  'TradingBlocks',
  'AccountsBooking',
  'Completed',
  'CompletedWithFailures',
] as const;
export type DayStage = (typeof DAY_STAGES)[number];

/**
 * A batch's booking and next-morning confirm matching (AccountBatch, src/workflows/batch-booking.ts
 * and batch-confirms.ts), in order; Failed can come in either step.
 */
export const BATCH_STAGES = [
  // Since `batch-books-fills`: the batch holds its approved accounts until the blocks, then books them.
  'AwaitingBlocks',
  'Booking',
  'NotTraded',
  'AwaitingConfirms',
  'Failed',
  'Confirmed',
  'ConfirmBreak',
] as const;
export type BatchStage = (typeof BATCH_STAGES)[number];

/** One block order (BlockOrder), in order. */
export const BLOCK_STAGES = ['Trading', 'CancelPending', 'Allocating', 'Allocated'] as const;
export type BlockStage = (typeof BLOCK_STAGES)[number];
