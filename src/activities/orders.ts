/** Activities that talk to the custodian about orders. Every write is idempotent. */
import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import {
  type CustodianOrder,
  type OrderStatus,
  TERMINAL_STATUSES,
  TRANSIENT_REJECTS,
} from '../custodian/port';
import { type Dec, cashStr, dec, qtyStr } from '../domain/money';
import { DEFAULT_RECON_POLICY } from '../domain/recon';
import { type ActivityDeps, writeAudit } from './deps';
import type { OrderStatusView } from './types';

/** YYYYMMDD-{accountId}-L{leg}-A{attempt}: unique per day, leg and attempt; <= 40 chars (Apex). */
export function clientOrderIdFor(
  tradeDate: string,
  accountId: string,
  legNo: number,
  attempt: number,
): string {
  const id = `${tradeDate.replaceAll('-', '')}-${accountId}-L${legNo}-A${attempt}`;
  if (id.length > 40)
    throw ApplicationFailure.nonRetryable(`client order id too long: ${id}`, 'InvalidOrder');
  return id;
}

interface OrderRow {
  client_order_id: string;
  proposal_id: string;
  leg_no: number;
  attempt: number;
  account_id: string;
  trade_date: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  qty: string;
  custodian_order_id: string | null;
  status: string;
  filled_qty: string;
  reject_reason: string | null;
}

/** The workflow's view of an order row (account orders and block orders alike). */
export function view(
  row: Pick<OrderRow, 'client_order_id' | 'attempt' | 'qty' | 'filled_qty' | 'status' | 'reject_reason'> & {
    leg_no?: number;
  },
): OrderStatusView {
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

/** Above this excess value (USD) an overfill is escalated for same-day resolution (DOMAIN.md §3.4). */
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

export function orderActivities(deps: ActivityDeps) {
  const { db, custodian } = deps;

  async function accountNumber(accountId: string): Promise<string> {
    const a = await db('accounts').where({ id: accountId }).first('custodian_account_number');
    if (!a) throw ApplicationFailure.nonRetryable(`account ${accountId} does not exist`, 'NotFound');
    return a.custodian_account_number;
  }

  async function send(row: OrderRow): Promise<OrderRow> {
    const acct = await accountNumber(row.account_id);
    // Ask first: a retried activity must never send the same order twice.
    const known = await custodian.findOrder(acct, row.client_order_id);
    const order =
      known ??
      (await custodian.createOrder({
        clientOrderId: row.client_order_id,
        accountNumber: acct,
        symbol: row.symbol,
        side: row.side,
        quantity: row.qty,
        orderDate: row.trade_date,
      }));
    return applyCustodianOrder<OrderRow>(db, order);
  }

  return {
    /**
     * Attempt 1: one order per leg of the proposal. Later attempts: one order for the
     * residual (ordered − filled) of each order named in `residualOf`.
     */
    async submitOrders(input: {
      proposalId: string;
      attempt: number;
      side?: 'BUY' | 'SELL';
      residualOf?: string[];
    }): Promise<OrderStatusView[]> {
      const proposal = await db('proposals').where({ id: input.proposalId }).first();
      if (!proposal)
        throw ApplicationFailure.nonRetryable(`proposal ${input.proposalId} not found`, 'NotFound');
      if (proposal.status !== 'APPROVED' && proposal.status !== 'RELEASED') {
        throw ApplicationFailure.nonRetryable(
          `proposal ${input.proposalId} is ${proposal.status}, not approved: no orders sent`,
          'NotApproved',
        );
      }
      let wanted: { legNo: number; symbol: string; side: 'BUY' | 'SELL'; qty: string }[];
      if (input.attempt === 1) {
        const q = db('proposal_legs').where({ proposal_id: input.proposalId }).orderBy('leg_no');
        if (input.side) q.where({ side: input.side });
        const legs = await q;
        wanted = legs.map((l: { leg_no: number; symbol: string; side: 'BUY' | 'SELL'; qty: string }) => ({
          legNo: l.leg_no,
          symbol: l.symbol,
          side: l.side,
          qty: l.qty,
        }));
      } else {
        const prior: OrderRow[] = await db('orders').whereIn('client_order_id', input.residualOf ?? []);
        wanted = prior
          .map((o) => ({
            legNo: o.leg_no,
            symbol: o.symbol,
            side: o.side,
            qty: qtyStr(dec(o.qty).minus(dec(o.filled_qty))),
          }))
          .filter((w) => dec(w.qty).gt(0));
      }
      const rows: OrderRow[] = [];
      for (const w of wanted) {
        const id = clientOrderIdFor(proposal.trade_date, proposal.account_id, w.legNo, input.attempt);
        await db('orders')
          .insert({
            client_order_id: id,
            proposal_id: input.proposalId,
            leg_no: w.legNo,
            attempt: input.attempt,
            account_id: proposal.account_id,
            trade_date: proposal.trade_date,
            symbol: w.symbol,
            side: w.side,
            qty: w.qty,
            status: 'PENDING_NEW',
          })
          .onConflict('client_order_id')
          .ignore();
        const row: OrderRow = await db('orders').where({ client_order_id: id }).first();
        rows.push(
          row.custodian_order_id && TERMINAL_STATUSES.has(row.status as OrderStatus) ? row : await send(row),
        );
      }
      if (input.attempt === 1)
        await db('proposals').where({ id: input.proposalId }).update({ status: 'RELEASED' });
      return rows.map(view);
    },

    async pollOrders(input: { clientOrderIds: string[]; windowClosed: boolean }): Promise<OrderStatusView[]> {
      const out: OrderStatusView[] = [];
      for (const id of input.clientOrderIds) {
        const row: OrderRow | undefined = await db('orders').where({ client_order_id: id }).first();
        if (!row) throw ApplicationFailure.nonRetryable(`order ${id} not found`, 'NotFound');
        const o = await custodian.findOrder(await accountNumber(row.account_id), id);
        out.push(view(o ? await applyCustodianOrder<OrderRow>(db, o) : row));
      }
      return out;
    },

    async cancelOrders(input: { clientOrderIds: string[]; reason: string }): Promise<void> {
      for (const id of input.clientOrderIds) {
        const row: OrderRow | undefined = await db('orders').where({ client_order_id: id }).first();
        if (!row?.custodian_order_id || TERMINAL_STATUSES.has(row.status as OrderStatus)) continue;
        await custodian.cancelOrder(await accountNumber(row.account_id), row.custodian_order_id);
      }
    },
  };
}
