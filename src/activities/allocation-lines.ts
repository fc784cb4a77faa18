/**
 * A block's statement lines in the book once the custodian has booked them (./allocation.ts): each
 * line's order for its leg, its execution and the allocation's status, written for a whole chunk of
 * lines at once (one multi-row insert per table and one update of the allocations), in the
 * caller's transaction. Nothing here calls the custodian.
 */
import type { Knex } from 'knex';
import type { LegLot } from '../domain/engine/types';
import { type Dec, ZERO, dec, qtyStr } from '../domain/money';
import { writeAudit } from './audit';
import type { AllocationRow, BlockRow } from './block-rows';
import { allocationOrderIdFor } from './ids';

/** A statement line with its leg: what the account asked for and the lots a sell closes. */
export type Line = AllocationRow & { leg_qty: string; leg_lots: LegLot[] | null };

/** What one line came to: booked at the custodian, refused by it, or nothing to book. */
export interface LineOutcome {
  qty: Dec;
  booked?: { allocationId: string; orderId?: string };
  refusal?: string;
}

/**
 * Why the account got less than its leg: the custodian's refusal, its buys scaled to its cash, or
 * the block not filled; null when it got its whole leg.
 */
export function shortfallReason(l: Line, got: Dec, refusal: string | undefined): string | null {
  if (refusal) return refusal;
  const legQty = dec(l.leg_qty);
  if (got.gte(legQty)) return null;
  return dec(l.requested_qty).lt(legQty) && got.gte(dec(l.requested_qty))
    ? 'SCALED_TO_CASH'
    : 'BLOCK_NOT_FILLED';
}

/** The allocation's status a line ends in. */
export function lineStatus(l: Line, o: LineOutcome): 'REFUSED' | 'ALLOCATED' | 'DROPPED' | 'UNFILLED' {
  if (o.refusal) return 'REFUSED';
  if (o.qty.gt(0)) return 'ALLOCATED';
  return l.status === 'DROPPED' ? 'DROPPED' : 'UNFILLED';
}

/**
 * The lines in the book: the account's order for its leg (written once: a retry finds it), the
 * execution of what the custodian booked, the allocation's status, and an audit entry for each
 * refusal. Idempotent, like the custodian's bookings it records.
 */
export async function recordLines(
  trx: Knex.Transaction,
  b: BlockRow,
  done: { line: Line; outcome: LineOutcome }[],
  avgPrice: string | null,
): Promise<void> {
  if (done.length === 0) return;
  const rows = done.map(({ line: l, outcome: o }) => {
    const orderId = allocationOrderIdFor(b.trade_date, l.account_id, l.leg_no);
    const got = o.refusal ? ZERO : o.qty;
    return { l, o, orderId, got, legQty: dec(l.leg_qty) };
  });
  await trx('orders')
    .insert(
      rows.map(({ l, o, orderId, got, legQty }) => ({
        client_order_id: orderId,
        proposal_id: l.proposal_id,
        leg_no: l.leg_no,
        attempt: 1,
        account_id: l.account_id,
        trade_date: b.trade_date,
        symbol: b.symbol,
        side: b.side,
        qty: qtyStr(legQty),
        custodian_order_id: o.booked?.orderId ?? null,
        status: got.gte(legQty) ? 'FILLED' : 'CANCELED',
        filled_qty: qtyStr(got),
        avg_price: got.gt(0) ? avgPrice : null,
        reject_reason: shortfallReason(l, got, o.refusal),
      })),
    )
    .onConflict('client_order_id')
    .ignore();
  const executedAt = new Date().toISOString();
  const executions = rows.flatMap(({ o, orderId, got }) =>
    o.booked
      ? [
          {
            execution_id: o.booked.allocationId,
            client_order_id: orderId,
            qty: qtyStr(got),
            price: avgPrice,
            executed_at: executedAt,
          },
        ]
      : [],
  );
  if (executions.length) await trx('executions').insert(executions).onConflict('execution_id').ignore();
  // Every allocation of the chunk in one statement: its values as a VALUES list joined on the id.
  const values = rows.map(() => '(?::int, ?::numeric, ?::numeric, ?::text, ?::text, ?::text)').join(', ');
  await trx.raw(
    `UPDATE allocations AS a
        SET qty = v.qty, price = v.price, status = v.status,
            client_order_id = v.client_order_id, custodian_allocation_id = v.custodian_allocation_id
       FROM (VALUES ${values}) AS v(id, qty, price, status, client_order_id, custodian_allocation_id)
      WHERE a.id = v.id`,
    rows.flatMap(({ l, o, orderId, got }) => [
      l.id,
      qtyStr(got),
      got.gt(0) ? avgPrice : null,
      lineStatus(l, o),
      orderId,
      o.booked?.allocationId ?? null,
    ]),
  );
  for (const { l, o, orderId } of rows)
    if (o.refusal)
      await writeAudit(trx, {
        actor: 'system',
        action: 'ALLOCATION_REFUSED',
        entity: 'block',
        entityId: b.id,
        details: { accountId: l.account_id, qty: qtyStr(o.qty), reason: o.refusal },
        idempotencyKey: `alloc-refused:${orderId}`,
      });
}
