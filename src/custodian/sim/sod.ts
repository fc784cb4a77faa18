/**
 * What the simulated custodian knows at the start of a process date, for its morning files:
 * cash activity (EXT869), balances (EXT981), tax lots (EXT_TAXLOT) and corporate actions (EXT235),
 * plus the functions tests and the simulator's routes use to add cash activity and corporate actions.
 *
 * Everything is derived from the `sim` schema as of the start of the process date P (the end of the
 * previous trading day T), so the same state always gives the same files:
 * - cash at the start of P = sim.accounts.cash minus the cash effect of executions traded on or
 *   after P and of cash activity reported after P;
 * - a trade settles on its settlement date S = nextSettlementDay(trade date); it is settled at the
 *   start of P when S < P, and its cash is reported in EXT869 in the first morning after S (T <= S < P);
 * - lots: sim.lots holds the lots opened outside the order flow (seeded holdings, transfers); lots of
 *   executions are replayed on top, in trade order: a BUY opens a lot (its id is the execution id),
 *   a SELL closes the account's lots of the security first in, first out.
 */
import type { Knex } from 'knex';
import { type Dec, ZERO, dec } from '../../domain/money';

export { balanceRows } from './balances';
export {
  CASH_KINDS,
  type CashActivityInput,
  CashActivityInputSchema,
  type CashKind,
  SETTLEMENT_BATCH_CODE,
  addCashActivity,
  cashActivityRows,
} from './cash-activity';
export {
  type CorporateActionInput,
  CorporateActionInputSchema,
  addCorporateAction,
  corporateActionRows,
} from './corporate-actions';
export { type SimLot, lotsAsOf, taxLotRows, termCode } from './lots';

/* ================================================================== securities as of a date */

export interface SecurityAsOf {
  symbol: string;
  /** The CUSIP as of the process date (CUSIP changes applied). */
  cusip: string;
  /** The CUSIP before the latest CUSIP change on or before the process date, if any. */
  oldCusip: string | null;
  description: string;
}

/**
 * The security master as of the start of `processDate`: sim.securities with the CUSIP changes
 * (CUSIP_CHANGE and STOCK_MERGER actions whose CusipOld is the security's CUSIP) of process
 * dates up to and including `processDate` applied. Symbols are the simulator's keys and do not change.
 */
export async function securitiesAsOf(db: Knex, processDate: string): Promise<Map<string, SecurityAsOf>> {
  const secs: { symbol: string; cusip: string; description: string }[] =
    await db('sim.securities').orderBy('symbol');
  const changes: { cusip: string; cusip_old: string }[] = await db('sim.corporate_actions')
    .whereIn('action', ['CUSIP_CHANGE', 'STOCK_MERGER'])
    .whereNotNull('cusip_old')
    .where('process_date', '<=', processDate)
    .orderBy([{ column: 'process_date' }, { column: 'id' }])
    .select('cusip', 'cusip_old');
  const out = new Map<string, SecurityAsOf>();
  for (const s of secs) {
    let cusip = s.cusip;
    let oldCusip: string | null = null;
    for (const c of changes) {
      if (c.cusip_old === cusip && c.cusip !== cusip) {
        oldCusip = cusip;
        cusip = c.cusip;
      }
    }
    out.set(s.symbol, { symbol: s.symbol, cusip, oldCusip, description: s.description });
  }
  return out;
}

/** The last close strictly before `date` of every security (0 when there is none). */
export async function closesBefore(
  db: Knex,
  symbols: readonly string[],
  date: string,
): Promise<Map<string, Dec>> {
  const rows: { symbol: string; close: string }[] = symbols.length
    ? await db('sim.prices')
        .distinctOn('symbol')
        .whereIn('symbol', symbols)
        .where('date', '<', date)
        .orderBy([{ column: 'symbol' }, { column: 'date', order: 'desc' }])
        .select('symbol', 'close')
    : [];
  const out = new Map<string, Dec>(symbols.map((s) => [s, ZERO]));
  for (const r of rows) out.set(r.symbol, dec(r.close));
  return out;
}
