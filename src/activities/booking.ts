/**
 * Booking: the account's filled orders (its shares of the day's blocks) applied to the book's
 * positions, tax lots and cash, once per order; and the account's orders as its workflow shows them.
 */
import { ApplicationFailure } from '@temporalio/activity';
import Decimal from 'decimal.js';
import type { Knex } from 'knex';
import type { OrderStatusView } from '../contracts';
import { type Dec, ZERO, cashStr, dec, qtyStr, sum } from '../domain/money';
import { writeAudit } from './audit';
import type { ActivityDeps } from './deps';

export function bookingActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /** Applies terminal orders' fills to positions, lots and cash, once per order. */
    async bookFills(input: { proposalId: string }): Promise<{ booked: number }> {
      return db.transaction(async (trx) => {
        const proposal = await trx('proposals').where({ id: input.proposalId }).forUpdate().first();
        if (!proposal)
          throw ApplicationFailure.nonRetryable(`proposal ${input.proposalId} not found`, 'NotFound');
        // The proposal's account and date as well: they pick the (trade_date, account_id) index.
        const mine = { account_id: proposal.account_id, trade_date: proposal.trade_date };
        const orders = await trx('orders')
          .where({ ...mine, proposal_id: input.proposalId, booked: false })
          .whereIn('status', ['FILLED', 'CANCELED', 'REJECTED'])
          .orderBy('client_order_id');
        let booked = 0;
        for (const o of orders) {
          const filled = dec(o.filled_qty);
          if (filled.gt(0)) {
            const leg = await trx('proposal_legs')
              .where({ proposal_id: input.proposalId, leg_no: o.leg_no })
              .first();
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
            .update({ booked: true, updated_at: trx.fn.now() });
        }
        const legs = await trx('proposal_legs').where({ proposal_id: input.proposalId });
        const all = await trx('orders').where({ ...mine, proposal_id: input.proposalId });
        const filledByLeg = (legNo: number) =>
          sum(
            all
              .filter((o: { leg_no: number }) => o.leg_no === legNo)
              .map((o: { filled_qty: string }) => dec(o.filled_qty)),
          );
        const complete = legs.every((l: { leg_no: number; qty: string }) =>
          filledByLeg(l.leg_no).gte(dec(l.qty)),
        );
        const anyFill = all.some((o: { filled_qty: string }) => dec(o.filled_qty).gt(0));
        const status = complete ? 'EXECUTED' : anyFill ? 'PARTIALLY_EXECUTED' : 'FAILED';
        await trx('proposals').where({ id: input.proposalId }).update({ status });
        await writeAudit(trx, {
          actor: 'system',
          action: `PROPOSAL_${status}`,
          entity: 'proposal',
          entityId: input.proposalId,
          details: { booked },
          idempotencyKey: `booked:${input.proposalId}`,
        });
        return { booked };
      });
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
    left = left.minus(take);
  }
}
