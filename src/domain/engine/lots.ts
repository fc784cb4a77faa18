/**
 * Tax lots: lot relief order per method, lot selection for a sell, realized gains and the tax estimate.
 * The engine works on `Fx` (fx.ts); the exported `Dec` functions are the same computations on `Dec`.
 */
import { type Dec, dec } from '../money';
import { holdingTerm } from './dates';
import { Fx, ZERO as ZERO_ } from './fx';
import type { HoldingTerm, LotMethod } from './types';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;

export interface LotOf<N> {
  lotId: string;
  openDate: string;
  qty: N;
  unitCost: N;
}

export type Lot = LotOf<Dec>;
/** A lot with `Fx` quantities (the engine's). */
export type FxLot = LotOf<Fx>;

export interface SelectedLotOf<N, L extends LotOf<N> = LotOf<N>> {
  lot: L;
  qty: N;
  term: HoldingTerm;
  /** (price − unitCost) × qty, exact. */
  gain: N;
}

export type SelectedLot = SelectedLotOf<Dec, Lot>;
export type FxSelectedLot = SelectedLotOf<Fx, FxLot>;

/** Short words for explanations of why the lots were taken in this order. */
export const LOT_METHOD_WHY: Record<LotMethod, string> = {
  FIFO: 'first in, first out (oldest lots first)',
  LIFO: 'last in, first out (newest lots first)',
  HIFO: 'highest cost first',
  MIN_TAX:
    'tax-aware: losses first (short-term, then long-term), then long-term gains, then short-term gains',
  SPEC_ID: 'specific lots chosen tax-aware: losses first, then long-term gains, then short-term gains',
};

function byOpenThenId(a: FxLot, b: FxLot): number {
  if (a.openDate !== b.openDate) return a.openDate < b.openDate ? -1 : 1;
  return a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0;
}

/**
 * MIN_TAX bucket of a lot sold at `price` on `saleDate`: 0 short-term loss, 1 long-term loss,
 * 2 no gain or long-term gain, 3 short-term gain.
 */
export function minTaxBucketFx(lot: FxLot, price: Fx, saleDate: string): number {
  const c = lot.unitCost.cmp(price);
  if (c === 0) return 2;
  const lt = holdingTerm(lot.openDate, saleDate) === 'LT';
  if (c > 0) return lt ? 1 : 0;
  return lt ? 2 : 3;
}

/** Lots in relief order for `method` (a new array; the input is not changed). Deterministic. */
export function orderLotsFx(lots: readonly FxLot[], method: LotMethod, price: Fx, saleDate: string): FxLot[] {
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
      const bucket = new Map<FxLot, number>();
      for (const l of out) bucket.set(l, minTaxBucketFx(l, price, saleDate));
      // Within every bucket the highest cost comes first: largest loss, or smallest gain, per share.
      return out.sort(
        (a, b) => bucket.get(a)! - bucket.get(b)! || b.unitCost.cmp(a.unitCost) || byOpenThenId(a, b),
      );
    }
  }
}

export interface SelectLotsOptions<L = Lot> {
  /** Lots that must not be used (e.g. loss lots when a sale at a loss would be a wash sale). */
  exclude?: (lot: L) => boolean;
}

/**
 * Relieves `qty` shares from `lots` in the order of `method`, the last lot partially.
 * Returns the chosen lots and the quantity actually covered (less than `qty` when the lots run out).
 */
export function selectLotsFx(
  lots: readonly FxLot[],
  want: Fx,
  method: LotMethod,
  px: Fx,
  saleDate: string,
  options: SelectLotsOptions<FxLot> = {},
): { lots: FxSelectedLot[]; filled: Fx } {
  const chosen: FxSelectedLot[] = [];
  let left = want;
  for (const lot of orderLotsFx(lots, method, px, saleDate)) {
    if (!left.isPos()) break;
    if (!lot.qty.isPos() || options.exclude?.(lot)) continue;
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
export function realizedGainsFx(lots: readonly FxSelectedLot[]): { st: Fx; lt: Fx } {
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
export function estimateTaxFx(st: Fx, lt: Fx, stRate: Fx, ltRate: Fx): Fx {
  let s = st;
  let l = lt;
  if (s.isNeg() && l.isPos()) {
    const off = s.neg().lt(l) ? s.neg() : l;
    s = s.plus(off);
    l = l.minus(off);
  } else if (l.isNeg() && s.isPos()) {
    const off = l.neg().lt(s) ? l.neg() : s;
    l = l.plus(off);
    s = s.minus(off);
  }
  return s.times(stRate).plus(l.times(ltRate));
}

// The same functions on `Dec` (exact conversions both ways, so the results are those of the Fx versions).

function toFxLots(lots: readonly Lot[]): { fxLots: FxLot[]; back: Map<FxLot, Lot> } {
  const back = new Map<FxLot, Lot>();
  const fxLots = lots.map((l) => {
    const f: FxLot = {
      lotId: l.lotId,
      openDate: l.openDate,
      qty: Fx.fromDec(l.qty),
      unitCost: Fx.fromDec(l.unitCost),
    };
    back.set(f, l);
    return f;
  });
  return { fxLots, back };
}

function toDecSelected(l: FxSelectedLot, back: Map<FxLot, Lot>): SelectedLot {
  return { lot: back.get(l.lot)!, qty: l.qty.toDec(), term: l.term, gain: l.gain.toDec() };
}

/**
 * MIN_TAX bucket of a lot sold at `price` on `saleDate`: 0 short-term loss, 1 long-term loss,
 * 2 no gain or long-term gain, 3 short-term gain.
 */
export function minTaxBucket(lot: Lot, price: Dec, saleDate: string): number {
  return minTaxBucketFx(toFxLots([lot]).fxLots[0]!, Fx.fromDec(price), saleDate);
}

/** Lots in relief order for `method` (a new array; the input is not changed). Deterministic. */
export function orderLots(lots: readonly Lot[], method: LotMethod, price: Dec, saleDate: string): Lot[] {
  const { fxLots, back } = toFxLots(lots);
  return orderLotsFx(fxLots, method, Fx.fromDec(price), saleDate).map((l) => back.get(l)!);
}

/** `selectLotsFx` on `Dec` lots (quantity and price as `Dec` or decimal strings). */
export function selectLots(
  lots: readonly Lot[],
  qty: Dec | string,
  method: LotMethod,
  price: Dec | string,
  saleDate: string,
  options: SelectLotsOptions = {},
): { lots: SelectedLot[]; filled: Dec } {
  const { fxLots, back } = toFxLots(lots);
  const exclude = options.exclude;
  const r = selectLotsFx(
    fxLots,
    Fx.fromDec(dec(qty)),
    method,
    Fx.fromDec(dec(price)),
    saleDate,
    exclude ? { exclude: (l) => exclude(back.get(l)!) } : {},
  );
  return { lots: r.lots.map((l) => toDecSelected(l, back)), filled: r.filled.toDec() };
}

/** `realizedGainsFx` on `Dec`. */
export function realizedGains(lots: readonly SelectedLot[]): { st: Dec; lt: Dec } {
  const { fxLots } = toFxLots(lots.map((l) => l.lot));
  const r = realizedGainsFx(
    lots.map((l, i) => ({ lot: fxLots[i]!, qty: Fx.fromDec(l.qty), term: l.term, gain: Fx.fromDec(l.gain) })),
  );
  return { st: r.st.toDec(), lt: r.lt.toDec() };
}

/** `estimateTaxFx` on `Dec`. */
export function estimateTax(st: Dec, lt: Dec, stRate: Dec, ltRate: Dec): Dec {
  return estimateTaxFx(Fx.fromDec(st), Fx.fromDec(lt), Fx.fromDec(stRate), Fx.fromDec(ltRate)).toDec();
}
