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
 * - SYMBOL_CHANGE: the security, its positions, base lots and prices are renamed; orders and
 *   executions keep the symbol they were traded under (the replays map it from P on).
 * - CASH_MERGER: every position goes to zero, its lots close (`closeLotsForCash`) and the proceeds
 *   (shares outside any lot at the same price) are paid (`CASH MERGER {SYMBOL}`); it stops trading.
 * - STOCK_MERGER: the new security is created if unknown (fractionable like the old one, prices
 *   the old one's from the day before P on ÷ factor); positions and lots move to it through
 *   `applyStockFactor` (a fraction as cash in lieu of the new security), a cash factor is paid as
 *   well (`CASH MERGER {OLD}`); the old security stops trading.
 * - CUSIP_CHANGE: nothing to apply (securitiesAsOf gives the new CUSIP from P on).
 *
 * What each action did per account is recorded (sim.corporate_action_effects), so positions as of an
 * earlier date undo it exactly (./positions.ts); the lot replay applies the same rule at P
 * (./lots.ts). See docs/custodian-simulator.md.
 */
import type { Knex } from 'knex';
import {
  applyStockFactor,
  cashInLieu,
  closeLotsForCash,
  unlottedAfterFactor,
} from '../../domain/corporate-actions';
import { type Dec, ZERO, cashStr, dec, sum } from '../../domain/money';
import type { CorporateAction } from '../files';
import {
  type ActionCash,
  addToPosition,
  adjustPrices,
  adjustedPrice,
  holdingsAsOf,
  recordEffect,
} from './corporate-action-effects';
import type { SimActionRow } from './corporate-actions';
import { heldLotOf } from './lots';
import { closesBefore, securitiesAsOf } from './sod';

/** The actions the simulator applies (the others are reported only). */
export const APPLIED_ACTIONS: readonly CorporateAction[] = [
  'SPLIT',
  'REVERSE_SPLIT',
  'SYMBOL_CHANGE',
  'CASH_MERGER',
  'STOCK_MERGER',
  'CUSIP_CHANGE',
];

/** What an action applied to (sim.corporate_actions.applied_*; ./action-history.ts). */
interface Applied {
  from: string | null;
  to: string | null;
  wholeShares: boolean | null;
  /** The action created the security `to` (a stock merger into a security the simulator did not know). */
  created?: boolean;
}

const REPORTED_ONLY: Applied = { from: null, to: null, wholeShares: null };

interface SimSecurity {
  symbol: string;
  cusip: string;
  description: string;
  fractionable: boolean;
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
      await trx('sim.corporate_actions')
        .where({ id: a.id })
        .update({
          applied_at: trx.fn.now(),
          applied_from: done.from,
          applied_to: done.to,
          whole_shares: done.wholeShares,
          created_security: done.created === true,
        });
    }
    await trx('sim.file_sets').insert({ process_date: processDate }).onConflict('process_date').ignore();
    return due.length;
  });
}

async function applyAction(trx: Knex.Transaction, a: SimActionRow): Promise<Applied> {
  switch (a.action) {
    case 'SPLIT':
    case 'REVERSE_SPLIT': {
      const sec = await simSecurity(trx, a.process_date, a.symbol, a.cusip);
      if (!sec) return REPORTED_ONLY; // nobody here holds it
      await applyFactor(trx, a, sec, sec, a.stock_factor!);
      await adjustPrices(trx, sec.symbol, sec.symbol, a.process_date, a.stock_factor!);
      return { from: sec.symbol, to: sec.symbol, wholeShares: !sec.fractionable };
    }
    case 'SYMBOL_CHANGE':
      return renameSecurity(trx, a);
    case 'CASH_MERGER':
      return cashMerger(trx, a);
    case 'STOCK_MERGER':
      return stockMerger(trx, a);
    case 'CUSIP_CHANGE':
      return REPORTED_ONLY;
  }
}

/** The simulator's security an action names: by symbol, else by its CUSIP as of the date. */
async function simSecurity(
  trx: Knex.Transaction,
  processDate: string,
  symbol: string | null,
  cusip: string | null,
): Promise<SimSecurity | undefined> {
  const bySymbol = symbol ? await trx('sim.securities').where({ symbol }).first() : undefined;
  if (bySymbol) return bySymbol;
  if (!cusip) return undefined;
  for (const s of (await securitiesAsOf(trx, processDate)).values())
    if (s.cusip === cusip || s.oldCusip === cusip)
      return trx('sim.securities').where({ symbol: s.simSymbol }).first();
  return undefined;
}

/**
 * A stock factor on every account's holding of `from` as of the action's date, into `to` (the same
 * security for a split): lots through applyStockFactor (whole shares if `to` is not fractionable),
 * the position to Σ new lots + the unlotted shares × factor, a fraction taken off paid as cash in
 * lieu of `to` at the close of the day before ÷ factor; `extraCash` (a merger's cash part) paid too.
 */
async function applyFactor(
  trx: Knex.Transaction,
  a: SimActionRow,
  from: SimSecurity,
  to: SimSecurity,
  factor: string,
  extraCash?: (before: Dec) => ActionCash | undefined,
): Promise<void> {
  const date = a.process_date;
  const close = (await closesBefore(trx, [from.symbol], date)).get(from.symbol) ?? ZERO;
  const price = adjustedPrice(close, factor).toFixed(6);
  const targetBefore = new Map(
    from.symbol === to.symbol
      ? []
      : (await holdingsAsOf(trx, to.symbol, date)).map((h) => [h.account, h.qty] as const),
  );
  for (const h of await holdingsAsOf(trx, from.symbol, date)) {
    const r = applyStockFactor(h.lots.map(heldLotOf), factor, !to.fractionable);
    const after = dec(r.qty).plus(dec(unlottedAfterFactor(h.qty.toFixed(), h.lotted, factor)));
    const inLieu: ActionCash | undefined = dec(r.fraction).gt(0)
      ? {
          amount: dec(cashInLieu(r.fraction, price)),
          description: `CASH IN LIEU ${to.symbol}`,
          symbol: to.symbol,
        }
      : undefined;
    if (from.symbol === to.symbol) {
      await recordEffect(trx, a, {
        account: h.account,
        symbol: from.symbol,
        before: h.qty,
        after,
        cash: inLieu,
      });
      continue;
    }
    const held = targetBefore.get(h.account) ?? ZERO;
    await recordEffect(trx, a, {
      account: h.account,
      symbol: from.symbol,
      before: h.qty,
      after: ZERO,
      cash: extraCash?.(h.qty),
    });
    await recordEffect(trx, a, {
      account: h.account,
      symbol: to.symbol,
      before: held,
      after: held.plus(after),
      cash: inLieu && { ...inLieu, idSuffix: '-LIEU' },
    });
  }
}

/**
 * SYMBOL_CHANGE: from the process date on the security is `symbol` (the same CUSIP): sim.securities,
 * positions, base lots and prices renamed; each account's holding recorded as moved from the old
 * symbol to the new one, so positions as of an earlier date are under the old one again.
 */
async function renameSecurity(trx: Knex.Transaction, a: SimActionRow): Promise<Applied> {
  const sec = await simSecurity(trx, a.process_date, a.symbol_old, a.cusip);
  if (!sec || sec.symbol === a.symbol) return REPORTED_ONLY;
  if (await trx('sim.securities').where({ symbol: a.symbol }).first()) {
    console.error(
      `[custodian-sim] SYMBOL_CHANGE ${sec.symbol} -> ${a.symbol}: ${a.symbol} exists, not applied`,
    );
    return REPORTED_ONLY;
  }
  for (const h of await holdingsAsOf(trx, sec.symbol, a.process_date)) {
    await recordEffect(trx, a, { account: h.account, symbol: sec.symbol, before: h.qty, after: ZERO });
    await recordEffect(trx, a, { account: h.account, symbol: a.symbol, before: ZERO, after: h.qty });
  }
  // The positions moved above; what is left under the old name (executions already traded on or
  // after the date, if any) follows the security.
  for (const p of await trx('sim.positions').where({ symbol: sec.symbol }))
    await addToPosition(trx, p.account_number, a.symbol, dec(p.qty));
  await trx('sim.positions').where({ symbol: sec.symbol }).del();
  for (const table of ['sim.securities', 'sim.lots', 'sim.prices'])
    await trx(table).where({ symbol: sec.symbol }).update({ symbol: a.symbol });
  return { from: sec.symbol, to: a.symbol, wholeShares: !sec.fractionable };
}

/**
 * CASH_MERGER: every holding paid out at the cash factor per share, its lots closed with
 * closeLotsForCash (shares outside any lot at the same price), one `CASH MERGER {SYMBOL}` line per
 * account; the security stops trading.
 */
async function cashMerger(trx: Knex.Transaction, a: SimActionRow): Promise<Applied> {
  const sec = await simSecurity(trx, a.process_date, a.symbol, a.cusip);
  if (!sec) return REPORTED_ONLY;
  const px = a.cash_factor!;
  for (const h of await holdingsAsOf(trx, sec.symbol, a.process_date)) {
    const proceeds = sum(closeLotsForCash(h.lots.map(heldLotOf), px).map((c) => dec(c.proceeds)));
    const outside = dec(cashStr(h.qty.minus(dec(h.lotted)).times(dec(px))));
    await recordEffect(trx, a, {
      account: h.account,
      symbol: sec.symbol,
      before: h.qty,
      after: ZERO,
      cash: { amount: proceeds.plus(outside), description: `CASH MERGER ${sec.symbol}`, symbol: sec.symbol },
    });
  }
  await trx('sim.securities').where({ symbol: sec.symbol }).update({ tradeable: false });
  return { from: sec.symbol, to: null, wholeShares: !sec.fractionable };
}

/**
 * STOCK_MERGER: the holdings of the old security (symbolOld / cusipOld) move to the new one
 * (symbol / cusip) at the stock factor, created if the simulator does not know it; a cash factor
 * is paid per old share as well (`CASH MERGER {OLD}`); the old security stops trading. The same
 * symbol under a new CUSIP is a stock factor and a CUSIP change of one security.
 */
async function stockMerger(trx: Knex.Transaction, a: SimActionRow): Promise<Applied> {
  const old = await simSecurity(trx, a.process_date, a.symbol_old, a.cusip_old);
  if (!old) return REPORTED_ONLY;
  const factor = a.stock_factor!;
  if (old.symbol === a.symbol) {
    await applyFactor(trx, a, old, old, factor);
    await adjustPrices(trx, old.symbol, old.symbol, a.process_date, factor);
    return { from: old.symbol, to: old.symbol, wholeShares: !old.fractionable };
  }
  let target: SimSecurity | undefined = await trx('sim.securities').where({ symbol: a.symbol }).first();
  const created = !target;
  if (!target) {
    target = {
      symbol: a.symbol,
      cusip: a.cusip,
      description: `${a.symbol} (merged from ${old.symbol})`,
      fractionable: old.fractionable,
    };
    await trx('sim.securities').insert(target);
    await adjustPrices(trx, old.symbol, a.symbol, a.process_date, factor);
  }
  const cashFactor = a.cash_factor;
  await applyFactor(trx, a, old, target, factor, (before) =>
    cashFactor && dec(cashFactor).gt(0)
      ? {
          amount: dec(cashStr(before.times(dec(cashFactor)))),
          description: `CASH MERGER ${old.symbol}`,
          symbol: old.symbol,
        }
      : undefined,
  );
  await trx('sim.securities').where({ symbol: old.symbol }).update({ tradeable: false });
  return { from: old.symbol, to: target.symbol, wholeShares: !target.fractionable, created };
}
