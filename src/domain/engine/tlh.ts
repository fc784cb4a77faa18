/**
 * Tax-loss harvesting and swap-back (taxable accounts only for TLH).
 *
 * A lot qualifies when its unrealized loss is at least `tlhMinLossPct` of its cost, it was bought
 * more than `washWindowDays` ago, and the qualifying lots of the security lose at least
 * `tlhMinLossUsd` together. The security is skipped when any account of the household bought it
 * (or a substantially identical one) in the window or proposes to buy it today, or when this account
 * holds a lot bought inside the window (those shares would replace the ones sold). The replacement
 * is the sleeve's first buyable candidate from a different index (never substantially identical).
 */
import { type Dec, ONE as ONE_, ZERO as ZERO_ } from '../money';
import type { SwapBackMode } from './config';
import { dayNumber, holdingTerm } from './dates';
import type { Lot } from './lots';
import type { Holding } from './valuation';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ONE = ONE_;
const ZERO = ZERO_;

export interface TlhLot {
  lot: Lot;
  loss: Dec;
}

export interface TlhScan {
  /** Qualifying lots (empty when the security does not qualify). */
  lots: TlhLot[];
  loss: Dec;
  value: Dec;
  /** Why not, when it does not qualify (a code). */
  skip?: 'NO_LOSS_LOTS' | 'BELOW_USD_THRESHOLD' | 'RECENT_LOT' | 'HOUSEHOLD_BUY';
}

/**
 * Lot-level TLH scan of one holding. `householdBuys` says whether any household account bought (or
 * proposes to buy) a substantially identical security within the window.
 */
export function scanTlh(
  h: Holding,
  asOf: string,
  opts: { minLossPct: Dec; minLossUsd: Dec; windowDays: number; householdBuys: boolean },
): TlhScan {
  const today = dayNumber(asOf);
  // Cheap pre-checks on the raw strings, so most holdings never need their lots parsed.
  let candidate = false;
  const priceStr = h.price.toFixed();
  for (const l of h.rawLots) {
    if (today - dayNumber(l.openDate) <= opts.windowDays)
      return { lots: [], loss: ZERO, value: ZERO, skip: 'RECENT_LOT' };
    if (decStrGreater(l.unitCost, priceStr) !== false) candidate = true;
  }
  if (!candidate) return { lots: [], loss: ZERO, value: ZERO, skip: 'NO_LOSS_LOTS' };
  if (opts.householdBuys) return { lots: [], loss: ZERO, value: ZERO, skip: 'HOUSEHOLD_BUY' };
  // Lots qualify when price <= cost × (1 − pct), i.e. loss >= pct of cost; checked without division.
  const factor = ONE.minus(opts.minLossPct);
  const lots: TlhLot[] = [];
  let loss = ZERO;
  let value = ZERO;
  let recent = false;
  for (const l of h.lots) {
    if (today - dayNumber(l.openDate) <= opts.windowDays) {
      recent = true;
      continue;
    }
    if (!h.price.lt(l.unitCost) || h.price.gt(l.unitCost.times(factor))) continue;
    const lotLoss = l.unitCost.minus(h.price).times(l.qty);
    lots.push({ lot: l, loss: lotLoss });
    loss = loss.plus(lotLoss);
    value = value.plus(h.price.times(l.qty));
  }
  if (lots.length === 0) return { lots: [], loss: ZERO, value: ZERO, skip: 'NO_LOSS_LOTS' };
  if (recent) return { lots: [], loss, value, skip: 'RECENT_LOT' };
  if (opts.householdBuys) return { lots: [], loss, value, skip: 'HOUSEHOLD_BUY' };
  if (loss.lt(opts.minLossUsd)) return { lots: [], loss, value, skip: 'BELOW_USD_THRESHOLD' };
  return { lots, loss, value };
}

const PLAIN = /^\d+(\.\d+)?$/;

/**
 * a > b for non-negative plain decimal strings, without parsing; null when either is not plain.
 */
export function decStrGreater(a: string, b: string): boolean | null {
  if (!PLAIN.test(a) || !PLAIN.test(b)) return null;
  const ad = a.indexOf('.');
  const bd = b.indexOf('.');
  const ai = ad < 0 ? a : a.slice(0, ad);
  const af = ad < 0 ? '' : a.slice(ad + 1);
  const bi = bd < 0 ? b : b.slice(0, bd);
  const bf = bd < 0 ? '' : b.slice(bd + 1);
  const ai2 = ai.replace(/^0+(?=\d)/, '');
  const bi2 = bi.replace(/^0+(?=\d)/, '');
  if (ai2.length !== bi2.length) return ai2.length > bi2.length;
  if (ai2 !== bi2) return ai2 > bi2;
  const n = Math.max(af.length, bf.length);
  const a3 = af.padEnd(n, '0');
  const b3 = bf.padEnd(n, '0');
  return a3 > b3;
}

/**
 * Lots of an alternate that may be sold to swap back into the primary once the primary is buyable
 * again (after the wash window): NO_GAIN = lots at no gain; NO_ST_GAIN = also long-term gains;
 * non-taxable accounts swap every lot. `excludeLossLots` drops loss lots (wash-sale risk).
 */
export function swapBackLots(
  h: Holding,
  asOf: string,
  mode: SwapBackMode,
  taxable: boolean,
  excludeLossLots: boolean,
): Lot[] {
  if (mode === 'OFF') return [];
  return h.lots.filter((l) => {
    const loss = h.price.lt(l.unitCost);
    if (loss && excludeLossLots) return false;
    if (!taxable) return true;
    if (!h.price.gt(l.unitCost)) return true;
    return mode === 'NO_ST_GAIN' && holdingTerm(l.openDate, asOf) === 'LT';
  });
}
