/** Who an account day is for: what the day's batches hand each AccountDay. */
export type Mode = 'AUTO' | 'MANUAL';

export interface AccountRef {
  accountId: string;
  /** '' for a PENDING_SETUP account without an advisor yet. */
  advisorId: string;
  /** A PENDING_SETUP account has none yet: MANUAL stands in and is not used. */
  mode: Mode;
  /**
   * PENDING_SETUP (adopted from the custodian's files, or created without a model, a mode or an
   * advisor): its day shows Stage="PendingSetup" and ends; it does not trade.
   */
  pendingSetup?: true;
}

/** A contiguous range of account ids handled by one AccountBatch. */
export interface AccountBatchRange {
  batchNo: number;
  fromId: string;
  toId: string;
  count: number;
}
