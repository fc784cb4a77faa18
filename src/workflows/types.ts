/**
 * The workflows' inputs and results, as clients (the CLI, the API, the Schedule, tests) start and
 * read them. Types that activities share with workflows live in src/contracts.
 */
import type { AccountBatchRange, AccountRef, BlockResult, ConfirmSummary } from '../contracts';
import type { DayClock, DayClockSettings } from '../domain/calendar';
import type { Stage } from './stages';

export type { AccountBatchRange, AccountRef, ConfirmSummary, Mode } from '../contracts';
export { FINAL_STAGES, STAGES, type Stage } from './stages';

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

/**
 * How approved trades go to the custodian: always `block` (one block per symbol and side for the
 * day, allocated pro rata). Days before block orders sent one order per leg from each AccountDay;
 * that path is gone (docs/workflow-changes.md), the field stays so recorded inputs still read.
 */
export type Execution = 'block';

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

export interface BlockOrderInput {
  tradeDate: string;
  blockId: string;
  clock: Pick<DayClock, 'windowClose'> & Partial<Pick<DayClock, 'windowOpen'>>;
  fillPollSeconds: number;
}

/** What BlockOrder returns: the allocation of its fill, how many orders it took, whether the close cut it. */
export interface BlockOrderOutput extends BlockResult {
  orders: number;
  /** The window closed with part of the block unfilled. */
  windowClosed: boolean;
}
