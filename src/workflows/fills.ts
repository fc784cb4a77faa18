/**
 * When a partly filled order counts as stalled (workflow code: pure, deterministic).
 *
 * The custodian reports PARTIALLY_FILLED both for an order that is still filling (gradual fills)
 * and for one that stopped. Since the `gradual-fills` patch an order is stalled only when a poll
 * shows no progress since the workflow last saw it; histories recorded before the patch cancelled
 * every partly filled order at the first poll, and replay them that way.
 */
import { patched } from '@temporalio/workflow';
import type { OrderStatusView } from '../contracts';

export const GRADUAL_FILLS_PATCH = 'gradual-fills';

/**
 * The polled orders to cancel so their residual can be re-sent: open, partly filled, not already
 * being cancelled, within the attempt budget (`mayRetry`), and (since the patch) with the same
 * filled quantity as before the poll (`before`: client order id → filled quantity).
 */
export function stalledOrders(
  polled: OrderStatusView[],
  before: ReadonlyMap<string, string>,
  mayRetry: (o: OrderStatusView) => boolean,
  cancelRequested: ReadonlySet<string>,
): OrderStatusView[] {
  const candidates = polled.filter(
    (o) => o.open && o.stalled && mayRetry(o) && !cancelRequested.has(o.clientOrderId),
  );
  if (candidates.length === 0 || !patched(GRADUAL_FILLS_PATCH)) return candidates;
  return candidates.filter((o) => sameQty(before.get(o.clientOrderId), o.filledQty));
}

/** Equal decimal strings, whatever their trailing zeros ('12.50000' = '12.5'). */
function sameQty(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const norm = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  return norm(a) === norm(b);
}
