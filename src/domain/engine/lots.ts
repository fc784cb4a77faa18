/**
 * Tax lots: lot relief order per method, lot selection for a sell, realized gains and the tax estimate.
 */
import { type Dec, ZERO as ZERO_, dec } from '../money';
import { holdingTerm } from './dates';
import type { HoldingTerm, LotMethod } from './types';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;

export interface Lot {
  lotId: string;
  openDate: string;
  qty: Dec;
  unitCost: Dec;
}

export interface SelectedLot {
  lot: Lot;
  qty: Dec;
  term: HoldingTerm;
  /** (price − unitCost) × qty, exact. */
  gain: Dec;
}

/** Short words for explanations of why the lots were taken in this order. */
export const LOT_METHOD_WHY: Record<LotMethod, string> = {
  FIFO: 'first in, first out (oldest lots first)',
  LIFO: 'last in, first out (newest lots first)',
  HIFO: 'highest cost first',
  MIN_TAX:
    'tax-aware: losses first (short-term, then long-term), then long-term gains, then short-term gains',
  SPEC_ID: 'specific lots chosen tax-aware: losses first, then long-term gains, then short-term gains',
};

function byOpenThenId(a: Lot, b: Lot): number {
  if (a.openDate !== b.openDate) return a.openDate < b.openDate ? -1 : 1;
  return a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0;
}

/**
 * MIN_TAX bucket of a lot sold at `price` on `saleDate`: 0 short-term loss, 1 long-term loss,
 * 2 no gain or long-term gain, 3 short-term gain.
 */
export function minTaxBucket(lot: Lot, price: Dec, saleDate: string): number {
  const c = lot.unitCost.cmp(price);
  if (c === 0) return 2;
  const lt = holdingTerm(lot.openDate, saleDate) === 'LT';
  if (c > 0) return lt ? 1 : 0;
  return lt ? 2 : 3;
}

/** Lots in relief order for `method` (a new array; the input is not changed). Deterministic. */
export function orderLots(lots: readonly Lot[], method: LotMethod, price: Dec, saleDate: string): Lot[] {
  const out = [...lots];
  switch (method) {
    case 'FIFO':
      return out.sort(byOpenThenId);
    case 'LIFO':
      return out.sort((a, b) =>
        a.openDate !== b.openDate ? (a.openDate < b.openDate ? 1 : -1) : byOpenThenId(a, b),
      );
    case 'HIFO':
      return out.sort((a, b) => b.unitCost.cmp(a.unitCost) || byOpenThenId(a, b));
    case 'MIN_TAX':
    case 'SPEC_ID': {
      const bucket = new Map<Lot, number>();
      for (const l of out) bucket.set(l, minTaxBucket(l, price, saleDate));
      // Within every bucket the highest cost comes first: largest loss, or smallest gain, per share.
      return out.sort(
        (a, b) => bucket.get(a)! - bucket.get(b)! || b.unitCost.cmp(a.unitCost) || byOpenThenId(a, b),
      );
    }
  }
}

export interface SelectLotsOptions {
  /** Lots that must not be used (e.g. loss lots when a sale at a loss would be a wash sale). */
  exclude?: (lot: Lot) => boolean;
}

/**
 * Relieves `qty` shares from `lots` in the order of `method`, the last lot partially.
 * Returns the chosen lots and the quantity actually covered (less than `qty` when the lots run out).
 */
export function selectLots(
  lots: readonly Lot[],
  qty: Dec | string,
  method: LotMethod,
  price: Dec | string,
  saleDate: string,
  options: SelectLotsOptions = {},
): { lots: SelectedLot[]; filled: Dec } {
  const want = dec(qty);
  const px = dec(price);
  const chosen: SelectedLot[] = [];
  let left = want;
  for (const lot of orderLots(lots, method, px, saleDate)) {
    if (left.lte(0)) break;
    if (lot.qty.lte(0) || options.exclude?.(lot)) continue;
    const take = lot.qty.lt(left) ? lot.qty : left;
    chosen.push({
      lot,
      qty: take,
      term: holdingTerm(lot.openDate, saleDate),
      gain: px.minus(lot.unitCost).times(take),
    });
    left = left.minus(take);
  }
  return { lots: chosen, filled: want.minus(left) };
}

/** Realized gains of selected lots, split short/long term. */
export function realizedGains(lots: readonly SelectedLot[]): { st: Dec; lt: Dec } {
  let st = ZERO;
  let lt = ZERO;
  for (const l of lots) {
    if (l.term === 'ST') st = st.plus(l.gain);
    else lt = lt.plus(l.gain);
  }
  return { st, lt };
}

/**
 * Estimated tax of realized gains: short- and long-term are netted within each term, a net loss in
 * one term offsets a net gain in the other, and the rest is taxed at the term's rate. A negative
 * result is an estimated saving (the $3,000/yr ordinary-income limit and carry-forwards are ignored).
 */
export function estimateTax(st: Dec, lt: Dec, stRate: Dec, ltRate: Dec): Dec {
  let s = st;
  let l = lt;
  if (s.lt(0) && l.gt(0)) {
    const off = s.neg().lt(l) ? s.neg() : l;
    s = s.plus(off);
    l = l.minus(off);
  } else if (l.lt(0) && s.gt(0)) {
    const off = l.neg().lt(s) ? l.neg() : s;
    l = l.plus(off);
    s = s.minus(off);
  }
  return s.times(stRate).plus(l.times(ltRate));
}
