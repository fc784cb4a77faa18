/**
 * Booking: the account's filled orders (its shares of the day's blocks) applied to the book's
 * positions, tax lots and cash, once per order; and the account's orders as its workflow shows them.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { OrderStatusView } from '../contracts';
import { nextSettlementDay } from '../domain/calendar';
import { dec, sum } from '../domain/money';
import { carriedLegs } from '../notifications/notify';
import { writeAudit } from './audit';
import type { ActivityDeps } from './deps';
import { applyFills } from './fills-to-book';
import { notifyContextOf } from './notifications';

export function bookingActivities(deps: ActivityDeps) {
  const { db } = deps;
  const notifyCtx = notifyContextOf(deps);
  return {
    /**
     * Applies terminal orders' fills to positions, lots and cash, once per order. A proposal not
     * executed in full tells its advisor what is carried to tomorrow and why (outbox, same transaction).
     */
    async bookFills(input: { proposalId: string }): Promise<{ booked: number }> {
      return db.transaction((trx) => bookProposal(trx, notifyCtx, input.proposalId));
    },

    async proposalOrders(input: { proposalId: string }): Promise<OrderStatusView[]> {
      const rows: {
        client_order_id: string;
        leg_no: number;
        qty: string;
        filled_qty: string;
        status: string;
      }[] = await db('orders').where({ proposal_id: input.proposalId }).orderBy('client_order_id');
      return rows.map((r) => ({
        clientOrderId: r.client_order_id,
        legNo: r.leg_no,
        attempt: 1,
        qty: r.qty,
        filledQty: r.filled_qty,
        status: r.status,
        open: false,
        stalled: false,
        retryable: false,
      }));
    },
  };
}

/**
 * Books one proposal's terminal orders in `trx` (once per order: an order booked is marked so) and
 * settles the proposal's status: EXECUTED, PARTIALLY_EXECUTED (its advisor is told what is carried)
 * or FAILED.
 */
export async function bookProposal(
  trx: Knex.Transaction,
  notifyCtx: ReturnType<typeof notifyContextOf>,
  proposalId: string,
): Promise<{ booked: number; orders: { status: string; filled_qty: string }[] }> {
  const proposal = await trx('proposals').where({ id: proposalId }).forUpdate().first();
  if (!proposal) throw ApplicationFailure.nonRetryable(`proposal ${proposalId} not found`, 'NotFound');
  // The proposal's account and date as well: they pick the (trade_date, account_id) index.
  const all: OrderRow[] = await trx('orders')
    .where({ account_id: proposal.account_id, trade_date: proposal.trade_date, proposal_id: proposalId })
    .orderBy('client_order_id');
  const legs: { leg_no: number; qty: string; lots: { lotId: string }[] | null }[] = await trx(
    'proposal_legs',
  ).where({ proposal_id: proposalId });
  const lotsOf = new Map(legs.map((l) => [l.leg_no, l.lots ?? []]));
  const due = all.filter((o) => !o.booked && TERMINAL.includes(o.status));
  const filled = due.filter((o) => dec(o.filled_qty).gt(0));
  await applyFills(
    trx,
    proposal.account_id,
    proposal.trade_date,
    filled.map((o) => ({
      symbol: o.symbol,
      side: o.side,
      qty: dec(o.filled_qty),
      price: dec(o.avg_price as string),
      clientOrderId: o.client_order_id,
      lotInstructions: lotsOf.get(o.leg_no) ?? [],
    })),
  );
  await markBooked(trx, due, filled, proposal.trade_date);
  const filledByLeg = (legNo: number) =>
    sum(all.filter((o) => o.leg_no === legNo).map((o) => dec(o.filled_qty)));
  const complete = legs.every((l) => filledByLeg(l.leg_no).gte(dec(l.qty)));
  const anyFill = all.some((o) => dec(o.filled_qty).gt(0));
  const status = complete ? 'EXECUTED' : anyFill ? 'PARTIALLY_EXECUTED' : 'FAILED';
  await trx('proposals').where({ id: proposalId }).update({ status });
  // The account now holds the model version it traded on: MODEL_CHANGE does not fire again.
  if (status === 'EXECUTED') await recordTradedModelVersion(trx, proposal.account_id, proposal.model_version);
  await writeAudit(trx, {
    actor: 'system',
    action: `PROPOSAL_${status}`,
    entity: 'proposal',
    entityId: proposalId,
    details: { booked: filled.length },
    idempotencyKey: `booked:${proposalId}`,
  });
  if (status !== 'EXECUTED') await carriedLegs(trx, notifyCtx, proposalId);
  return { booked: filled.length, orders: all };
}

const TERMINAL = ['FILLED', 'CANCELED', 'REJECTED'];

interface OrderRow {
  client_order_id: string;
  leg_no: number;
  symbol: string;
  side: 'BUY' | 'SELL';
  status: string;
  filled_qty: string;
  avg_price: string | null;
  booked: boolean;
}

/** The orders booked, once each; a filled one settles the morning after (./sync/settlement.ts). */
async function markBooked(trx: Knex.Transaction, due: OrderRow[], filled: OrderRow[], tradeDate: string) {
  const ids = (rows: OrderRow[]) => rows.map((o) => o.client_order_id);
  if (filled.length > 0)
    await trx('orders')
      .whereIn('client_order_id', ids(filled))
      .update({ booked: true, settle_date: nextSettlementDay(tradeDate), updated_at: trx.fn.now() });
  const unfilled = due.filter((o) => !filled.includes(o));
  if (unfilled.length > 0)
    await trx('orders')
      .whereIn('client_order_id', ids(unfilled))
      .update({ booked: true, updated_at: trx.fn.now() });
}

/** The model version an account is aligned with (the engine compares it with the model's current one). */
export async function recordTradedModelVersion(
  trx: Knex.Transaction | Knex,
  accountId: string,
  version: number,
): Promise<void> {
  const n = await trx('accounts')
    .where({ id: accountId })
    .where((q) =>
      q.whereNull('last_traded_model_version').orWhere('last_traded_model_version', '<>', version),
    )
    .update({ last_traded_model_version: version });
  if (n > 0)
    await writeAudit(trx, {
      actor: 'system',
      action: 'MODEL_VERSION_TRADED',
      entity: 'account',
      entityId: accountId,
      details: { version },
      idempotencyKey: `model-version:${accountId}:${version}`,
    });
}
