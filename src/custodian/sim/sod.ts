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
import { appliedActions, carryHolding, nameBefore } from './action-history';

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
  /** The symbol as of the process date (symbol changes after it undone). */
  symbol: string;
  /** The simulator's key today (sim.securities, sim.prices): the symbol after every symbol change. */
  simSymbol: string;
  /** The CUSIP as of the process date (CUSIP changes applied). */
  cusip: string;
  /** The CUSIP before the latest CUSIP change on or before the process date, if any. */
  oldCusip: string | null;
  description: string;
}

/**
 * The security master as of the start of `processDate`, keyed by the symbols of that date:
 * sim.securities under the names they had then (the symbol changes of later process dates undone),
 * without the securities a later stock merger created, with the CUSIP changes (CUSIP_CHANGE, and a
 * STOCK_MERGER that keeps its symbol) of process dates up to and including `processDate` applied.
 * A symbol changed on or before the date also finds the security under its former name (for the
 * trades and cash lines made under it); iterate `primarySecurities` for one entry per security.
 */
export async function securitiesAsOf(db: Knex, processDate: string): Promise<Map<string, SecurityAsOf>> {
  const applied = await appliedActions(db);
  const notYet = new Set<string>(
    await db('sim.corporate_actions')
      .where({ created_security: true })
      .where('process_date', '>', processDate)
      .pluck('applied_to'),
  );
  const secs: { symbol: string; cusip: string; description: string }[] = (
    await db('sim.securities').select('symbol', 'cusip', 'description')
  ).filter((s: { symbol: string }) => !notYet.has(s.symbol));
  const changes: { cusip: string; cusip_old: string }[] = await db('sim.corporate_actions')
    .where((q) =>
      q
        .where({ action: 'CUSIP_CHANGE' })
        .orWhere((m) =>
          m
            .where({ action: 'STOCK_MERGER' })
            .where((k) => k.whereNull('applied_to').orWhereRaw('applied_to = applied_from')),
        ),
    )
    .whereNotNull('cusip_old')
    .where('process_date', '<=', processDate)
    .orderBy([{ column: 'process_date' }, { column: 'id' }])
    .select('cusip', 'cusip_old');
  const entries: SecurityAsOf[] = secs.map((s) => {
    let cusip = s.cusip;
    let oldCusip: string | null = null;
    for (const c of changes) {
      if (c.cusip_old === cusip && c.cusip !== cusip) {
        oldCusip = cusip;
        cusip = c.cusip;
      }
    }
    const symbol = nameBefore(applied, s.symbol, processDate);
    return { symbol, simSymbol: s.symbol, cusip, oldCusip, description: s.description };
  });
  entries.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const out = new Map<string, SecurityAsOf>(entries.map((e) => [e.symbol, e]));
  for (const a of applied) {
    if (a.action !== 'SYMBOL_CHANGE' || a.processDate > processDate || out.has(a.from) || !a.to) continue;
    const now = carryHolding(applied, a.to, a.processDate, processDate);
    const sec = now ? out.get(now.symbol) : undefined;
    if (sec) out.set(a.from, sec);
  }
  return out;
}

/** One entry per security of a securitiesAsOf map (former names left out), in symbol order. */
export function primarySecurities(secs: Map<string, SecurityAsOf>): SecurityAsOf[] {
  return [...secs].filter(([k, s]) => k === s.symbol).map(([, s]) => s);
}

/**
 * The last close strictly before `date` of every security of a securitiesAsOf map, keyed as the
 * map is (its prices are under the simulator's key of today); 0 when there is none.
 */
export async function closesAsOf(
  secs: Map<string, SecurityAsOf>,
  db: Knex,
  date: string,
): Promise<Map<string, Dec>> {
  const bySim = await closesBefore(db, [...new Set([...secs.values()].map((s) => s.simSymbol))], date);
  return new Map([...secs].map(([k, s]) => [k, bySim.get(s.simSymbol) ?? ZERO]));
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
