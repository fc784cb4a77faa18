/**
 * The book's copy of an order the custodian holds (a block's street-side order, or an account's
 * order): the custodian's report applied once per execution, overfills recorded as breaks, and the
 * view a workflow gets of it.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { OrderStatusView } from '../contracts';
import {
  type CustodianOrder,
  type OrderStatus,
  TERMINAL_STATUSES,
  TRANSIENT_REJECTS,
} from '../custodian/port';
import { type Dec, cashStr, dec, qtyStr } from '../domain/money';
import { DEFAULT_RECON_POLICY } from '../domain/recon';
import { writeAudit } from './audit';

/** The columns of an order row (`orders` or `block_orders`) a workflow's view is made of. */
export interface OrderRowView {
  client_order_id: string;
  attempt: number;
  qty: string;
  filled_qty: string;
  status: string;
  reject_reason: string | null;
  leg_no?: number;
}

/** The workflow's view of an order row (account orders and block orders alike). */
export function view(row: OrderRowView): OrderStatusView {
  const status = row.status as OrderStatus;
  const terminal = TERMINAL_STATUSES.has(status);
  const filled = dec(row.filled_qty);
  const residual = dec(row.qty).minus(filled).gt(0);
  return {
    clientOrderId: row.client_order_id,
    legNo: row.leg_no ?? 0,
    attempt: row.attempt,
    qty: row.qty,
    filledQty: row.filled_qty,
    status: row.status,
    open: !terminal,
    stalled: status === 'PARTIALLY_FILLED',
    retryable:
      terminal &&
      residual &&
      (status === 'CANCELED' || (status === 'REJECTED' && TRANSIENT_REJECTS.has(row.reject_reason ?? ''))),
    rejectReason: row.reject_reason ?? undefined,
  };
}

/**
 * Applies the custodian's view of one of our orders: each execution once (by execution id),
 * then the totals. An overfill (filled > ordered) is a break, never booked: every execution is
 * kept, the order counts as filled at the ordered quantity, and an EXECUTION break (category
 * TRADE) records the excess for ops, escalated above $25,000. `tables` names where the order and
 * its executions live (account orders, or block orders).
 */
export async function applyCustodianOrder<R extends { qty: string }>(
  db: Knex,
  o: CustodianOrder,
  tables: { orders: string; executions: string } = { orders: 'orders', executions: 'executions' },
): Promise<R> {
  return db.transaction(async (trx) => {
    const row: (R & { account_id?: string }) | undefined = await trx(tables.orders)
      .where({ client_order_id: o.clientOrderId })
      .forUpdate()
      .first();
    if (!row)
      throw ApplicationFailure.nonRetryable(
        `custodian reports unknown order ${o.clientOrderId}`,
        'UnknownOrder',
      );
    for (const e of o.executions) {
      await trx(tables.executions)
        .insert({
          execution_id: e.executionId,
          client_order_id: o.clientOrderId,
          qty: e.quantity,
          price: e.price,
          executed_at: e.executedTime,
        })
        .onConflict('execution_id')
        .ignore();
    }
    const ordered = dec(row.qty);
    const filled = dec(o.filledQuantity);
    const overfill = filled.gt(ordered);
    if (overfill) await recordOverfill(trx, o, row.account_id ?? o.accountId, ordered, filled);
    const [updated] = await trx(tables.orders)
      .where({ client_order_id: o.clientOrderId })
      .update({
        custodian_order_id: o.orderId,
        status: o.orderStatus,
        filled_qty: qtyStr(overfill ? ordered : filled),
        avg_price: o.averagePrice,
        reject_reason: o.orderRejectedReason,
        updated_at: trx.fn.now(),
      })
      .returning('*');
    return updated as R;
  });
}

/** Above this excess value (USD) an overfill is escalated for same-day resolution (docs/domain.md §8.7). */
const ESCALATE_ABOVE_USD = dec(DEFAULT_RECON_POLICY.escalateAboveUsd);

/** The break for an overfill (once per order: the same report again changes nothing). */
async function recordOverfill(
  trx: Knex.Transaction,
  o: CustodianOrder,
  accountId: string,
  ordered: Dec,
  filled: Dec,
): Promise<void> {
  const excess = filled.minus(ordered);
  const materiality = o.averagePrice ? cashStr(excess.times(dec(o.averagePrice))) : null;
  const escalate = materiality !== null && dec(materiality).gt(ESCALATE_ABOVE_USD);
  const inserted: { id: number }[] = await trx('breaks')
    .insert({
      trade_date: o.orderDate,
      type: 'EXECUTION',
      key: o.clientOrderId,
      account_id: accountId,
      symbol: o.identifier,
      category: 'TRADE',
      ours: qtyStr(ordered),
      theirs: qtyStr(filled),
      diff: qtyStr(excess),
      materiality_usd: materiality,
      escalate,
      cause: `overfill: custodian order ${o.orderId} (${o.side} ${o.identifier}) filled ${qtyStr(filled)} of ${qtyStr(ordered)} ordered; the excess ${qtyStr(excess)} is not booked`,
      hold: 'SECURITY',
      status: 'OPEN',
      first_seen_date: o.orderDate,
      last_seen_date: o.orderDate,
    })
    .onConflict(['trade_date', 'type', 'account_id', 'key'])
    .ignore()
    .returning('id');
  const id = inserted[0]?.id;
  if (id === undefined) return;
  await writeAudit(trx, {
    actor: 'execution',
    action: 'OVERFILL_BREAK',
    entity: 'break',
    entityId: String(id),
    details: {
      clientOrderId: o.clientOrderId,
      custodianOrderId: o.orderId,
      ordered: qtyStr(ordered),
      filled: qtyStr(filled),
      materialityUsd: materiality,
      escalate,
    },
    idempotencyKey: `overfill:${o.clientOrderId}`,
  });
}
