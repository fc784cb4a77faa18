import type { ActionRow } from './corporate-actions';

/** What every sync step of one account's morning works with. */
export interface SyncContext {
  /** The trade date: the process date of the morning's files. */
  tradeDate: string;
  /**
   * Files of process dates after this one and up to the trade date are posted: the morning after
   * the account last synced (a day the account did not run is caught up the next morning).
   */
  since: string;
  account: { id: string; custodianNumber: string };
  /** The ingested file of a kind for a process date, for the audit log ('' when none). */
  fileName(processDate: string, code: string): string;
  /**
   * The corporate actions of those files, when read once for every account synced through the same
   * day (src/book/reference-cache.ts); absent: each step reads them.
   */
  corporateActions?: readonly ActionRow[];
}
