/**
 * The calendar's table is checked when it loads: a year added wrongly stops every process with what
 * is wrong, instead of answering a wrong day.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MARKET_CALENDAR, type MarketCalendarTable } from '../../src/domain/calendar-data';
import { buildCalendar } from '../../src/domain/calendar-table';

const real = MARKET_CALENDAR;
const y2028 = real.years[3]!;

function withChange(
  change: (t: { -readonly [K in keyof MarketCalendarTable]: MarketCalendarTable[K] }) => void,
) {
  const t = structuredClone(real) as { -readonly [K in keyof MarketCalendarTable]: MarketCalendarTable[K] };
  change(t);
  return t;
}

const rejects = (table: MarketCalendarTable, problem: RegExp) =>
  assert.throws(
    () => buildCalendar(table),
    (e: unknown) =>
      e instanceof Error &&
      e.message.startsWith('market calendar table src/domain/calendar-data.ts is not valid: ') &&
      problem.test(e.message),
  );

describe('the calendar table', () => {
  it('the real table is valid: 2025-2028, the run-out through 2029-01-02', () => {
    const cal = buildCalendar(real);
    assert.deepEqual([...cal.years], [2025, 2026, 2027, 2028]);
    assert.equal(cal.coverage.coveredThrough, '2028-12-31');
    assert.equal(cal.coverage.lastTradeDate, '2028-12-29');
    assert.equal(cal.coverage.answeredThrough, '2029-01-02');
    assert.equal(cal.closures['2029-01-01'], "New Year's Day");
    assert.ok(real.years.every((y) => y.sources.length > 0));
    assert.equal(y2028.year, 2028);
  });

  it('every year names its sources, NYSE and the settlement calendar', () => {
    for (const y of real.years) {
      assert.ok(
        y.sources.some((s) => /NYSE/.test(s)),
        `${y.year}: an NYSE source`,
      );
      assert.ok(
        y.sources.some((s) => /Federal Reserve/.test(s)),
        `${y.year}: a Federal Reserve source`,
      );
    }
    assert.ok(real.runOut.sources.some((s) => /NYSE Rule 7\.2/.test(s)));
  });

  it('refuses a gap between years', () => {
    rejects(
      withChange((t) => {
        t.years = [real.years[0]!, real.years[2]!];
      }),
      /years must be consecutive: 2027 follows 2025/,
    );
  });

  it('refuses a date filed under the wrong year, a bad date and a weekend day', () => {
    rejects(
      withChange((t) => {
        t.years = [
          ...real.years.slice(0, 3),
          { ...y2028, closures: { ...y2028.closures, '2029-07-04': 'x' } },
        ];
      }),
      /2028 closures: 2029-07-04 is outside 2028-01-01\.\.2028-12-31/,
    );
    rejects(
      withChange((t) => {
        t.years = [...real.years.slice(0, 3), { ...y2028, earlyCloses: { '2028-02-30': 'x' } }];
      }),
      /2028 earlyCloses: "2028-02-30" is not a YYYY-MM-DD date/,
    );
    rejects(
      withChange((t) => {
        t.years = [...real.years.slice(0, 3), { ...y2028, earlyCloses: { '2028-12-24': 'Christmas Eve' } }];
      }),
      /2028 earlyCloses: 2028-12-24 is a weekend day/,
    );
  });

  it('refuses a day that is both a closure and an early close or a bank holiday', () => {
    rejects(
      withChange((t) => {
        t.years = [...real.years.slice(0, 3), { ...y2028, earlyCloses: { '2028-11-23': 'x' } }];
      }),
      /2028: 2028-11-23 is both a closure and an early close/,
    );
    rejects(
      withChange((t) => {
        t.years = [...real.years.slice(0, 3), { ...y2028, bankHolidays: { '2028-12-25': 'x' } }];
      }),
      /2028: 2028-12-25 is both a closure and a bank holiday/,
    );
    rejects(
      withChange((t) => {
        t.years = [...real.years.slice(0, 3), { ...y2028, settlingClosures: ['2028-03-01'] }];
      }),
      /2028: settling closure 2028-03-01 is not a closure/,
    );
  });

  it('refuses a year without sources', () => {
    rejects(
      withChange((t) => {
        t.years = [...real.years.slice(0, 3), { ...y2028, sources: [] }];
      }),
      /2028: no sources/,
    );
  });

  it('refuses a run-out that does not reach the last trade date’s next trading and settlement day', () => {
    rejects(
      withChange((t) => {
        t.runOut = { ...real.runOut, through: '2029-01-01' };
      }),
      /run-out: through 2029-01-01 does not reach the next trading day after the last trade date 2028-12-29; run-out: through 2029-01-01 does not reach the settlement day/,
    );
    rejects(
      withChange((t) => {
        t.runOut = { ...real.runOut, through: '2028-12-31' };
      }),
      /run-out: through "2028-12-31" must be a date after 2028-12-31, at most 2029-01-31/,
    );
    // A year added without its run-out: the old run-out's dates now fall inside the year.
    rejects(
      withChange((t) => {
        t.years = [...real.years, { ...y2028, year: 2029, closures: {}, earlyCloses: {}, bankHolidays: {} }];
      }),
      /run-out: through "2029-01-02" must be a date after 2029-12-31/,
    );
  });

  it('a settlement day the run-out must reach can lie beyond the next trading day', () => {
    // Were 2029-01-02 a bank holiday, the run-out would have to reach 2029-01-03 for the settlement day.
    rejects(
      withChange((t) => {
        t.runOut = { ...real.runOut, bankHolidays: { '2029-01-02': 'hypothetical' } };
      }),
      /does not reach the settlement day after the last trade date 2028-12-29/,
    );
    const ok = buildCalendar(
      withChange((t) => {
        t.runOut = { ...real.runOut, through: '2029-01-03', bankHolidays: { '2029-01-02': 'hypothetical' } };
      }),
    );
    assert.equal(ok.coverage.answeredThrough, '2029-01-03');
  });
});
