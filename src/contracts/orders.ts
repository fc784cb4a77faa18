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

/**
 * Whether a decimal quantity string is above zero ('0.00000' is not, '0.5' is). For workflow code,
 * which keeps decimal libraries out of its bundle: quantities there are never negative.
 */
export function isNonZeroQty(qty: string): boolean {
  return /[1-9]/.test(qty);
}
