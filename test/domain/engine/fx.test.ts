/**
 * `Fx` (src/domain/engine/fx.ts) must give exactly the results of `Dec` (decimal.js, precision 40,
 * half-even) for every operation the engine uses: differential tests on random decimals of many
 * sizes, including 40-digit quotients whose products and sums need rounding.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Fx,
  ROUND_DOWN,
  ROUND_HALF_EVEN,
  ROUND_UP,
  ZERO,
  digitsOf,
  fx,
  isSharedZero,
  minusUnlessZero,
  plusUnlessZero,
} from '../../../src/domain/engine/fx';
import { Dec } from '../../../src/domain/money';

/** mulberry32 (deterministic). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random decimal strings: zero, small money-like values, and long ones (up to ~55 digits). */
function decimals(seed: number): () => string {
  const r = prng(seed);
  const digits = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += String(Math.floor(r() * 10));
    return s;
  };
  return () => {
    const kind = r();
    if (kind < 0.05) return '0';
    const sign = r() < 0.3 ? '-' : '';
    const int = digits(1 + Math.floor(r() * (kind < 0.5 ? 8 : 25)));
    const frac = r() < 0.2 ? '' : `.${digits(1 + Math.floor(r() * (kind < 0.7 ? 8 : 30)))}`;
    return sign + int + frac;
  };
}

const MODES = [ROUND_DOWN, ROUND_UP, ROUND_HALF_EVEN] as const;

describe('Fx matches decimal.js (Dec)', () => {
  test('arithmetic, comparisons, rounding and printing on 20,000 random pairs', () => {
    const next = decimals(20260316);
    const r = prng(7);
    for (let i = 0; i < 20_000; i++) {
      const as = next();
      const bs = next();
      let a = new Dec(as);
      const b = new Dec(bs);
      let x = fx(as);
      const y = fx(bs);
      // Often start from a 40-digit quotient, so that later results need rounding to precision.
      if (r() < 0.3 && !b.isZero()) {
        a = a.div(b);
        x = x.div(y);
      }
      const ctx = `${a.toFixed()} ${bs}`;
      assert.equal(x.toFixed(), a.toFixed(), `value ${ctx}`);
      assert.equal(x.plus(y).toFixed(), a.plus(b).toFixed(), `plus ${ctx}`);
      assert.equal(x.minus(y).toFixed(), a.minus(b).toFixed(), `minus ${ctx}`);
      assert.equal(x.times(y).toFixed(), a.times(b).toFixed(), `times ${ctx}`);
      if (!b.isZero()) assert.equal(x.div(y).toFixed(), a.div(b).toFixed(), `div ${ctx}`);
      assert.equal(x.cmp(y), a.cmp(b), `cmp ${ctx}`);
      assert.equal(x.eq(y), a.eq(b));
      assert.equal(x.isPos(), a.gt(0));
      assert.equal(x.isNeg(), a.lt(0));
      assert.equal(x.isZero(), a.isZero());
      assert.equal(x.isInteger(), a.isInteger(), `isInteger ${ctx}`);
      assert.equal(x.decimalPlaces(), a.decimalPlaces(), `decimalPlaces ${ctx}`);
      assert.equal(x.abs().toFixed(), a.abs().toFixed());
      assert.equal(x.neg().toFixed(), a.neg().toFixed());
      assert.equal(x.toFixed(2), a.toFixed(2), `toFixed(2) ${ctx}`);
      for (const dp of [0, 2, 4, 5, 6])
        for (const rm of MODES) {
          assert.equal(x.toFixed(dp, rm), a.toFixed(dp, rm), `toFixed(${dp}, ${rm}) ${ctx}`);
          assert.equal(
            x.toDecimalPlaces(dp, rm).toFixed(),
            a.toDecimalPlaces(dp, rm).toFixed(),
            `toDecimalPlaces(${dp}, ${rm}) ${ctx}`,
          );
        }
      assert.equal(Fx.fromDec(a).toFixed(), a.toFixed());
      assert.ok(x.toDec().eq(a));
    }
  });

  test('half-even ties, signs of zero and carries', () => {
    const cases: [string, string][] = [
      ['1', '3'],
      ['2', '3'],
      ['-2', '3'],
      ['1', '7'],
      ['5', '2'],
      ['123456789', '0.0001234'],
      ['9999999999999999999999999999999999999999', '0.1'],
    ];
    for (const [p, q] of cases) {
      assert.equal(fx(p).div(fx(q)).toFixed(), new Dec(p).div(q).toFixed(), `${p}/${q}`);
    }
    assert.equal(fx('-0.001').toFixed(2), new Dec('-0.001').toFixed(2)); // '-0.00'
    assert.equal(fx('0.125').toFixed(2), '0.12');
    assert.equal(fx('0.135').toFixed(2), '0.14');
    assert.equal(fx('-0.125').toFixed(2, ROUND_HALF_EVEN), '-0.12');
    assert.equal(fx('1.000001').toFixed(0, ROUND_UP), '2');
    assert.equal(fx('-1.9').toFixed(0, ROUND_DOWN), '-1');
    assert.equal(fx('1.50').toFixed(), '1.5');
    assert.equal(fx('100').toFixed(), '100');
    assert.equal(fx(' 12.5 ').toFixed(), '12.5');
    // 40 nines plus one rounds (half-even) to 10^40 exactly.
    const big = `${'9'.repeat(40)}`;
    assert.equal(fx(big).plus(fx('0.5')).toFixed(), new Dec(big).plus('0.5').toFixed());
  });

  test('parsing refuses what dec refuses', () => {
    for (const bad of ['', '1e5', '1.', '.5', '+1', '1,5', 'NaN', '0x10']) {
      assert.throws(() => fx(bad), /not a decimal number/);
    }
    assert.throws(() => fx('1').div(fx('0')), /division by zero/);
  });

  test('digitsOf at powers of ten and of two', () => {
    for (let k = 1; k <= 150; k++) {
      const p10 = 10n ** BigInt(k);
      const p2 = 2n ** BigInt(k);
      for (const v of [p10 / 10n, p10 - 1n, p10, p10 + 1n, p2 - 1n, p2, p2 + 1n]) {
        if (v === 0n) continue;
        assert.equal(digitsOf(v), v.toString().length, `digits of ${v}`);
        assert.equal(digitsOf(-v), v.toString().length, `digits of -${v}`);
      }
    }
  });

  test('zero identity: only the shared ZERO is skipped, and skipping gives the value the operation gives', () => {
    const zeroAgain = fx('0');
    const diff = fx('1.25').minus(fx('1.25'));
    assert.equal(isSharedZero(ZERO), true);
    assert.equal(isSharedZero(zeroAgain), false);
    assert.equal(isSharedZero(diff), false);
    const r = decimals(7);
    for (let i = 0; i < 2000; i++) {
      // Arithmetic results (rounded to 40 digits), as at the engine's call sites.
      const x = fx(r()).times(fx(r()));
      const y = fx(r()).plus(fx(r()));
      // The shared zero on either side returns the other operand itself (no operation).
      assert.equal(plusUnlessZero(ZERO, x), x);
      assert.equal(plusUnlessZero(x, ZERO), x);
      assert.equal(minusUnlessZero(x, ZERO), x);
      // ... which has the value the skipped operation would have given.
      assert.equal(ZERO.plus(x).toFixed(), x.toFixed());
      assert.equal(x.minus(ZERO).toFixed(), x.toFixed());
      // Any other operand, zero-valued or not, is added or taken off as usual.
      assert.equal(plusUnlessZero(x, y).toFixed(), x.plus(y).toFixed());
      assert.equal(minusUnlessZero(x, y).toFixed(), x.minus(y).toFixed());
      assert.notEqual(plusUnlessZero(x, zeroAgain), x);
      assert.notEqual(minusUnlessZero(x, diff), x);
      assert.equal(minusUnlessZero(x, diff).toFixed(), x.toFixed());
    }
    // minus is not symmetric: 0 − x is computed.
    const x = fx('3.5');
    assert.equal(minusUnlessZero(ZERO, x).toFixed(), '-3.5');
  });
});
