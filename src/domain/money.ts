/**
 * Exact decimal arithmetic for money, prices and quantities.
 *
 * Rule of the house: a price, a quantity or a cash amount never passes through a JS number.
 * In the domain they are `Dec` (decimal.js); on the wire, in JSON payloads, in workflow
 * arguments and in the database they are strings.
 */
import Decimal from 'decimal.js';
import { z } from 'zod';

/** A private Decimal constructor so nobody else's global configuration can change ours. */
export const Dec = Decimal.clone({
  precision: 40,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -30,
  toExpPos: 30,
});
export type Dec = InstanceType<typeof Dec>;

/** Quantity precision at the custodian (Apex): 5 decimal places. */
export const QTY_DP = 5;
/** Cash precision: cents. */
export const CASH_DP = 2;

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;

/** Parses a decimal string; throws on anything else (numbers are refused on purpose). */
export function dec(value: string | Dec): Dec {
  if (typeof value !== 'string') return value;
  const s = value.trim();
  if (!DECIMAL_RE.test(s)) throw new Error(`not a decimal number: ${JSON.stringify(value)}`);
  return new Dec(s);
}

export const ZERO = new Dec(0);
export const ONE = new Dec(1);

/** Integer literal helper for constants in code (never for data). */
export function decInt(n: number): Dec {
  if (!Number.isSafeInteger(n)) throw new Error(`decInt takes a safe integer, got ${n}`);
  return new Dec(n);
}

export function sum(values: readonly Dec[]): Dec {
  return values.reduce<Dec>((acc, v) => acc.plus(v), ZERO);
}

/** Quantity string with exactly 5 decimal places (rounded toward zero, never up). */
export function qtyStr(d: Dec): string {
  return d.toDecimalPlaces(QTY_DP, Decimal.ROUND_DOWN).toFixed(QTY_DP);
}

/** Cash string with exactly 2 decimal places (banker's rounding). */
export function cashStr(d: Dec): string {
  return d.toDecimalPlaces(CASH_DP, Decimal.ROUND_HALF_EVEN).toFixed(CASH_DP);
}

/** Price string: Apex rounds average prices to 4 dp below $1 and to 2 dp otherwise. */
export function apexAvgPriceStr(d: Dec): string {
  const dp = d.abs().lt(1) ? 4 : 2;
  return d.toDecimalPlaces(dp, Decimal.ROUND_HALF_EVEN).toFixed(dp);
}

/** Price string at 4 dp for internal use (estimates, closes). */
export function priceStr(d: Dec): string {
  return d.toDecimalPlaces(4, Decimal.ROUND_HALF_EVEN).toFixed(4);
}

/** zod: a decimal string such as "123.45" or "-0.00001". */
export const zDecimal = z
  .string()
  .regex(DECIMAL_RE, 'must be a decimal number written as a string, e.g. "12.50"');
/** zod: a non-negative decimal string. */
export const zNonNegDecimal = zDecimal.refine((s) => !s.startsWith('-'), 'must not be negative');
/** zod: a strictly positive decimal string. */
export const zPositiveDecimal = zDecimal.refine((s) => new Dec(s).gt(0), 'must be greater than zero');
