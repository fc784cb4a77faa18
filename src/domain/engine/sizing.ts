/**
 * Sizing helpers: the pro-rata spreading used to raise or invest cash across sleeves, and
 * quantity rounding to the security's step (5 dp, or whole shares for non-fractionable securities).
 */
import Decimal from 'decimal.js';
import { type Dec, ZERO as ZERO_ } from '../money';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;

/**
 * Spreads `amount` over items in two passes: first pro rata to `room1` (each item capped at its
 * room1), then what is left pro rata to `room2`. Returns each item's share; the shares sum to
 * `amount` unless the rooms are too small (then every item gets its full rooms). Used to raise cash
 * (room1 = surplus over target, room2 = the rest of what is sellable) and to invest it (room1 =
 * shortfall to target, room2 = room up to the band's inset edge), so sleeves move towards their
 * targets in proportion to how far they are.
 */
export function spread(amount: Dec, room1: readonly Dec[], room2: readonly Dec[]): Dec[] {
  const out = room1.map(() => ZERO);
  if (amount.lte(0)) return out;
  let left = amount;
  for (const rooms of [room1, room2]) {
    let total = ZERO;
    for (const r of rooms) if (r.gt(0)) total = total.plus(r);
    if (total.lte(0)) continue;
    if (total.lte(left)) {
      rooms.forEach((r, i) => {
        if (r.gt(0)) out[i] = out[i]!.plus(r);
      });
      left = left.minus(total);
    } else {
      const f = left.div(total);
      rooms.forEach((r, i) => {
        if (r.gt(0)) out[i] = out[i]!.plus(r.times(f));
      });
      left = ZERO;
    }
    if (left.lte(0)) break;
  }
  return out;
}

/** Rounds a quantity down to the step: 5 dp, or whole shares. */
export function floorQty(q: Dec, fractionable: boolean): Dec {
  return q.toDecimalPlaces(fractionable ? 5 : 0, Decimal.ROUND_DOWN);
}

/** Rounds a quantity up to the step: 5 dp, or whole shares. */
export function ceilQty(q: Dec, fractionable: boolean): Dec {
  return q.toDecimalPlaces(fractionable ? 5 : 0, Decimal.ROUND_UP);
}

export function minDec(a: Dec, b: Dec): Dec {
  return a.lt(b) ? a : b;
}

export function maxDec(a: Dec, b: Dec): Dec {
  return a.gt(b) ? a : b;
}

export function clampDec(v: Dec, lo: Dec, hi: Dec): Dec {
  return v.lt(lo) ? lo : v.gt(hi) ? hi : v;
}
