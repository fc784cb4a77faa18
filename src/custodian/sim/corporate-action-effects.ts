/**
 * The steps the simulator's corporate actions are made of (./corporate-action-apply.ts): the
 * holdings of a security as of the action's date, one account's effect recorded
 * (sim.corporate_action_effects) and applied to its current position and cash, prices divided by
 * a stock factor.
 */
import Decimal from 'decimal.js';
import type { Knex } from 'knex';
import { previousTradingDay } from '../../domain/calendar';
import { type Dec, ZERO, dec, qtyStr, sum } from '../../domain/money';
import { postCash } from './cash-activity';
import type { SimActionRow } from './corporate-actions';
import { type SimLot, lotsAsOf } from './lots';
import { positionsAsOf } from './positions';

/** Cash activity kind of the cash a corporate action pays (EXT869 batch CA). */
export const CORPORATE_ACTION_KIND = 'CORPORATE_ACTION';

/** One account's holding of a security at the start of an action's date. */
export interface Holding {
  account: string;
  /** Trade-date position. */
  qty: Dec;
  /** Its open lots (the average-price account has none). */
  lots: SimLot[];
  /** Σ of the lots' quantities, 5 dp. */
  lotted: string;
}

/** Every account's holding of `symbol` at the start of `date` (position or lots), by account. */
export async function holdingsAsOf(trx: Knex.Transaction, symbol: string, date: string): Promise<Holding[]> {
  const positions = new Map(
    (await positionsAsOf(trx, date)).filter((p) => p.symbol === symbol).map((p) => [p.account_number, p.qty]),
  );
  const lots = new Map<string, SimLot[]>();
  for (const l of await lotsAsOf(trx, date)) {
    if (l.symbol !== symbol) continue;
    lots.set(l.accountNumber, [...(lots.get(l.accountNumber) ?? []), l]);
  }
  return [...new Set([...positions.keys(), ...lots.keys()])].sort().map((account) => {
    const held = lots.get(account) ?? [];
    return {
      account,
      qty: positions.get(account) ?? ZERO,
      lots: held,
      lotted: qtyStr(sum(held.map((l) => l.qty))),
    };
  });
}

/** A cash line an action pays an account (EXT869 of the action's date, kind CORPORATE_ACTION). */
export interface ActionCash {
  amount: Dec;
  /** `CASH IN LIEU {SYMBOL}`, `CASH MERGER {SYMBOL}`. */
  description: string;
  /** The security whose CUSIP goes on the line. */
  symbol: string;
  /** Makes the line's id unique when an action pays an account twice. */
  idSuffix?: string;
}

/**
 * What an action did to one account's holding of one symbol: recorded in
 * sim.corporate_action_effects (so positions as of an earlier date undo it), applied to the current
 * position (the difference, so executions already after the date stay) and the cash paid posted.
 */
export async function recordEffect(
  trx: Knex.Transaction,
  a: SimActionRow,
  e: { account: string; symbol: string; before: Dec; after: Dec; cash?: ActionCash },
): Promise<void> {
  const cash = e.cash && !e.cash.amount.isZero() ? e.cash : undefined;
  const cashId = cash ? `CA-${a.id}-${e.account}${cash.idSuffix ?? ''}` : null;
  await trx('sim.corporate_action_effects').insert({
    action_id: a.id,
    account_number: e.account,
    symbol: e.symbol,
    qty_before: qtyStr(e.before),
    qty_after: qtyStr(e.after),
    cash_in: (cash?.amount ?? ZERO).toFixed(2),
    cash_activity_id: cashId,
  });
  await addToPosition(trx, e.account, e.symbol, e.after.minus(e.before));
  if (cash && cashId)
    await postCash(trx, {
      id: cashId,
      accountNumber: e.account,
      processDate: a.process_date,
      amountIn: cash.amount,
      kind: CORPORATE_ACTION_KIND,
      description: cash.description,
      symbol: cash.symbol,
    });
}

/** Adds `delta` to an account's current position (sim.positions), creating the row if needed. */
export async function addToPosition(
  trx: Knex.Transaction,
  account: string,
  symbol: string,
  delta: Dec,
): Promise<void> {
  if (delta.isZero()) return;
  const row = await trx('sim.positions').where({ account_number: account, symbol }).forUpdate().first();
  if (row)
    await trx('sim.positions')
      .where({ account_number: account, symbol })
      .update({ qty: qtyStr(dec(row.qty).plus(delta)) });
  else await trx('sim.positions').insert({ account_number: account, symbol, qty: qtyStr(delta) });
}

/** A price after a stock factor: ÷ factor, 6 dp, half-even (NUMERIC(18,6) of sim.prices). */
export function adjustedPrice(close: Dec, factor: string): Dec {
  return close.div(dec(factor)).toDecimalPlaces(6, Decimal.ROUND_HALF_EVEN) as Dec;
}

/**
 * Writes `to`'s prices dated on or after the trading day before `processDate` as `from`'s divided
 * by the factor (to = from: a split's own prices), so that morning's files report the adjusted
 * previous close and fills from then on are in new shares; the history before stays as it was.
 */
export async function adjustPrices(
  trx: Knex.Transaction,
  from: string,
  to: string,
  processDate: string,
  factor: string,
): Promise<void> {
  const rows: { date: string; close: string }[] = await trx('sim.prices')
    .where({ symbol: from })
    .where('date', '>=', previousTradingDay(processDate))
    .select('date', 'close');
  if (rows.length === 0) return;
  await trx.raw(
    `INSERT INTO sim.prices (symbol, date, close)
     SELECT ?, v.date, v.close FROM unnest(?::date[], ?::numeric[]) AS v(date, close)
     ON CONFLICT (symbol, date) DO UPDATE SET close = EXCLUDED.close`,
    [to, rows.map((r) => r.date), rows.map((r) => adjustedPrice(dec(r.close), factor).toFixed(6))],
  );
}
