/**
 * `Fx`: the engine's exact decimal for hot paths, a BigInt mantissa and a power-of-ten exponent
 * (value = m × 10^e). Money and quantities never pass through a JS number.
 *
 * It reproduces `Dec` (money.ts: decimal.js, precision 40, ROUND_HALF_EVEN) operation by operation:
 * plus, minus and times are exact and then rounded to 40 significant digits (half-even), exactly as
 * decimal.js does; div is correctly rounded to 40 significant digits (decimal.js's division is too);
 * comparisons, toFixed and toDecimalPlaces are exact. So swapping `Dec` for `Fx` changes no result
 * (checked against decimal.js in test/domain/engine/fx.test.ts), and is an order of magnitude faster
 * (no digit arrays, no argument copies). Values are immutable. There is no negative zero: decimal.js's
 * -0 is only visible through isNeg(), which the engine does not use (toFixed prints -0 as 0 there too).
 *
 * Only the rounding modes the engine uses are supported: ROUND_UP, ROUND_DOWN, ROUND_HALF_EVEN
 * (decimal.js's numbering, so `Dec.ROUND_*` constants can be passed).
 */
import { Dec } from '../money';

/** decimal.js rounding modes supported here (same numbers as `Dec.ROUND_UP` etc.). */
export const ROUND_UP = 0;
export const ROUND_DOWN = 1;
export const ROUND_HALF_EVEN = 6;
export type Rounding = typeof ROUND_UP | typeof ROUND_DOWN | typeof ROUND_HALF_EVEN;

/** Significant digits kept by arithmetic results (money.ts: `Dec` precision). */
export const PRECISION = 40;

const POW10: bigint[] = [1n];
for (let i = 1; i <= 128; i++) POW10.push(POW10[i - 1]! * 10n);

function pow10(n: number): bigint {
  return n < POW10.length ? POW10[n]! : 10n ** BigInt(n);
}

const LIMIT = POW10[PRECISION]!;
const NEG_LIMIT = -LIMIT;

/**
 * Number of decimal digits of |m| (m ≠ 0). From the bit length (via the hex string, which is cheap
 * to produce): 2^(b−1) <= |m| < 2^b gives at least ⌊(b−1)·log10 2⌋ + 1 digits; the exact count is then
 * found by comparison with powers of ten (at most a step or two). Integer arithmetic only.
 */
export function digitsOf(m: bigint): number {
  const a = m < 0n ? -m : m;
  const hex = a.toString(16);
  const bits = (hex.length - 1) * 4 + (32 - Math.clz32(Number.parseInt(hex[0]!, 16)));
  // 30103 / 100000 < log10(2): a lower bound on the digit count.
  let d = Math.floor(((bits - 1) * 30103) / 100000) + 1;
  while (a >= pow10(d)) d++;
  return d;
}

/** n / d rounded to an integer with `rm` (d > 0; symmetric modes, so the sign of n is kept). */
function roundDiv(n: bigint, d: bigint, rm: Rounding): bigint {
  const q = n / d;
  if (rm === ROUND_DOWN) return q;
  // n − q·d rather than n % d: a multiplication is much cheaper than a second BigInt division.
  const r = n - q * d;
  if (r === 0n) return q;
  const away = n < 0n ? q - 1n : q + 1n;
  if (rm === ROUND_UP) return away;
  if (rm !== ROUND_HALF_EVEN) throw new Error(`unsupported rounding mode ${rm}`);
  const r2 = (r < 0n ? -r : r) * 2n;
  if (r2 > d) return away;
  if (r2 < d) return q;
  return (q & 1n) === 0n ? q : away;
}

/** m × 10^e rounded (half-even) to PRECISION significant digits, like decimal.js's finalise. */
function fit(m: bigint, e: number): Fx {
  if (m < LIMIT && m > NEG_LIMIT) return new Fx(m, e);
  const drop = digitsOf(m) - PRECISION;
  return new Fx(roundDiv(m, pow10(drop), ROUND_HALF_EVEN), e + drop);
}

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;

export class Fx {
  /** value = m × 10^e. Use `fx()` or the operations; the constructor does no validation. */
  constructor(
    readonly m: bigint,
    readonly e: number,
  ) {}

  /** Parses a plain decimal string (`-?digits[.digits]`, surrounding blanks allowed); throws like `dec`. */
  static parse(value: string): Fx {
    const s = value.trim();
    if (!DECIMAL_RE.test(s)) throw new Error(`not a decimal number: ${JSON.stringify(value)}`);
    const dot = s.indexOf('.');
    if (dot < 0) return new Fx(BigInt(s), 0);
    return new Fx(BigInt(s.slice(0, dot) + s.slice(dot + 1)), dot + 1 - s.length);
  }

  /** The same value as a decimal.js `Dec` (exact). */
  static fromDec(d: Dec): Fx {
    return Fx.parse(d.toFixed());
  }

  /** The same value as a `Dec` (exact). */
  toDec(): Dec {
    return new Dec(this.toFixed());
  }

  plus(y: Fx): Fx {
    const d = this.e - y.e;
    if (d === 0) return fit(this.m + y.m, this.e);
    if (d < 0) return fit(this.m + y.m * pow10(-d), this.e);
    return fit(this.m * pow10(d) + y.m, y.e);
  }

  minus(y: Fx): Fx {
    const d = this.e - y.e;
    if (d === 0) return fit(this.m - y.m, this.e);
    if (d < 0) return fit(this.m - y.m * pow10(-d), this.e);
    return fit(this.m * pow10(d) - y.m, y.e);
  }

  times(y: Fx): Fx {
    return fit(this.m * y.m, this.e + y.e);
  }

  /** this / y, correctly rounded (half-even) to PRECISION significant digits. Throws on y = 0. */
  div(y: Fx): Fx {
    if (y.m === 0n) throw new Error('Fx: division by zero');
    if (this.m === 0n) return ZERO;
    const neg = this.m < 0n !== y.m < 0n;
    const a = this.m < 0n ? -this.m : this.m;
    const b = y.m < 0n ? -y.m : y.m;
    // Digits of the integer part of a / b: t + 1 when a >= b × 10^t (t = digits(a) − digits(b)), else t.
    const t = digitsOf(a) - digitsOf(b);
    const intDigits = (t >= 0 ? a >= b * pow10(t) : a * pow10(-t) >= b) ? t + 1 : t;
    // Scale so that the quotient has PRECISION digits before rounding.
    const s = PRECISION - intDigits;
    const q =
      s >= 0 ? roundDiv(a * pow10(s), b, ROUND_HALF_EVEN) : roundDiv(a, b * pow10(-s), ROUND_HALF_EVEN);
    return new Fx(neg ? -q : q, this.e - y.e - s);
  }

  neg(): Fx {
    return this.m === 0n ? this : new Fx(-this.m, this.e);
  }

  abs(): Fx {
    return this.m < 0n ? new Fx(-this.m, this.e) : this;
  }

  /** −1, 0 or 1 as this is below, equal to or above y. */
  cmp(y: Fx): number {
    const a = this.m;
    const b = y.m;
    // Signs first (no scaling needed).
    if (a === 0n || b === 0n || a < 0n !== b < 0n) return a < b ? -1 : a > b ? 1 : 0;
    const d = this.e - y.e;
    if (d === 0) return a < b ? -1 : a > b ? 1 : 0;
    if (d > 0) {
      const x = a * pow10(d);
      return x < b ? -1 : x > b ? 1 : 0;
    }
    const z = b * pow10(-d);
    return a < z ? -1 : a > z ? 1 : 0;
  }

  eq(y: Fx): boolean {
    return this.cmp(y) === 0;
  }

  gt(y: Fx): boolean {
    return this.cmp(y) > 0;
  }

  gte(y: Fx): boolean {
    return this.cmp(y) >= 0;
  }

  lt(y: Fx): boolean {
    return this.cmp(y) < 0;
  }

  lte(y: Fx): boolean {
    return this.cmp(y) <= 0;
  }

  isZero(): boolean {
    return this.m === 0n;
  }

  /** > 0 */
  isPos(): boolean {
    return this.m > 0n;
  }

  /** < 0 */
  isNeg(): boolean {
    return this.m < 0n;
  }

  isInteger(): boolean {
    return this.e >= 0 || this.m % pow10(-this.e) === 0n;
  }

  /** Decimal places of the value (trailing zeros do not count), like decimal.js's decimalPlaces(). */
  decimalPlaces(): number {
    if (this.e >= 0 || this.m === 0n) return 0;
    let m = this.m;
    let dp = -this.e;
    while (dp > 0 && m % 10n === 0n) {
      m /= 10n;
      dp--;
    }
    return dp;
  }

  /** Rounded to `dp` decimal places with `rm` (like decimal.js's toDecimalPlaces). */
  toDecimalPlaces(dp: number, rm: Rounding = ROUND_HALF_EVEN): Fx {
    if (this.e >= -dp) return this;
    return new Fx(roundDiv(this.m, pow10(-dp - this.e), rm), -dp);
  }

  /**
   * decimal.js's toFixed: without `dp` the exact value in plain notation (no trailing zeros); with
   * `dp` rounded with `rm` to exactly `dp` decimals. A negative value that rounds to zero keeps its
   * minus sign ('-0.00'), as in decimal.js.
   */
  toFixed(dp?: number, rm: Rounding = ROUND_HALF_EVEN): string {
    const neg = this.m < 0n;
    let mag = neg ? -this.m : this.m;
    let places: number;
    if (dp === undefined) {
      if (mag === 0n) return '0';
      places = this.e < 0 ? -this.e : 0;
      if (this.e > 0) mag *= pow10(this.e);
      while (places > 0 && mag % 10n === 0n) {
        mag /= 10n;
        places--;
      }
    } else {
      places = dp;
      if (this.e >= -dp) mag *= pow10(this.e + dp);
      else mag = roundDiv(mag, pow10(-dp - this.e), rm);
    }
    let s = mag.toString();
    if (places > 0) {
      if (s.length <= places) s = '0'.repeat(places - s.length + 1) + s;
      s = `${s.slice(0, s.length - places)}.${s.slice(s.length - places)}`;
    }
    return neg ? `-${s}` : s;
  }

  /** A canonical string of the value (plain notation); for keys and messages. */
  toString(): string {
    return this.toFixed();
  }
}

/** The shared zero. See `isSharedZero` for what its identity means to the engine. */
export const ZERO = new Fx(0n, 0);
export const ONE = new Fx(1n, 0);

/*
 * The zero identity, in one place. The engine starts its sums and its "nothing yet" amounts at the
 * shared `ZERO` object itself; `isSharedZero(x)` (x === ZERO, a pointer comparison) tells that apart
 * cheaply, and `plusUnlessZero` / `minusUnlessZero` then skip an addition whose result is known
 * (0 + y = y, x − 0 = x), saving a BigInt operation and an allocation on the hot path.
 *
 * Skipping is exact, not an approximation: at every call site the operand returned unchanged is an
 * arithmetic result (a holding's value, a sum, a product), already rounded to PRECISION significant
 * digits, so the skipped operation would have returned the same value. (Only a raw value of more than
 * PRECISION digits would be rounded by `plus`, as decimal.js would: do not pass one.) A zero that is
 * not the shared object (e.g. the result of x − x) is simply added the ordinary way.
 */

/** True when `x` is the shared `ZERO` object (an amount nothing was added to yet), not merely zero. */
export function isSharedZero(x: Fx): boolean {
  return x === ZERO;
}

/** a + b, without the operation when either is the shared `ZERO` (see the zero identity above). */
export function plusUnlessZero(a: Fx, b: Fx): Fx {
  return a === ZERO ? b : b === ZERO ? a : a.plus(b);
}

/** a − b, without the operation when b is the shared `ZERO` (see the zero identity above). */
export function minusUnlessZero(a: Fx, b: Fx): Fx {
  return b === ZERO ? a : a.minus(b);
}

/** Parses a decimal string into an `Fx` (throws on anything else, like money.ts `dec`). */
export function fx(value: string): Fx {
  return Fx.parse(value);
}

/** A small whole number as an `Fx` (constants in code, never data). */
export function fxInt(n: number): Fx {
  if (!Number.isSafeInteger(n)) throw new Error(`fxInt takes a safe integer, got ${n}`);
  return new Fx(BigInt(n), 0);
}

export function minFx(a: Fx, b: Fx): Fx {
  return a.lt(b) ? a : b;
}

export function maxFx(a: Fx, b: Fx): Fx {
  return a.gt(b) ? a : b;
}
