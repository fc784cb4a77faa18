/**
 * The simulator's executions as the morning files replay them: every fill with its order's account,
 * symbol (the one it was traded under) and side, in trade order.
 */
import type { Knex } from 'knex';
import { type Dec, cashStr, dec } from '../../domain/money';
import type { LotMatch } from './allocations';

export interface ExecRow {
  execution_id: string;
  order_id: string;
  client_order_id: string;
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
      'o.client_order_id',
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

/**
 * Executions traded on or after `since`, and every execution of an order with a settlement fault
 * (a failed or delayed trade may settle long after the usual couple of weeks).
 */
export function executionsSettlingSince(db: Knex, since: string) {
  return execsQuery(db).where((q) =>
    q
      .where('e.trade_date', '>=', since)
      .orWhereIn('o.client_order_id', db('sim.settlement_faults').select('client_order_id')),
  );
}

/** The average-price accounts: block orders execute there before they are allocated. */
export async function averagePriceAccounts(db: Knex): Promise<Set<string>> {
  // select *: the average_price_account column comes with the block-order migration.
  const rows = (await db('sim.accounts').select('*')) as {
    account_number: string;
    average_price_account?: boolean;
  }[];
  return new Set(rows.filter((a) => a.average_price_account === true).map((a) => a.account_number));
}
