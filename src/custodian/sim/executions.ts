/**
 * The simulator's executions as the morning files replay them: every fill with its order's account,
 * symbol (the one it was traded under) and side, in trade order.
 */
import type { Knex } from 'knex';
import { type Dec, cashStr, dec } from '../../domain/money';
import type { LotMatch } from './state';

export interface ExecRow {
  execution_id: string;
  order_id: string;
  account_number: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  quantity: string;
  price: string;
  trade_date: string;
  executed_time: Date;
  /** A sell allocation's lot matching instructions (LotMatch[]), or null. */
  lot_matching: LotMatch[] | null;
}

export function execsQuery(db: Knex) {
  return db('sim.executions as e')
    .join('sim.orders as o', 'o.order_id', 'e.order_id')
    .select(
      'e.execution_id',
      'e.order_id',
      'o.account_number',
      'o.symbol',
      'o.side',
      'e.quantity',
      'e.price',
      'e.trade_date',
      'e.executed_time',
      'o.lot_matching',
    )
    .orderBy([{ column: 'e.trade_date' }, { column: 'e.executed_time' }, { column: 'e.execution_id' }]);
}

/** Cash an execution moved: quantity × price, to the cent; negative for a BUY. */
export function cashIn(e: { side: string; quantity: string; price: string }): Dec {
  const gross = dec(cashStr(dec(e.quantity).times(dec(e.price))));
  return e.side === 'BUY' ? gross.neg() : gross;
}
