import type { DayClock, DayClockSettings } from '../domain/calendar';

export type Mode = 'AUTO' | 'MANUAL';

/**
 * The stages of an account's day, kept current in the `Stage` search attribute.
 * README "Operations runbook" says what each one means and what ops can do about it.
 */
export const STAGES = [
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
] as const;
export type Stage = (typeof STAGES)[number];

/** The stages an account's day ends in. */
export const FINAL_STAGES: ReadonlySet<Stage> = new Set<Stage>([
  'NoAction',
  'Rejected',
  'Expired',
  'Skipped',
  'NotTraded',
  'Confirmed',
  'ConfirmBreak',
]);

/** What the day's block orders came to. */
export interface BlockSummary {
  blocks: number;
  /** Blocks with some fill. */
  filled: number;
  /** Account legs not fully filled: carried to the next day. */
  carried: number;
  /** Allocations the custodian refused (breaks for ops). */
  refusedAllocations: number;
  /** Blocks whose workflow failed (nothing allocated; their accounts end NotTraded). */
  failed: string[];
}

export interface TradingDayInput {
  /** `block` (default) or `account`: see Execution. */
  execution?: Execution;
  /** Trade date, YYYY-MM-DD (America/New_York calendar). */
  tradeDate: string;
  /** ET wall-clock settings (cut-off, window, next-morning time); defaults from the calendar. */
  clockSettings?: Partial<DayClockSettings>;
  /** Absolute instants overriding the computed clock (end-to-end runs set them to "now"). */
  clockOverride?: Partial<DayClock>;
  /** Seconds between fill polls during the window. */
  fillPollSeconds?: number;
  /** Restrict the day to these accounts (tests, partial re-runs). */
  accountIds?: string[];
  /** Accounts per AccountBatch child (default 200). */
  batchSize?: number;
}

export interface AccountRef {
  accountId: string;
  advisorId: string;
  mode: Mode;
}

/** A contiguous range of account ids handled by one AccountBatch. */
export interface AccountBatchRange {
  batchNo: number;
  fromId: string;
  toId: string;
  count: number;
}

/**
 * How approved trades go to the custodian: `block` (one block per symbol and side for the day,
 * allocated pro rata; the default for days started by this release) or `account` (one order per
 * leg per account: days started before block orders, whose histories replay that way).
 */
export type Execution = 'block' | 'account';

export interface AccountBatchInput {
  execution?: Execution;
  tradeDate: string;
  range: AccountBatchRange;
  clock: DayClock;
  fillPollSeconds: number;
  accountIds?: string[];
}

/** What a batch hands back: counts only; the details live in PostgreSQL. */
export interface AccountBatchResult {
  batchNo: number;
  accounts: number;
  byStage: Record<string, number>;
  ordersFilled: number;
  confirms: ConfirmSummary;
  failedAccounts: string[];
  blocks?: BlockSummary;
}

export interface AccountDayInput extends AccountRef {
  execution?: Execution;
  tradeDate: string;
  clock: DayClock;
  fillPollSeconds: number;
}

export interface AccountDayResult {
  accountId: string;
  stage: Stage;
  proposalId?: string;
  legs: number;
  filledOrders: number;
  confirms?: ConfirmSummary;
  note?: string;
}

export interface ConfirmSummary {
  matched: number;
  matchedWithinTolerance: number;
  mismatched: number;
  unmatchedOurs: number;
  unmatchedTheirs: number;
}

export interface TradingDayResult {
  tradeDate: string;
  status: 'COMPLETED' | 'MARKET_CLOSED';
  holiday?: string;
  accounts: number;
  byStage: Record<string, number>;
  ordersFilled: number;
  confirms: ConfirmSummary;
  failedAccounts: string[];
  blocks?: BlockSummary;
}
