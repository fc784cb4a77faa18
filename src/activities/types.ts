import type { ConfirmSummary } from '../workflows/types';

/** What a workflow needs to know of one order (the rest stays in PostgreSQL). */
export interface OrderStatusView {
  clientOrderId: string;
  legNo: number;
  attempt: number;
  qty: string;
  filledQty: string;
  status: string;
  open: boolean;
  /**
   * Open and partly filled: a candidate for cancelling and re-sending the residual, once a poll
   * shows it is not filling any more (src/workflows/fills.ts decides).
   */
  stalled: boolean;
  /** Terminal with a residual that may be re-sent (cancelled, or rejected for a transient reason). */
  retryable: boolean;
  rejectReason?: string;
}

export interface ProposeResult {
  action: 'NONE' | 'TRADE';
  proposalId?: string;
  version: number;
  legs: number;
  reasons: string[];
  notional: string;
  /** Why an auto account's proposal needs a Zoe trader's review (empty: approve automatically). */
  flags: string[];
}

export type { ConfirmSummary };
