/**
 * Booking: the account's filled orders (its shares of the day's blocks) applied to the book's
 * positions, tax lots and cash, once per order; and the account's orders as its workflow shows them.
 */
import { ApplicationFailure } from '@temporalio/activity';
import Decimal from 'decimal.js';
import type { Knex } from 'knex';
import type { OrderStatusView } from '../contracts';
import { nextSettlementDay } from '../domain/calendar';
import { holdingTerm } from '../domain/engine';
import { type Dec, ZERO, cashStr, dec, qtyStr, sum } from '../domain/money';
import { carriedLegs } from '../notifications/notify';
import { writeAudit } from './audit';
import type { ActivityDeps } from './deps';
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
): Promise<{ booked: number }> {
  const proposal = await trx('proposals').where({ id: proposalId }).forUpdate().first();
  if (!proposal) throw ApplicationFailure.nonRetryable(`proposal ${proposalId} not found`, 'NotFound');
  // The proposal's account and date as well: they pick the (trade_date, account_id) index.
  const mine = { account_id: proposal.account_id, trade_date: proposal.trade_date };
  const orders = await trx('orders')
    .where({ ...mine, proposal_id: proposalId, booked: false })
    .whereIn('status', ['FILLED', 'CANCELED', 'REJECTED'])
    .orderBy('client_order_id');
  let booked = 0;
  for (const o of orders) {
    const filled = dec(o.filled_qty);
    if (filled.gt(0)) {
      const leg = await trx('proposal_legs').where({ proposal_id: proposalId, leg_no: o.leg_no }).first();
      await applyFill(trx, {
        accountId: o.account_id,
        symbol: o.symbol,
        side: o.side,
        qty: filled,
        price: dec(o.avg_price),
        tradeDate: proposal.trade_date,
        clientOrderId: o.client_order_id,
        lotInstructions: (leg?.lots ?? []) as { lotId: string }[],
      });
      booked++;
    }
    await trx('orders')
      .where({ client_order_id: o.client_order_id })
      .update({
        booked: true,
        // The custodian must show the trade settled the morning after this (./sync/settlement.ts).
        ...(filled.gt(0) ? { settle_date: nextSettlementDay(proposal.trade_date) } : {}),
        updated_at: trx.fn.now(),
      });
  }
  const legs = await trx('proposal_legs').where({ proposal_id: proposalId });
  const all = await trx('orders').where({ ...mine, proposal_id: proposalId });
  const filledByLeg = (legNo: number) =>
    sum(
      all
        .filter((o: { leg_no: number }) => o.leg_no === legNo)
        .map((o: { filled_qty: string }) => dec(o.filled_qty)),
    );
  const complete = legs.every((l: { leg_no: number; qty: string }) => filledByLeg(l.leg_no).gte(dec(l.qty)));
  const anyFill = all.some((o: { filled_qty: string }) => dec(o.filled_qty).gt(0));
  const status = complete ? 'EXECUTED' : anyFill ? 'PARTIALLY_EXECUTED' : 'FAILED';
  await trx('proposals').where({ id: proposalId }).update({ status });
  // The account now holds the model version it traded on: MODEL_CHANGE does not fire again.
  if (status === 'EXECUTED') await recordTradedModelVersion(trx, proposal.account_id, proposal.model_version);
  await writeAudit(trx, {
    actor: 'system',
    action: `PROPOSAL_${status}`,
    entity: 'proposal',
    entityId: proposalId,
    details: { booked },
    idempotencyKey: `booked:${proposalId}`,
  });
  if (status !== 'EXECUTED') await carriedLegs(trx, notifyCtx, proposalId);
  return { booked };
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

/**
 * Books one order's fill: position, cash, and lots. A buy opens a lot; a sell relieves the lots
 * the engine chose for the leg (its lot instructions, in order), then first-in first-out for
 * anything the instructions do not cover (e.g. a lot already relieved by an earlier attempt).
 */
async function applyFill(
  trx: Knex.Transaction,
  f: {
    accountId: string;
    symbol: string;
    side: 'BUY' | 'SELL';
    qty: Dec;
    price: Dec;
    tradeDate: string;
    clientOrderId: string;
    lotInstructions: { lotId: string }[];
  },
): Promise<void> {
  const { accountId, symbol, side, qty, price, tradeDate, clientOrderId } = f;
  const pos = await trx('positions').where({ account_id: accountId, symbol }).forUpdate().first();
  const current = pos ? dec(pos.qty) : ZERO;
  const next = side === 'BUY' ? current.plus(qty) : current.minus(qty);
  if (next.lt(0))
    throw ApplicationFailure.nonRetryable(`fill would make ${accountId} short ${symbol}`, 'Overfill');
  if (pos)
    await trx('positions')
      .where({ account_id: accountId, symbol })
      .update({ qty: qtyStr(next), updated_at: trx.fn.now() });
  else await trx('positions').insert({ account_id: accountId, symbol, qty: qtyStr(next) });
  const notional = qty.times(price).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN);
  const cash = await trx('cash_balances').where({ account_id: accountId }).forUpdate().first();
  const cashNext = dec(cash?.amount ?? '0')[side === 'BUY' ? 'minus' : 'plus'](notional);
  if (cash)
    await trx('cash_balances')
      .where({ account_id: accountId })
      .update({ amount: cashStr(cashNext), updated_at: trx.fn.now() });
  else await trx('cash_balances').insert({ account_id: accountId, amount: cashStr(cashNext) });
  if (side === 'BUY') {
    await trx('tax_lots').insert({
      id: `L-${clientOrderId}`,
      account_id: accountId,
      symbol,
      open_date: tradeDate,
      qty: qtyStr(qty),
      unit_cost: price.toFixed(6),
      source: 'BUY',
    });
    return;
  }
  let left = qty;
  const open = await trx('tax_lots')
    .where({ account_id: accountId, symbol })
    .where('qty', '>', 0)
    .orderBy([{ column: 'open_date' }, { column: 'id' }])
    .forUpdate();
  const rank = new Map(f.lotInstructions.map((l, i) => [l.lotId, i]));
  const lots = [...open].sort(
    (a, b) => (rank.get(a.id) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b.id) ?? Number.MAX_SAFE_INTEGER),
  );
  for (const lot of lots) {
    if (left.lte(0)) break;
    const take = Decimal.min(left, dec(lot.qty)) as Dec;
    await trx('tax_lots')
      .where({ id: lot.id })
      .update({ qty: qtyStr(dec(lot.qty).minus(take)) });
    await realize(trx, { accountId, symbol, lot, qty: take, price, tradeDate, clientOrderId });
    left = left.minus(take);
  }
}

/**
 * The closed part of a lot, with its gain (the proceeds at the fill price, the cost at the lot's
 * unit cost, each to the cent) and its term: what the wash-sale rule and the tax report read back.
 */
async function realize(
  trx: Knex.Transaction,
  r: {
    accountId: string;
    symbol: string;
    lot: { id: string; open_date: string; unit_cost: string };
    qty: Dec;
    price: Dec;
    tradeDate: string;
    clientOrderId: string;
  },
): Promise<void> {
  const cost = dec(cashStr(r.qty.times(dec(r.lot.unit_cost))));
  const proceeds = dec(cashStr(r.qty.times(r.price)));
  await trx('realized_lots')
    .insert({
      account_id: r.accountId,
      symbol: r.symbol,
      lot_id: r.lot.id,
      open_date: r.lot.open_date,
      close_date: r.tradeDate,
      qty: qtyStr(r.qty),
      cost: cashStr(cost),
      proceeds: cashStr(proceeds),
      gain: cashStr(proceeds.minus(cost)),
      term: holdingTerm(r.lot.open_date, r.tradeDate),
      source: 'SELL',
      source_ref: r.clientOrderId,
    })
    .onConflict(['source_ref', 'lot_id'])
    .ignore();
}
