/**
 * Shared parsing of decimal strings that repeat across accounts (prices, model weights): one `Dec`
 * per distinct string. Safe because decimal.js values are never mutated (every operation returns a
 * new instance), and `dec` is a pure function of the string. Bounded: cleared when it grows large.
 */
import { Dec, dec } from '../money';

const ROUND_HALF_EVEN = Dec.ROUND_HALF_EVEN;
const ROUND_DOWN = Dec.ROUND_DOWN;

const shared = new Map<string, Dec>();
const MAX = 50_000;

/** `dec(s)`, memoised by the string (the same instance for the same string). Throws like `dec`. */
export function decShared(s: string): Dec {
  let d = shared.get(s);
  if (d === undefined) {
    d = dec(s);
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
export function cashStrFast(d: Dec): string {
  const s = d.toFixed(2, ROUND_HALF_EVEN);
  return s === '-0.00' ? '0.00' : s;
}

/** Same string as money.ts qtyStr (5 dp, rounded toward zero). */
export function qtyStrFast(d: Dec): string {
  const s = d.toFixed(5, ROUND_DOWN);
  return s === '-0.00000' ? '0.00000' : s;
}

/** Same string as money.ts priceStr (4 dp, banker's rounding). */
export function priceStrFast(d: Dec): string {
  const s = d.toFixed(4, ROUND_HALF_EVEN);
  return s === '-0.0000' ? '0.0000' : s;
}
