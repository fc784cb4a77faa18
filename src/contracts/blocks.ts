/** A block order of the day (one per symbol and side), as the day's workflow starts it. */
export interface BlockRef {
  blockId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  requestedQty: string;
  accounts: number;
}

/** What allocating a block's fill came to (the result of `allocateBlock`). */
export interface BlockResult {
  blockId: string;
  requestedQty: string;
  filledQty: string;
  avgPrice: string | null;
  /** Accounts that received shares. */
  allocated: number;
  /** Accounts whose statement quantity was not (fully) filled: carried to tomorrow, flagged. */
  carried: number;
  /** Allocations the custodian refused (e.g. the account no longer holds the shares): a break. */
  refused: number;
  /** Filled quantity that could not be placed in whole steps; stays in the average-price account. */
  residue: string;
}
