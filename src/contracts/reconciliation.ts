import type { ReconResult } from '../domain/recon';

/** What the AccountDay workflow reads of a reconciliation: `openBreaks` > 0 holds the whole account. */
export interface ReconcileResult {
  /** Unresolved breaks that hold the whole account. */
  openBreaks: number;
  /** Those breaks (symbol 'USD' for cash). */
  breaks: { symbol: string; ours: string; theirs: string }[];
  /** Securities held by unresolved breaks that do not hold the account: the engine does not trade them. */
  securityHolds: string[];
  /** Breaks resolved automatically by this run (TIMING, SECURITY_MASTER, or gone). */
  autoResolved: number;
  checked: ReconResult['checked'];
  /** What the morning's sync posted before the comparison (docs/book-sync.md). */
  synced?: {
    cashPosted: number;
    actionsPosted: number;
    tradesSettled: number;
    failingSettlements: number;
    withdrawalsSent: number;
  };
}
