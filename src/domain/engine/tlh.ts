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
import { dayNumber, holdingTerm } from './dates';
import { type Fx, ONE as ONE_, ZERO as ZERO_ } from './fx';
import type { FxLot } from './lots';
import type { SwapBackMode } from './types';
import type { Holding } from './valuation';
import { ONE_PLUS_WASH_LOSS_MARGIN } from './washsale';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ONE = ONE_;
const ZERO = ZERO_;

export interface TlhLot {
  lot: FxLot;
  loss: Fx;
}

export interface TlhScan {
  /** Qualifying lots (empty when the security does not qualify). */
  lots: TlhLot[];
  loss: Fx;
  value: Fx;
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
  opts: { minLossPct: Fx; minLossUsd: Fx; windowDays: number; householdBuys: boolean },
): TlhScan {
  const today = dayNumber(asOf);
  // Cheap pre-checks on the raw strings, so most holdings never need their lots parsed.
  let candidate = false;
  const priceStr = plainStr(h.price);
  for (const l of h.rawLots) {
    if (today - dayNumber(l.openDate) <= opts.windowDays)
      return { lots: [], loss: ZERO, value: ZERO, skip: 'RECENT_LOT' };
    if (decStrGreater(l.unitCost, priceStr) !== false) candidate = true;
  }
  if (!candidate) return { lots: [], loss: ZERO, value: ZERO, skip: 'NO_LOSS_LOTS' };
  if (opts.householdBuys) return { lots: [], loss: ZERO, value: ZERO, skip: 'HOUSEHOLD_BUY' };
  // Lots qualify when price <= cost × (1 − pct), i.e. loss >= pct of cost; checked without division.
  const factor = lossFactor(opts.minLossPct);
  const lots: TlhLot[] = [];
  let loss = ZERO;
  let value = ZERO;
  let recent = false;
  const all = h.lots;
  // Every lot from the snapshot passed the window check above; only the synthetic lot (last) may not.
  const synthetic = h.unlotted ? all.length - 1 : -1;
  for (let i = 0; i < all.length; i++) {
    const l = all[i]!;
    if (i === synthetic && today - dayNumber(l.openDate) <= opts.windowDays) {
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

const plainMemo = new WeakMap<Fx, string>();

/** d.toFixed() (memoised per instance: prices are shared across accounts). */
function plainStr(d: Fx): string {
  let s = plainMemo.get(d);
  if (s === undefined) {
    s = d.toFixed();
    plainMemo.set(d, s);
  }
  return s;
}

const factorMemo = new WeakMap<Fx, Fx>();

/** 1 − minLossPct (memoised per instance: the configuration's value). */
function lossFactor(minLossPct: Fx): Fx {
  let f = factorMemo.get(minLossPct);
  if (f === undefined) {
    f = ONE.minus(minLossPct);
    factorMemo.set(minLossPct, f);
  }
  return f;
}

/** End of the integer part of a plain decimal string (/^\d+(\.\d+)?$/), or -1 when it is not plain. */
function plainIntEnd(s: string): number {
  const n = s.length;
  if (n === 0) return -1;
  let dot = -1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) continue;
    if (c === 46 && dot < 0 && i > 0 && i < n - 1) {
      dot = i;
      continue;
    }
    return -1;
  }
  return dot < 0 ? n : dot;
}

/**
 * a > b for non-negative plain decimal strings, without parsing; null when either is not plain.
 */
export function decStrGreater(a: string, b: string): boolean | null {
  const ad = plainIntEnd(a);
  if (ad < 0) return null;
  const bd = plainIntEnd(b);
  if (bd < 0) return null;
  // Integer parts without leading zeros (keeping one digit), compared by length, then digit by digit.
  let ai = 0;
  while (ai < ad - 1 && a.charCodeAt(ai) === 48) ai++;
  let bi = 0;
  while (bi < bd - 1 && b.charCodeAt(bi) === 48) bi++;
  const al = ad - ai;
  const bl = bd - bi;
  if (al !== bl) return al > bl;
  for (let k = 0; k < al; k++) {
    const x = a.charCodeAt(ai + k);
    const y = b.charCodeAt(bi + k);
    if (x !== y) return x > y;
  }
  // Fractions, the shorter padded with zeros.
  const af = ad < a.length ? ad + 1 : a.length;
  const bf = bd < b.length ? bd + 1 : b.length;
  const an = a.length - af;
  const bn = b.length - bf;
  const n = an > bn ? an : bn;
  for (let k = 0; k < n; k++) {
    const x = k < an ? a.charCodeAt(af + k) : 48;
    const y = k < bn ? b.charCodeAt(bf + k) : 48;
    if (x !== y) return x > y;
  }
  return false;
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
): FxLot[] {
  if (mode === 'OFF') return [];
  return h.lots.filter((l) => {
    // Where a loss would wash, a thin estimated gain may be a loss at the fill (members.ts isLoss).
    if (excludeLossLots && h.price.lt(l.unitCost.times(ONE_PLUS_WASH_LOSS_MARGIN))) return false;
    if (!taxable) return true;
    if (!h.price.gt(l.unitCost)) return true;
    return mode === 'NO_ST_GAIN' && holdingTerm(l.openDate, asOf) === 'LT';
  });
}
