/**
 * The simulated custodian's trade-date positions as of the start of a process date P: the current
 * positions (sim.positions) with everything after the start of P undone, executions traded on or
 * after P (under the symbol they were traded under) and the effects of corporate actions of process
 * dates after P (sim.corporate_action_effects: each account's quantity before and after, per
 * symbol). Every step is an addition, so the order they are undone in does not matter.
 */
import type { Knex } from 'knex';
import { type Dec, ZERO, dec } from '../../domain/money';

export interface PositionAsOf {
  account_number: string;
  symbol: string;
  qty: Dec;
}

export async function positionsAsOf(db: Knex, processDate: string): Promise<PositionAsOf[]> {
  const current: { account_number: string; symbol: string; qty: string }[] =
    await db('sim.positions').select();
  const later: { account_number: string; symbol: string; side: string; quantity: string }[] = await db(
    'sim.executions as e',
  )
    .join('sim.orders as o', 'o.order_id', 'e.order_id')
    .where('e.trade_date', '>=', processDate)
    .select('o.account_number', 'o.symbol', 'o.side', 'e.quantity');
  const effects: { account_number: string; symbol: string; qty_before: string; qty_after: string }[] =
    await db('sim.corporate_action_effects as x')
      .join('sim.corporate_actions as a', 'a.id', 'x.action_id')
      .where('a.process_date', '>', processDate)
      .select('x.account_number', 'x.symbol', 'x.qty_before', 'x.qty_after');
  const map = new Map<string, PositionAsOf>();
  const add = (account_number: string, symbol: string, d: Dec) => {
    const k = `${account_number}|${symbol}`;
    const cur = map.get(k) ?? { account_number, symbol, qty: ZERO };
    cur.qty = cur.qty.plus(d);
    map.set(k, cur);
  };
  for (const p of current) add(p.account_number, p.symbol, dec(p.qty));
  for (const e of later)
    add(e.account_number, e.symbol, e.side === 'BUY' ? dec(e.quantity).neg() : dec(e.quantity));
  for (const x of effects) add(x.account_number, x.symbol, dec(x.qty_before).minus(dec(x.qty_after)));
  return [...map.values()]
    .filter((p) => !p.qty.isZero())
    .sort((a, b) =>
      a.account_number === b.account_number
        ? a.symbol.localeCompare(b.symbol)
        : a.account_number.localeCompare(b.account_number),
    );
}
