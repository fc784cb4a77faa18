/**
 * Sizing helpers: the pro-rata spreading used to raise or invest cash across sleeves, and
 * quantity rounding to the security's step (5 dp, or whole shares for non-fractionable securities).
 * The engine works on `Fx` (fx.ts); `spread`, `floorQty` and `ceilQty` are the same on `Dec`.
 */
import type { Dec } from '../money';
import { Fx, ROUND_DOWN as ROUND_DOWN_, ROUND_UP as ROUND_UP_, ZERO as ZERO_ } from './fx';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ROUND_DOWN = ROUND_DOWN_;
const ROUND_UP = ROUND_UP_;
const ZERO = ZERO_;

/**
 * Spreads `amount` over items in two passes: first pro rata to `room1` (each item capped at its
 * room1), then what is left pro rata to `room2`. Returns each item's share; the shares sum to
 * `amount` unless the rooms are too small (then every item gets its full rooms). Used to raise cash
 * (room1 = surplus over target, room2 = the rest of what is sellable) and to invest it (room1 =
 * shortfall to target, room2 = room up to the band's inset edge), so sleeves move towards their
 * targets in proportion to how far they are.
 */
export function spreadFx(amount: Fx, room1: readonly Fx[], room2: readonly Fx[]): Fx[] {
  const out = room1.map(() => ZERO);
  if (!amount.isPos()) return out;
  let left = amount;
  for (const rooms of [room1, room2]) {
    let total = ZERO;
    for (const r of rooms) if (r.isPos()) total = total.plus(r);
    if (!total.isPos()) continue;
    if (total.lte(left)) {
      rooms.forEach((r, i) => {
        if (r.isPos()) out[i] = out[i]!.plus(r);
      });
      left = left.minus(total);
    } else {
      const f = left.div(total);
      rooms.forEach((r, i) => {
        if (r.isPos()) out[i] = out[i]!.plus(r.times(f));
      });
      left = ZERO;
    }
    if (!left.isPos()) break;
  }
  return out;
}

/** `spreadFx` on `Dec`. */
export function spread(amount: Dec, room1: readonly Dec[], room2: readonly Dec[]): Dec[] {
  return spreadFx(Fx.fromDec(amount), room1.map(Fx.fromDec), room2.map(Fx.fromDec)).map((x) => x.toDec());
}

/** Rounds a quantity down to the step: 5 dp, or whole shares. */
export function floorQtyFx(q: Fx, fractionable: boolean): Fx {
  return q.toDecimalPlaces(fractionable ? 5 : 0, ROUND_DOWN);
}

/** Rounds a quantity up to the step: 5 dp, or whole shares. */
export function ceilQtyFx(q: Fx, fractionable: boolean): Fx {
  return q.toDecimalPlaces(fractionable ? 5 : 0, ROUND_UP);
}

/** `floorQtyFx` on `Dec`. */
export function floorQty(q: Dec, fractionable: boolean): Dec {
  return floorQtyFx(Fx.fromDec(q), fractionable).toDec();
}

/** `ceilQtyFx` on `Dec`. */
export function ceilQty(q: Dec, fractionable: boolean): Dec {
  return ceilQtyFx(Fx.fromDec(q), fractionable).toDec();
}
