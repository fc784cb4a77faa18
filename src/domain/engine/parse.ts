/**
 * Shared parsing of decimal strings that repeat across accounts (prices, model weights): one `Fx`
 * per distinct string. Safe because `Fx` values are immutable, and parsing is a pure function of the
 * string. Bounded: cleared when it grows large. Also the engine's money/quantity/price/weight formatting.
 */
import { type Fx, ROUND_DOWN as ROUND_DOWN_, ROUND_HALF_EVEN as ROUND_HALF_EVEN_, fx } from './fx';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ROUND_DOWN = ROUND_DOWN_;
const ROUND_HALF_EVEN = ROUND_HALF_EVEN_;

const shared = new Map<string, Fx>();
const MAX = 50_000;

/** `fx(s)`, memoised by the string (the same instance for the same string). Throws like `dec`. */
export function fxShared(s: string): Fx {
  let d = shared.get(s);
  if (d === undefined) {
    d = fx(s);
    if (shared.size >= MAX) shared.clear();
    shared.set(s, d);
  }
  return d;
}

/*
 * One-rounding equivalents of money.ts's cashStr / qtyStr / priceStr (those round with
 * toDecimalPlaces and then print with toFixed, two passes). toFixed(dp, rm) rounds the same way, but
 * prints a minus sign when a negative value rounds to zero ('-0.00'), where the two-pass form prints
 * '0.00'; the fix-up below restores that, so the strings are identical.
 */

/** Same string as money.ts cashStr (2 dp, banker's rounding). */
export function cashStrFast(d: Fx): string {
  const s = d.toFixed(2, ROUND_HALF_EVEN);
  return s === '-0.00' ? '0.00' : s;
}

/** Same string as money.ts qtyStr (5 dp, rounded toward zero). */
export function qtyStrFast(d: Fx): string {
  const s = d.toFixed(5, ROUND_DOWN);
  return s === '-0.00000' ? '0.00000' : s;
}

/** Same string as money.ts priceStr (4 dp, banker's rounding). */
export function priceStrFast(d: Fx): string {
  const s = d.toFixed(4, ROUND_HALF_EVEN);
  return s === '-0.0000' ? '0.0000' : s;
}

/** Decimal places of weights (fractions of value) in plans. */
export const WEIGHT_DP = 6;

/** A weight as printed in plans (6 dp, banker's rounding). */
export function weightStr(d: Fx): string {
  return d.toFixed(WEIGHT_DP, ROUND_HALF_EVEN);
}
