/** Who an account day is for: what the day's batches hand each AccountDay. */
export type Mode = 'AUTO' | 'MANUAL';

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
