/**
 * What a mandatory corporate action does to an account's tax lots (docs/domain.md §5.6).
 * Pure and exact; the book (src/activities/sync/) and the simulated custodian both apply
 * these rules, so a custodian that rounds another way shows up as a reconciliation break, not as a
 * difference nobody can explain.
 *
 * Splits and reverse splits (and the share side of a stock merger) multiply each lot's quantity by
 * the stock factor (new shares per old share), rounded down to 5 dp, and divide its unit cost by it
 * (6 dp, half-even): the lot keeps its id, open date and holding period. For a security traded in
 * whole shares only, the position is floored to a whole number of shares and the fraction is taken
 * from the newest lots first; the custodian pays it as cash in lieu. A cash merger closes every lot
 * at the cash factor per share.
 */
import Decimal from 'decimal.js';
import { type Dec, ZERO, cashStr, dec, qtyStr, sum } from './money';

export interface HeldLot {
  lotId: string;
  openDate: string;
  qty: string;
  unitCost: string;
}

export interface StockFactorResult {
  /** The lots after the action, in the order given (a lot can end at zero). */
  lots: HeldLot[];
  /** Σ of the new lots' quantities (5 dp). */
  qty: string;
  /** Shares (new) taken off as a fraction, paid as cash in lieu ('0.00000' when fractionable). */
  fraction: string;
  /** The cost basis of that fraction (its share of the lots' cost), to the cent. */
  fractionCost: string;
}

/** Unit cost precision of a lot (NUMERIC(18,6)). */
const UNIT_COST_DP = 6;

function floor5(d: Dec): Dec {
  return d.toDecimalPlaces(5, Decimal.ROUND_DOWN) as Dec;
}

/**
 * Applies a stock factor (2 for a 2-for-1 split, 0.1 for a 1-for-10 reverse split, a merger's share
 * ratio) to an account's lots of one security. `wholeShares`: the security trades in whole shares
 * only, so the position is floored and the fraction (from the newest lots) becomes cash in lieu.
 */
export function applyStockFactor(
  lots: readonly HeldLot[],
  factor: string,
  wholeShares: boolean,
): StockFactorResult {
  const f = dec(factor);
  if (!f.gt(0)) throw new Error(`stock factor must be positive, got ${factor}`);
  const next = lots.map((l) => ({
    lotId: l.lotId,
    openDate: l.openDate,
    qty: floor5(dec(l.qty).times(f)),
    unitCost: dec(l.unitCost).div(f).toDecimalPlaces(UNIT_COST_DP, Decimal.ROUND_HALF_EVEN) as Dec,
  }));
  let fraction = ZERO;
  let fractionCost = ZERO;
  if (wholeShares) {
    const total = sum(next.map((l) => l.qty));
    let excess = total.minus(total.floor());
    fraction = excess;
    // The newest lots give up the fraction first (latest open date, then the larger lot id).
    const newestFirst = [...next].sort((a, b) =>
      a.openDate === b.openDate ? (a.lotId < b.lotId ? 1 : -1) : a.openDate < b.openDate ? 1 : -1,
    );
    for (const l of newestFirst) {
      if (!excess.gt(0)) break;
      const take = Decimal.min(excess, l.qty) as Dec;
      l.qty = l.qty.minus(take) as Dec;
      fractionCost = fractionCost.plus(take.times(l.unitCost));
      excess = excess.minus(take) as Dec;
    }
  }
  return {
    lots: next.map((l) => ({
      lotId: l.lotId,
      openDate: l.openDate,
      qty: qtyStr(l.qty),
      unitCost: l.unitCost.toFixed(UNIT_COST_DP),
    })),
    qty: qtyStr(sum(next.map((l) => l.qty))),
    fraction: qtyStr(fraction),
    fractionCost: cashStr(fractionCost),
  };
}

/**
 * A position that differs from its lots (shares the book or the custodian holds outside any lot):
 * the difference gets the factor too, rounded down to 5 dp.
 */
export function unlottedAfterFactor(positionQty: string, lotsQty: string, factor: string): string {
  return qtyStr(floor5(dec(positionQty).minus(dec(lotsQty)).times(dec(factor))));
}

export interface ClosedLot {
  lotId: string;
  openDate: string;
  qty: string;
  /** Cost basis of the closed quantity, to the cent. */
  cost: string;
  /** What it was closed for, to the cent. */
  proceeds: string;
  /** proceeds − cost. */
  gain: string;
}

/** A cash merger: every lot closed at `cashPerShare`. */
export function closeLotsForCash(lots: readonly HeldLot[], cashPerShare: string): ClosedLot[] {
  const px = dec(cashPerShare);
  return lots
    .filter((l) => dec(l.qty).gt(0))
    .map((l) => {
      const q = dec(l.qty);
      const cost = dec(cashStr(q.times(dec(l.unitCost))));
      const proceeds = dec(cashStr(q.times(px)));
      return {
        lotId: l.lotId,
        openDate: l.openDate,
        qty: qtyStr(q),
        cost: cashStr(cost),
        proceeds: cashStr(proceeds),
        gain: cashStr(proceeds.minus(cost)),
      };
    });
}

/** Cash in lieu of a fraction of a share: the fraction at the post-action price, to the cent. */
export function cashInLieu(fraction: string, postActionPrice: string): string {
  return cashStr(dec(fraction).times(dec(postActionPrice)));
}
