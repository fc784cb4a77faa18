/**
 * The simulated custodian applies the mandatory corporate actions it reports (EXT235), so the book,
 * which applies them in its morning sync (src/activities/sync/corporate-actions.ts), and the
 * custodian agree the morning after. An action with process date P is effective at the start of P:
 * it is applied once, before the first file set of P (or of a later date) is built, with the shared
 * rules of src/domain/corporate-actions.ts:
 *
 * - SPLIT / REVERSE_SPLIT: every account's lots as of P through `applyStockFactor` (whole shares
 *   for a security that is not fractionable), its position = Σ new lots + `unlottedAfterFactor`; a
 *   fraction taken off is paid as cash in lieu at the close of the day before P ÷ factor (an EXT869
 *   line of P, kind CORPORATE_ACTION, `CASH IN LIEU {SYMBOL}`, the security's CUSIP); the symbol's
 *   prices from the trading day before P on are divided by the factor (6 dp, half-even), so P's
 *   files report the adjusted close and fills from P on are in new shares.
 * - CUSIP_CHANGE: nothing to apply (securitiesAsOf gives the new CUSIP from P on).
 *
 * What each action did per account is recorded (sim.corporate_action_effects), so positions as of an
 * earlier date undo it exactly (./positions.ts); the lot replay applies the same rule at P
 * (./lots.ts). See docs/custodian-simulator.md.
 */
import Decimal from 'decimal.js';
import type { Knex } from 'knex';
import { previousTradingDay } from '../../domain/calendar';
import { applyStockFactor, cashInLieu, unlottedAfterFactor } from '../../domain/corporate-actions';
import { type Dec, ZERO, dec, qtyStr, sum } from '../../domain/money';
import type { CorporateAction } from '../files';
import { postCash } from './cash-activity';
import type { SimActionRow } from './corporate-actions';
import { type SimLot, heldLotOf, lotsAsOf } from './lots';
import { positionsAsOf } from './positions';
import { closesBefore, securitiesAsOf } from './sod';

/** The actions the simulator applies (the others are reported only). */
export const APPLIED_ACTIONS: readonly CorporateAction[] = ['SPLIT', 'REVERSE_SPLIT', 'CUSIP_CHANGE'];

/** Cash activity kind of the cash a corporate action pays (EXT869 batch CA). */
export const CORPORATE_ACTION_KIND = 'CORPORATE_ACTION';

interface Applied {
  from: string | null;
  to: string | null;
  wholeShares: boolean | null;
}

/**
 * Applies the corporate actions of process dates up to `processDate` not applied yet, in the order
 * of their process dates and ids, and records that the file set of `processDate` is being built, in
 * one transaction (so an action recorded meanwhile waits for the next morning). Idempotent.
 */
export async function openMorning(db: Knex, processDate: string): Promise<number> {
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['sim:corporate-actions']);
    const due: SimActionRow[] = await trx('sim.corporate_actions')
      .whereNull('applied_at')
      .where('process_date', '<=', processDate)
      .whereIn('action', APPLIED_ACTIONS)
      .orderBy([{ column: 'process_date' }, { column: 'id' }]);
    for (const a of due) {
      const done = await applyAction(trx, a);
      await trx('sim.corporate_actions').where({ id: a.id }).update({
        applied_at: trx.fn.now(),
        applied_from: done.from,
        applied_to: done.to,
        whole_shares: done.wholeShares,
      });
    }
    await trx('sim.file_sets').insert({ process_date: processDate }).onConflict('process_date').ignore();
    return due.length;
  });
}

async function applyAction(trx: Knex.Transaction, a: SimActionRow): Promise<Applied> {
  if (a.action === 'CUSIP_CHANGE') return { from: null, to: null, wholeShares: null };
  const sec = await simSecurity(trx, a.process_date, a.symbol, a.cusip);
  if (!sec) return { from: null, to: null, wholeShares: null }; // reported only: nobody here holds it
  await applyStockFactorAction(trx, a, sec.symbol, !sec.fractionable, a.stock_factor!);
  await adjustPrices(trx, sec.symbol, a.process_date, a.stock_factor!);
  return { from: sec.symbol, to: sec.symbol, wholeShares: !sec.fractionable };
}

/** The simulator's security an action names: by symbol, else by its CUSIP as of the date. */
async function simSecurity(
  trx: Knex.Transaction,
  processDate: string,
  symbol: string | null,
  cusip: string | null,
): Promise<{ symbol: string; fractionable: boolean } | undefined> {
  const bySymbol = symbol ? await trx('sim.securities').where({ symbol }).first() : undefined;
  if (bySymbol) return bySymbol;
  if (!cusip) return undefined;
  for (const s of (await securitiesAsOf(trx, processDate)).values())
    if (s.cusip === cusip || s.oldCusip === cusip)
      return trx('sim.securities').where({ symbol: s.symbol }).first();
  return undefined;
}

/**
 * A stock factor on every account's holding of `symbol` as of the action's date: lots through
 * applyStockFactor, the position to Σ new lots + the unlotted shares × factor, the fraction of a
 * whole-share security paid as cash in lieu. Recorded per account in sim.corporate_action_effects.
 */
async function applyStockFactorAction(
  trx: Knex.Transaction,
  a: SimActionRow,
  symbol: string,
  wholeShares: boolean,
  factor: string,
): Promise<void> {
  const date = a.process_date;
  const positions = new Map(
    (await positionsAsOf(trx, date)).filter((p) => p.symbol === symbol).map((p) => [p.account_number, p.qty]),
  );
  const lots = new Map<string, SimLot[]>();
  for (const l of await lotsAsOf(trx, date)) {
    if (l.symbol !== symbol) continue;
    lots.set(l.accountNumber, [...(lots.get(l.accountNumber) ?? []), l]);
  }
  const close = (await closesBefore(trx, [symbol], date)).get(symbol) ?? ZERO;
  const adjusted = adjustedPrice(close, factor);
  const accounts = [...new Set([...positions.keys(), ...lots.keys()])].sort();
  for (const account of accounts) {
    const held = lots.get(account) ?? [];
    const before = positions.get(account) ?? ZERO;
    const r = applyStockFactor(held.map(heldLotOf), factor, wholeShares);
    const lotted = qtyStr(sum(held.map((l) => l.qty)));
    const after = dec(r.qty).plus(dec(unlottedAfterFactor(qtyStr(before), lotted, factor)));
    const cash = dec(r.fraction).gt(0) ? dec(cashInLieu(r.fraction, adjusted.toFixed(6))) : ZERO;
    const cashId = cash.gt(0) ? `CA-${a.id}-${account}` : null;
    await trx('sim.corporate_action_effects').insert({
      action_id: a.id,
      account_number: account,
      symbol,
      qty_before: qtyStr(before),
      qty_after: qtyStr(after),
      cash_in: cash.toFixed(2),
      cash_activity_id: cashId,
    });
    await addToPosition(trx, account, symbol, after.minus(before));
    if (cashId)
      await postCash(trx, {
        id: cashId,
        accountNumber: account,
        processDate: date,
        amountIn: cash,
        kind: CORPORATE_ACTION_KIND,
        description: `CASH IN LIEU ${symbol}`,
        symbol,
      });
  }
}

/** A price after a stock factor: ÷ factor, 6 dp, half-even (NUMERIC(18,6) of sim.prices). */
function adjustedPrice(close: Dec, factor: string): Dec {
  return close.div(dec(factor)).toDecimalPlaces(6, Decimal.ROUND_HALF_EVEN) as Dec;
}

/** Adds `delta` to an account's current position (sim.positions), creating the row if needed. */
async function addToPosition(
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

/**
 * Divides the symbol's prices dated on or after the trading day before `processDate` by the factor,
 * so that morning's files report the adjusted previous close and fills from then on are in new
 * shares; the history before stays as it was.
 */
async function adjustPrices(
  trx: Knex.Transaction,
  symbol: string,
  processDate: string,
  factor: string,
): Promise<void> {
  const rows: { date: string; close: string }[] = await trx('sim.prices')
    .where({ symbol })
    .where('date', '>=', previousTradingDay(processDate))
    .select('date', 'close');
  if (rows.length === 0) return;
  await trx.raw(
    `UPDATE sim.prices p SET close = v.close
     FROM unnest(?::date[], ?::numeric[]) AS v(date, close)
     WHERE p.symbol = ? AND p.date = v.date`,
    [rows.map((r) => r.date), rows.map((r) => adjustedPrice(dec(r.close), factor).toFixed(6)), symbol],
  );
}
