/**
 * The demo's synthetic prices span every covered trade date, and the years that were there before
 * 2028 was added kept their exact prices (tests and demos read exact prices).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { SECURITIES, syntheticPrices } from '../../src/demo/seed';
import { CALENDAR_COVERAGE, tradingDaysBetween } from '../../src/domain/calendar';

/** sha256 of JSON.stringify(syntheticPrices(seed)) as the code printed it before 2028 was covered. */
const BEFORE_2028: Record<number, string> = {
  20261124: '01d07cbbbde9b8caad2d1a0730e421165a56f78a3737c613d60157439bdfeb96',
  7: '378f6b3f5b97c6ae5ca92bb442ed8dbe1f7d32be2956aeb540c352c1c1748491',
};

describe('synthetic prices', () => {
  const bySeed = new Map<number, ReturnType<typeof syntheticPrices>>();
  const prices = (seed: number) => {
    if (!bySeed.has(seed)) bySeed.set(seed, syntheticPrices(seed));
    return bySeed.get(seed)!;
  };

  for (const [seed, digest] of Object.entries(BEFORE_2028)) {
    it(`seed ${seed}: 2025-01-02..2027-12-30 are exactly the prices of before`, () => {
      const old = prices(Number(seed)).filter((p) => p.date <= '2027-12-30');
      assert.equal(old.length, 8261);
      assert.equal(createHash('sha256').update(JSON.stringify(old)).digest('hex'), digest);
    });
  }

  it('a close for every security on every trade date through the last covered one', () => {
    const days = tradingDaysBetween('2025-01-02', CALENDAR_COVERAGE.coveredThrough);
    assert.equal(days.at(-1), '2028-12-29');
    const all = prices(20261124);
    for (const s of SECURITIES) {
      const dates = all.filter((p) => p.symbol === s.symbol).map((p) => p.date);
      assert.deepEqual(dates, days, s.symbol);
    }
  });

  it('2028 continues each security from its last 2027 close, from a stream of its own', () => {
    for (const seed of [20261124, 7]) {
      for (const s of SECURITIES) {
        const mine = prices(seed).filter((p) => p.symbol === s.symbol);
        const i = mine.findIndex((p) => p.date === '2027-12-31');
        const before = Number(mine[i - 1]!.close);
        const after = Number(mine[i]!.close);
        // One day's move: within 6 standard deviations of a 30 %-a-year volatility.
        assert.ok(
          Math.abs(Math.log(after / before)) < 6 * (0.3 / Math.sqrt(252)),
          `${s.symbol} ${before} -> ${after}`,
        );
      }
    }
    const closes2028 = (seed: number) =>
      prices(seed)
        .filter((p) => p.date >= '2028-01-01')
        .map((p) => p.close);
    assert.notDeepEqual(closes2028(20261124), closes2028(7));
  });
});
