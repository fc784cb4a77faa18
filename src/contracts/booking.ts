/**
 * One account of a batch's booking (since `batch-books-fills`): what its approved proposal came to
 * once the day's blocks were allocated, or why it could not be booked.
 */
export type BatchBookResult =
  | {
      accountId: string;
      proposalId: string;
      /** Traded: some fill booked; NotTraded: the blocks did not take or did not fill it. */
      stage: 'Traded' | 'NotTraded';
      orders: number;
      filledOrders: number;
      /** Orders not filled in full: carried to tomorrow. */
      short: number;
      note?: string;
      error?: undefined;
    }
  | { accountId: string; proposalId: string; error: string; stage?: undefined };

/** An approved proposal the batch books. */
export interface BatchBookRef {
  accountId: string;
  proposalId: string;
}
