import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getHolidays, isHoliday } from 'nyse-holidays';
import {
  BUY_DEADLINE_MAX_MS,
  CALENDAR_COVERAGE,
  CALENDAR_YEARS,
  CalendarCoverageError,
  DEFAULT_DAY_CLOCK_SETTINGS,
  EARLY_CLOSES,
  NYSE_CLOSURES,
  addCalendarDays,
  assertIsoDate,
  buyDeadline,
  dayClock,
  etToUtc,
  holidayName,
  isEarlyClose,
  isSettlementDay,
  isTradingDay,
  isWeekend,
  isoWeekday,
  marketCloseEt,
  nextSettlementDay,
  nextTradingDay,
  parseHhmm,
  previousTradingDay,
  resolveDayClockSettings,
  tradingDaysBetween,
  utcToEtDate,
} from '../../src/domain/calendar';

const BAD_DATE = (s: string) => ({ message: `invalid date "${s}": expected YYYY-MM-DD` });

/** All dates of a year, built without the calendar module's own arithmetic. */
function datesOfYear(year: number): string[] {
  const out: string[] = [];
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** nyse-holidays builds dayjs dates at local midnight: format with local getters, whatever TZ is. */
function localYmd(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

describe('date validation', () => {
  it('accepts real ISO dates', () => {
    assert.doesNotThrow(() => assertIsoDate('2026-02-28'));
    assert.doesNotThrow(() => assertIsoDate('2028-02-29'));
    assert.doesNotThrow(() => assertIsoDate('2026-12-31'));
  });

  it('rejects malformed and impossible dates with a clear message', () => {
    for (const bad of [
      '2026-02-30',
      '2026-1-5',
      'x',
      '',
      '2026-13-01',
      '2026-00-10',
      '2027-02-29',
      '2026-01-05T00:00',
    ]) {
      assert.throws(() => assertIsoDate(bad), BAD_DATE(bad));
    }
  });

  it('every date-taking function validates its input', () => {
    assert.throws(() => isWeekend('2026-02-30'), BAD_DATE('2026-02-30'));
    assert.throws(() => isTradingDay('2026-1-5'), BAD_DATE('2026-1-5'));
    assert.throws(() => nextTradingDay('x'), BAD_DATE('x'));
    assert.throws(() => isSettlementDay('2026-04-31'), BAD_DATE('2026-04-31'));
    assert.throws(() => etToUtc('2026-02-29', '12:00'), BAD_DATE('2026-02-29'));
    assert.throws(() => dayClock('x'), BAD_DATE('x'));
  });

  it('parseHhmm validates HH:MM 00:00-23:59', () => {
    assert.deepEqual(parseHhmm('00:00'), { hour: 0, minute: 0 });
    assert.deepEqual(parseHhmm('06:30'), { hour: 6, minute: 30 });
    assert.deepEqual(parseHhmm('23:59'), { hour: 23, minute: 59 });
    for (const bad of ['24:00', '12:60', '9:30', '09:30:00', '0930', 'noon', '']) {
      assert.throws(() => parseHhmm(bad), {
        message: `invalid time "${bad}": expected HH:MM between 00:00 and 23:59`,
      });
    }
  });
});

describe('calendar coverage', () => {
  it('covers trade dates 2025-01-01 through 2028-12-31, and answers dates through 2029-01-02', () => {
    assert.deepEqual([...CALENDAR_YEARS], [2025, 2026, 2027, 2028]);
    assert.deepEqual(
      { ...CALENDAR_COVERAGE },
      {
        version: 2,
        checked: '2026-12-01',
        firstDate: '2025-01-01',
        coveredThrough: '2028-12-31',
        lastTradeDate: '2028-12-29',
        answeredThrough: '2029-01-02',
      },
    );
  });

  it('every date of the coverage and its run-out is answered by every function', () => {
    const last = CALENDAR_COVERAGE.answeredThrough;
    let n = 0;
    for (let d = CALENDAR_COVERAGE.firstDate; d <= last; d = addCalendarDays(d, 1), n++) {
      isTradingDay(d);
      isSettlementDay(d);
      holidayName(d);
      isEarlyClose(d);
      if (d < last) {
        nextTradingDay(d);
        nextSettlementDay(d);
      }
      if (d > '2025-01-02') previousTradingDay(d);
      if (d <= CALENDAR_COVERAGE.coveredThrough && isTradingDay(d)) dayClock(d);
    }
    assert.equal(n, 365 + 365 + 365 + 366 + 2);
  });

  const coverageError = (date: string) => (e: unknown) => {
    assert.ok(e instanceof CalendarCoverageError, String(e));
    assert.equal(e.date, date);
    assert.match(
      e.message,
      new RegExp(
        `^market calendar: no data for ${date}; it covers trade dates 2025-01-01 through 2028-12-31 \\(table version 2, checked 2026-12-01\\)`,
      ),
    );
    assert.match(e.message, /src\/domain\/calendar-data\.ts/);
    assert.match(e.message, /https:\/\/www\.nyse\.com\/markets\/hours-calendars/);
    assert.match(e.message, /https:\/\/www\.federalreserve\.gov\/aboutthefed\/k8\.htm/);
    assert.match(e.message, /docs\/calendar\.md/);
    return true;
  };

  it('throws a CalendarCoverageError outside the table instead of guessing', () => {
    assert.throws(() => isTradingDay('2029-03-05'), coverageError('2029-03-05'));
    assert.throws(() => isTradingDay('2029-01-03'), coverageError('2029-01-03'));
    assert.throws(() => isTradingDay('2024-12-31'), coverageError('2024-12-31'));
    assert.throws(() => isSettlementDay('2029-03-05'), coverageError('2029-03-05'));
    assert.throws(() => holidayName('2029-01-03'), coverageError('2029-01-03'));
    assert.throws(() => isEarlyClose('2029-11-23'), coverageError('2029-11-23'));
    assert.throws(() => marketCloseEt('2029-11-23'), coverageError('2029-11-23'));
    assert.throws(() => dayClock('2029-03-05'), coverageError('2029-03-05'));
    assert.throws(() => nextTradingDay('2029-03-05'), coverageError('2029-03-05'));
    assert.throws(() => nextSettlementDay('2029-03-05'), coverageError('2029-03-05'));
    assert.throws(() => tradingDaysBetween('2028-12-01', '2029-01-31'), coverageError('2029-01-31'));
    assert.throws(() => tradingDaysBetween('2024-12-01', '2025-01-31'), coverageError('2024-12-01'));
    // Walking off either edge of the table throws too.
    assert.throws(() => nextTradingDay('2029-01-02'), coverageError('2029-01-03'));
    assert.throws(() => nextSettlementDay('2029-01-02'), coverageError('2029-01-03'));
    assert.throws(() => previousTradingDay('2025-01-02'), coverageError('2024-12-31'));
  });

  it('says which years to add', () => {
    assert.throws(() => isTradingDay('2029-01-03'), /Add 2029 to src\/domain\/calendar-data\.ts/);
    assert.throws(() => isTradingDay('2031-06-01'), /Add 2029 to 2031 to src\/domain\/calendar-data\.ts/);
    assert.throws(() => isTradingDay('2024-12-31'), /Add 2024 to src\/domain\/calendar-data\.ts/);
  });

  it('the last covered trading day runs in full: its confirms and its settlement fall in the run-out', () => {
    assert.equal(isTradingDay('2028-12-29'), true); // Friday
    assert.equal(isTradingDay('2028-12-30'), false);
    assert.equal(nextTradingDay('2028-12-29'), '2029-01-02'); // New Year's Day 2029 is a Monday
    assert.equal(nextSettlementDay('2028-12-29'), '2029-01-02');
    assert.equal(holidayName('2029-01-01'), "New Year's Day");
    assert.equal(isSettlementDay('2029-01-01'), false);
    assert.deepEqual(dayClock('2028-12-29'), {
      approvalCutoff: '2028-12-29T16:45:00Z',
      windowOpen: '2028-12-29T17:00:00Z',
      windowClose: '2028-12-29T19:00:00Z',
      confirmAt: '2029-01-02T11:30:00Z',
    });
    // The run-out is answered but is not covered: 2029-01-02 cannot run as a trade date.
    assert.equal(isTradingDay('2029-01-02'), true);
    assert.equal(previousTradingDay('2029-01-02'), '2028-12-29');
    assert.throws(
      () => dayClock('2029-01-02'),
      (e: unknown) =>
        e instanceof CalendarCoverageError &&
        /^market calendar: trade date 2029-01-02 is after the coverage end 2028-12-31; .*Add 2029 to src\/domain\/calendar-data\.ts/.test(
          e.message,
        ),
    );
  });

  it('isWeekend works for any valid date, covered or not', () => {
    assert.equal(isWeekend('2029-03-03'), true); // Saturday
    assert.equal(isWeekend('2029-03-05'), false); // Monday
  });
});

describe('weekends and weekdays', () => {
  it('knows the weekdays', () => {
    assert.equal(isoWeekday('2026-11-26'), 4); // Thanksgiving is a Thursday
    assert.equal(isoWeekday('2026-11-28'), 6);
    assert.equal(isoWeekday('2026-11-29'), 7);
    assert.equal(isoWeekday('2026-11-30'), 1);
  });

  it('weekends are not trading or settlement days', () => {
    for (const d of ['2026-03-07', '2026-03-08', '2026-11-28', '2026-11-29', '2027-01-02', '2027-01-03']) {
      assert.equal(isWeekend(d), true, d);
      assert.equal(isTradingDay(d), false, d);
      assert.equal(isSettlementDay(d), false, d);
      assert.equal(holidayName(d), undefined, d);
    }
    assert.equal(isWeekend('2026-03-06'), false);
    assert.equal(isWeekend('2026-03-09'), false);
  });

  it('counts 251 trading days in 2026, 2027 and 2028, 250 in 2025', () => {
    // 2025-2027 have 261 weekdays. 2026 and 2027: 10 weekday closures; 2025: 11 (incl. 2025-01-09).
    // 2028 (a leap year from a Saturday to a Sunday) has 260 weekdays and 9 weekday closures.
    assert.equal(tradingDaysBetween('2026-01-01', '2026-12-31').length, 251);
    assert.equal(tradingDaysBetween('2027-01-01', '2027-12-31').length, 251);
    assert.equal(tradingDaysBetween('2028-01-01', '2028-12-31').length, 251);
    assert.equal(tradingDaysBetween('2025-01-01', '2025-12-31').length, 250);
    assert.deepEqual(tradingDaysBetween('2026-11-25', '2026-11-30'), [
      '2026-11-25',
      '2026-11-27',
      '2026-11-30',
    ]);
    assert.deepEqual(tradingDaysBetween('2026-11-30', '2026-11-25'), []);
  });
});

describe('NYSE full closures', () => {
  const closures2026: [string, string][] = [
    ['2026-01-01', "New Year's Day"],
    ['2026-01-19', 'Martin Luther King Jr. Day'],
    ['2026-02-16', "Washington's Birthday"],
    ['2026-04-03', 'Good Friday'],
    ['2026-05-25', 'Memorial Day'],
    ['2026-06-19', 'Juneteenth'],
    ['2026-07-03', 'Independence Day (observed)'],
    ['2026-09-07', 'Labor Day'],
    ['2026-11-26', 'Thanksgiving'],
    ['2026-12-25', 'Christmas'],
  ];

  it('every 2026 holiday is a closed weekday with its name', () => {
    for (const [d, name] of closures2026) {
      assert.equal(isWeekend(d), false, d);
      assert.equal(isTradingDay(d), false, d);
      assert.equal(isSettlementDay(d), false, d);
      assert.equal(holidayName(d), name, d);
      assert.throws(() => marketCloseEt(d), /not a trading day/);
    }
    const tableDates = Object.keys(NYSE_CLOSURES).filter((d) => d.startsWith('2026-'));
    assert.deepEqual(
      tableDates,
      closures2026.map(([d]) => d),
    );
  });

  it('2025 and 2027 closures', () => {
    assert.equal(holidayName('2025-04-18'), 'Good Friday');
    assert.equal(holidayName('2025-07-04'), 'Independence Day');
    assert.equal(holidayName('2027-03-26'), 'Good Friday');
    assert.equal(holidayName('2027-06-18'), 'Juneteenth (observed)');
    assert.equal(holidayName('2027-07-05'), 'Independence Day (observed)');
    assert.equal(holidayName('2027-12-24'), 'Christmas (observed)');
    assert.equal(isTradingDay('2027-12-24'), false);
    assert.equal(isTradingDay('2026-07-02'), true);
  });

  it('2027-12-31 is a normal trading day (Saturday New Year 2028 is not observed)', () => {
    assert.equal(isTradingDay('2027-12-31'), true);
    assert.equal(holidayName('2027-12-31'), undefined);
    assert.equal(isEarlyClose('2027-12-31'), false);
    assert.equal(marketCloseEt('2027-12-31'), '16:00');
    assert.equal(isSettlementDay('2027-12-31'), true);
    assert.equal(nextTradingDay('2027-12-23'), '2027-12-27');
    assert.equal(nextTradingDay('2027-12-31'), '2028-01-03');
    assert.equal(nextSettlementDay('2027-12-31'), '2028-01-03');
    assert.equal(holidayName('2028-01-01'), undefined); // a Saturday, not observed
    assert.deepEqual(dayClock('2027-12-31'), {
      approvalCutoff: '2027-12-31T16:45:00Z',
      windowOpen: '2027-12-31T17:00:00Z',
      windowClose: '2027-12-31T19:00:00Z',
      confirmAt: '2028-01-03T11:30:00Z',
    });
  });

  it('2028, as NYSE published it on 2025-12-23', () => {
    const closures2028: [string, string, number][] = [
      ['2028-01-17', 'Martin Luther King Jr. Day', 1],
      ['2028-02-21', "Washington's Birthday", 1],
      ['2028-04-14', 'Good Friday', 5],
      ['2028-05-29', 'Memorial Day', 1],
      ['2028-06-19', 'Juneteenth', 1],
      ['2028-07-04', 'Independence Day', 2],
      ['2028-09-04', 'Labor Day', 1],
      ['2028-11-23', 'Thanksgiving', 4],
      ['2028-12-25', 'Christmas', 1],
    ];
    for (const [d, name, weekday] of closures2028) {
      assert.equal(isoWeekday(d), weekday, d);
      assert.equal(holidayName(d), name, d);
      assert.equal(isTradingDay(d), false, d);
      assert.equal(isSettlementDay(d), false, d);
    }
    assert.deepEqual(
      closuresOf(2028),
      closures2028.map(([d]) => d),
    );
    assert.equal(nextTradingDay('2028-04-13'), '2028-04-17'); // Good Friday + weekend
    assert.equal(nextTradingDay('2028-06-16'), '2028-06-20'); // Juneteenth Monday
    assert.equal(nextTradingDay('2028-07-03'), '2028-07-05');
    assert.equal(nextTradingDay('2028-11-22'), '2028-11-24');
    assert.equal(nextTradingDay('2028-12-22'), '2028-12-26'); // Christmas Monday
    assert.equal(nextSettlementDay('2028-12-22'), '2028-12-26');
  });

  it('2025-01-09 (Carter day of mourning) is closed for trading but is a settlement day', () => {
    assert.equal(isTradingDay('2025-01-09'), false);
    assert.equal(holidayName('2025-01-09'), 'National Day of Mourning (President Carter)');
    assert.equal(isSettlementDay('2025-01-09'), true);
    assert.equal(nextTradingDay('2025-01-08'), '2025-01-10');
    assert.equal(previousTradingDay('2025-01-10'), '2025-01-08');
    // Trades of Wed 2025-01-08 settle T+1 on Thu 2025-01-09 even though NYSE was closed.
    assert.equal(nextSettlementDay('2025-01-08'), '2025-01-09');
    assert.throws(() => dayClock('2025-01-09'), /2025-01-09 is not a trading day \(National Day of Mourning/);
  });
});

describe('next/previous trading day', () => {
  it('Thanksgiving 2026 -> the early close Friday 2026-11-27', () => {
    assert.equal(nextTradingDay('2026-11-25'), '2026-11-27');
    assert.equal(nextTradingDay('2026-11-26'), '2026-11-27');
    assert.equal(isEarlyClose('2026-11-27'), true);
    assert.equal(nextTradingDay('2026-11-27'), '2026-11-30');
    assert.equal(previousTradingDay('2026-11-27'), '2026-11-25');
  });

  it('strictly after/before, skipping weekends and holidays', () => {
    assert.equal(nextTradingDay('2026-03-06'), '2026-03-09'); // Fri -> Mon
    assert.equal(nextTradingDay('2026-03-07'), '2026-03-09'); // Sat -> Mon
    assert.equal(nextTradingDay('2026-03-09'), '2026-03-10');
    assert.equal(previousTradingDay('2026-03-09'), '2026-03-06');
    assert.equal(nextTradingDay('2026-04-02'), '2026-04-06'); // Good Friday + weekend
    assert.equal(previousTradingDay('2026-04-06'), '2026-04-02');
    assert.equal(nextTradingDay('2026-07-02'), '2026-07-06'); // observed Jul 3 + weekend
    assert.equal(nextTradingDay('2026-12-31'), '2027-01-04'); // New Year 2027 + weekend
    assert.equal(previousTradingDay('2027-01-04'), '2026-12-31');
    assert.equal(nextTradingDay('2027-12-23'), '2027-12-27');
    assert.equal(nextTradingDay('2025-12-31'), '2026-01-02');
  });
});

describe('early closes', () => {
  it('13:00 ET on the §5.2 dates only', () => {
    assert.deepEqual(Object.keys(EARLY_CLOSES), [
      '2025-07-03',
      '2025-11-28',
      '2025-12-24',
      '2026-11-27',
      '2026-12-24',
      '2027-11-26',
      '2028-07-03',
      '2028-11-24',
    ]);
    for (const d of Object.keys(EARLY_CLOSES)) {
      assert.equal(isTradingDay(d), true, d);
      assert.equal(isEarlyClose(d), true, d);
      assert.equal(marketCloseEt(d), '13:00', d);
    }
    assert.equal(isEarlyClose('2026-07-02'), false);
    assert.equal(isEarlyClose('2027-12-23'), false);
    assert.equal(isEarlyClose('2026-11-26'), false); // closed, not early
    assert.equal(marketCloseEt('2026-11-25'), '16:00');
    assert.equal(marketCloseEt('2026-12-23'), '16:00');
    // 2028: Monday July 3 closes early (NYSE published it); Christmas Eve is a Sunday, so no December one.
    assert.equal(dayClock('2028-07-03').windowClose, '2028-07-03T16:45:00Z');
    assert.equal(dayClock('2028-11-24').windowOpen, '2028-11-24T16:30:00Z');
    assert.equal(isoWeekday('2028-12-24'), 7);
    assert.equal(isEarlyClose('2028-12-22'), false);
    assert.equal(isEarlyClose('2028-12-26'), false);
  });
});

describe('settlement calendar', () => {
  it('Columbus Day 2026 trades but does not settle', () => {
    assert.equal(isTradingDay('2026-10-12'), true);
    assert.equal(isSettlementDay('2026-10-12'), false);
    assert.equal(nextSettlementDay('2026-10-09'), '2026-10-13');
    assert.equal(nextSettlementDay('2026-10-12'), '2026-10-13');
  });

  it('Columbus Day 2028 (Monday 2028-10-09) trades but does not settle', () => {
    assert.equal(isTradingDay('2028-10-09'), true);
    assert.equal(isSettlementDay('2028-10-09'), false);
    assert.equal(nextSettlementDay('2028-10-06'), '2028-10-10');
  });

  it('Veterans Day 2028 is a Saturday: the Reserve Banks open on Friday 2028-11-10, which settles', () => {
    assert.equal(isoWeekday('2028-11-11'), 6);
    assert.equal(isSettlementDay('2028-11-10'), true);
    assert.equal(nextSettlementDay('2028-11-09'), '2028-11-10');
  });

  it('Veterans Day trades but does not settle', () => {
    for (const d of ['2025-11-11', '2026-11-11', '2027-11-11']) {
      assert.equal(isTradingDay(d), true, d);
      assert.equal(isSettlementDay(d), false, d);
    }
    assert.equal(isSettlementDay('2025-10-13'), false);
    assert.equal(isSettlementDay('2027-10-11'), false);
    assert.equal(nextSettlementDay('2026-11-10'), '2026-11-12'); // Tue -> Thu
    assert.equal(nextSettlementDay('2027-11-10'), '2027-11-12');
  });

  it('crosses weekends and holidays', () => {
    assert.equal(nextSettlementDay('2026-03-06'), '2026-03-09'); // Fri -> Mon
    assert.equal(nextSettlementDay('2026-11-25'), '2026-11-27'); // over Thanksgiving
    assert.equal(nextSettlementDay('2026-11-27'), '2026-11-30'); // early close Fri -> Mon
    assert.equal(nextSettlementDay('2026-04-02'), '2026-04-06'); // Good Friday + weekend
    assert.equal(nextSettlementDay('2026-07-02'), '2026-07-06'); // observed Jul 3 + weekend
    assert.equal(nextSettlementDay('2026-12-31'), '2027-01-04'); // New Year + weekend
    assert.equal(nextSettlementDay('2026-01-16'), '2026-01-20'); // Fri before MLK -> Tue
    assert.equal(nextSettlementDay('2026-05-22'), '2026-05-26'); // Fri before Memorial Day -> Tue
    assert.equal(nextSettlementDay('2026-05-26'), '2026-05-27');
  });

  it('every trading day in 2026 that is not Columbus/Veterans day is a settlement day', () => {
    for (const d of datesOfYear(2026)) {
      if (!isTradingDay(d)) continue;
      const expected = d !== '2026-10-12' && d !== '2026-11-11';
      assert.equal(isSettlementDay(d), expected, d);
    }
  });

  it('every trading day in 2028 but Columbus Day settles; nothing settles on a closure', () => {
    for (const d of datesOfYear(2028)) {
      assert.equal(isSettlementDay(d), isTradingDay(d) && d !== '2028-10-09', d);
    }
  });
});

describe('ET <-> UTC and DST', () => {
  it('the 12:00 ET window open moves with DST', () => {
    assert.equal(etToUtc('2026-07-15', '12:00'), '2026-07-15T16:00:00Z'); // EDT
    assert.equal(etToUtc('2026-11-24', '12:00'), '2026-11-24T17:00:00Z'); // EST
    assert.equal(etToUtc('2026-03-06', '12:00'), '2026-03-06T17:00:00Z'); // Fri before DST start: EST
    assert.equal(etToUtc('2026-03-09', '12:00'), '2026-03-09T16:00:00Z'); // Mon after DST start: EDT
    assert.equal(etToUtc('2026-10-30', '12:00'), '2026-10-30T16:00:00Z'); // Fri before DST end: EDT
    assert.equal(etToUtc('2026-11-02', '12:00'), '2026-11-02T17:00:00Z'); // Mon after DST end: EST
    assert.equal(etToUtc('2025-03-10', '12:00'), '2025-03-10T16:00:00Z');
    assert.equal(etToUtc('2027-03-15', '12:00'), '2027-03-15T16:00:00Z');
    assert.equal(etToUtc('2027-03-12', '12:00'), '2027-03-12T17:00:00Z');
    assert.equal(etToUtc('2027-11-08', '12:00'), '2027-11-08T17:00:00Z');
  });

  it('handles the DST-change Sundays themselves', () => {
    assert.equal(etToUtc('2026-03-08', '01:59'), '2026-03-08T06:59:00Z'); // EST
    assert.equal(etToUtc('2026-03-08', '03:00'), '2026-03-08T07:00:00Z'); // EDT
    assert.throws(() => etToUtc('2026-03-08', '02:30'), /does not exist in America\/New_York/);
    // 01:30 happens twice on 2026-11-01: the first occurrence (EDT) is chosen.
    assert.equal(etToUtc('2026-11-01', '01:30'), '2026-11-01T05:30:00Z');
    assert.equal(etToUtc('2026-11-01', '00:30'), '2026-11-01T04:30:00Z');
    assert.equal(etToUtc('2026-11-01', '02:00'), '2026-11-01T07:00:00Z');
  });

  it('midnight and late evening', () => {
    assert.equal(etToUtc('2026-07-15', '00:00'), '2026-07-15T04:00:00Z');
    assert.equal(etToUtc('2026-12-31', '21:00'), '2027-01-01T02:00:00Z');
  });

  it('rejects bad times', () => {
    assert.throws(() => etToUtc('2026-07-15', '25:00'), /invalid time "25:00"/);
  });

  it('utcToEtDate gives the New York calendar date', () => {
    assert.equal(utcToEtDate('2026-07-15T03:59:59Z'), '2026-07-14'); // 23:59:59 EDT
    assert.equal(utcToEtDate('2026-07-15T04:00:00Z'), '2026-07-15'); // 00:00 EDT
    assert.equal(utcToEtDate('2026-11-25T04:59:00Z'), '2026-11-24'); // 23:59 EST
    assert.equal(utcToEtDate('2026-11-25T05:00:00Z'), '2026-11-25'); // 00:00 EST
    assert.equal(utcToEtDate('2027-01-01T02:00:00.000Z'), '2026-12-31');
    assert.equal(utcToEtDate('2026-07-15T16:00:00Z'), '2026-07-15');
    assert.equal(utcToEtDate('2026-07-15T00:30:00+02:00'), '2026-07-14');
  });

  it('utcToEtDate rejects non-instants', () => {
    for (const bad of ['2026-07-15', '2026-07-15T16:00:00', 'x', '2026-02-30T16:00:00Z']) {
      assert.throws(() => utcToEtDate(bad), {
        message: `invalid instant "${bad}": expected ISO-8601 UTC like 2026-07-15T16:00:00Z`,
      });
    }
  });

  it('round-trips: the ET date of etToUtc(d, t) is d', () => {
    for (const d of ['2026-03-08', '2026-03-09', '2026-11-01', '2026-11-02', '2026-12-31']) {
      for (const t of ['00:00', '06:30', '12:00', '23:59']) {
        assert.equal(utcToEtDate(etToUtc(d, t)), d, `${d} ${t}`);
      }
    }
  });
});

describe('dayClock', () => {
  it('default settings', () => {
    assert.deepEqual(
      { ...DEFAULT_DAY_CLOCK_SETTINGS },
      {
        approvalCutoffEt: '11:45',
        windowOpenEt: '12:00',
        windowCloseEt: '14:00',
        confirmAtEt: '06:30',
        earlyCloseApprovalCutoffEt: '11:15',
        earlyCloseWindowOpenEt: '11:30',
        earlyCloseWindowCloseEt: '12:45',
      },
    );
  });

  it('a summer (EDT) day', () => {
    assert.deepEqual(dayClock('2026-07-15'), {
      approvalCutoff: '2026-07-15T15:45:00Z',
      windowOpen: '2026-07-15T16:00:00Z',
      windowClose: '2026-07-15T18:00:00Z',
      confirmAt: '2026-07-16T10:30:00Z',
    });
  });

  it('a winter (EST) day; confirm on the next trading day', () => {
    assert.deepEqual(dayClock('2026-11-24'), {
      approvalCutoff: '2026-11-24T16:45:00Z',
      windowOpen: '2026-11-24T17:00:00Z',
      windowClose: '2026-11-24T19:00:00Z',
      confirmAt: '2026-11-25T11:30:00Z',
    });
    // Wednesday before Thanksgiving: confirm on Friday.
    assert.equal(dayClock('2026-11-25').confirmAt, '2026-11-27T11:30:00Z');
  });

  it('early close 2026-11-27 uses 11:15/11:30/12:45; confirm Monday 2026-11-30 06:30 ET', () => {
    assert.deepEqual(dayClock('2026-11-27'), {
      approvalCutoff: '2026-11-27T16:15:00Z',
      windowOpen: '2026-11-27T16:30:00Z',
      windowClose: '2026-11-27T17:45:00Z',
      confirmAt: '2026-11-30T11:30:00Z',
    });
  });

  it('early close in summer (EDT): 2025-07-03', () => {
    assert.deepEqual(dayClock('2025-07-03'), {
      approvalCutoff: '2025-07-03T15:15:00Z',
      windowOpen: '2025-07-03T15:30:00Z',
      windowClose: '2025-07-03T16:45:00Z',
      confirmAt: '2025-07-07T10:30:00Z', // Jul 4 closed, then the weekend
    });
  });

  it('confirm across DST: Friday before DST start confirms on Monday in EDT', () => {
    const c = dayClock('2026-03-06');
    assert.equal(c.windowOpen, '2026-03-06T17:00:00Z');
    assert.equal(c.confirmAt, '2026-03-09T10:30:00Z');
    assert.equal(dayClock('2026-10-30').confirmAt, '2026-11-02T11:30:00Z');
  });

  it('the day before a settlement-ran closure confirms on the next trading day', () => {
    assert.equal(dayClock('2025-01-08').confirmAt, '2025-01-10T11:30:00Z');
  });

  it('throws on non-trading days and after the coverage end', () => {
    assert.throws(() => dayClock('2026-11-26'), /2026-11-26 is not a trading day \(Thanksgiving\)/);
    assert.throws(() => dayClock('2026-11-28'), /2026-11-28 is not a trading day \(weekend\)/);
    assert.throws(() => dayClock('2029-01-01'), /trade date 2029-01-01 is after the coverage end 2028-12-31/);
    assert.throws(() => dayClock('2029-01-02'), /trade date 2029-01-02 is after the coverage end 2028-12-31/);
  });

  it('partial settings override the defaults; undefined keeps the default', () => {
    const c = dayClock('2026-07-15', {
      windowOpenEt: '12:15',
      windowCloseEt: '15:30',
      approvalCutoffEt: undefined,
    });
    assert.deepEqual(c, {
      approvalCutoff: '2026-07-15T15:45:00Z',
      windowOpen: '2026-07-15T16:15:00Z',
      windowClose: '2026-07-15T19:30:00Z',
      confirmAt: '2026-07-16T10:30:00Z',
    });
  });

  it('validates settings', () => {
    assert.throws(
      () => resolveDayClockSettings({ windowOpenEt: '12' }),
      /day clock setting windowOpenEt: invalid time "12"/,
    );
    assert.throws(
      () => resolveDayClockSettings({ windowCloseEt: '11:00' }),
      /approval cutoff 11:45 <= window open 12:00 < window close 11:00/,
    );
    assert.throws(
      () => resolveDayClockSettings({ windowCloseEt: '16:30' }),
      /window close 16:30 is after the 16:00 ET market close/,
    );
    assert.throws(
      () => resolveDayClockSettings({ earlyCloseWindowCloseEt: '13:30' }),
      /\(early-close\): window close 13:30 is after the 13:00 ET market close/,
    );
    assert.throws(
      () => resolveDayClockSettings({ approvalCutoffEt: '12:30' }),
      /approval cutoff 12:30 <= window open 12:00/,
    );
  });
});

describe('helpers', () => {
  it('addCalendarDays', () => {
    assert.equal(addCalendarDays('2026-02-28', 1), '2026-03-01');
    assert.equal(addCalendarDays('2028-02-28', 1), '2028-02-29');
    assert.equal(addCalendarDays('2027-01-01', -1), '2026-12-31');
    assert.equal(addCalendarDays('2026-03-08', 1), '2026-03-09');
    assert.equal(addCalendarDays('2026-07-15', 0), '2026-07-15');
    assert.throws(() => addCalendarDays('2026-07-15', 0.5), /must be an integer/);
  });
});

describe('cross-check against nyse-holidays', () => {
  it('the package returns the expected 2026 dates (sanity check of our reading of its API)', () => {
    const h = getHolidays(2026);
    assert.deepEqual(
      h.map((x) => x.dateString),
      closuresOf(2026),
    );
    for (const x of h) assert.equal(localYmd(x.date), x.dateString);
  });

  for (const year of [2026, 2027, 2028]) {
    it(`every weekday of ${year}: trading day <=> not an nyse-holidays closure`, () => {
      const fromPackage = new Set(getHolidays(year).map((x) => localYmd(x.date)));
      // The package also knows a Saturday-New-Year is not observed on Dec 31.
      let weekdays = 0;
      for (const d of datesOfYear(year)) {
        if (isWeekend(d)) continue;
        weekdays++;
        assert.equal(isTradingDay(d), !fromPackage.has(d), d);
        const [y, m, day] = d.split('-').map(Number) as [number, number, number];
        assert.equal(isHoliday(new Date(y, m - 1, day)), !isTradingDay(d), `isHoliday ${d}`);
      }
      assert.equal(weekdays, year === 2028 ? 260 : 261);
      assert.deepEqual([...fromPackage].sort(), closuresOf(year));
    });
  }

  it("the run-out: nyse-holidays also closes Monday 2029-01-01 (New Year's Day) and opens 2029-01-02", () => {
    assert.equal(isHoliday(new Date(2029, 0, 1)), true);
    assert.equal(isTradingDay('2029-01-01'), false);
    assert.equal(isHoliday(new Date(2029, 0, 2)), false);
    assert.equal(isTradingDay('2029-01-02'), true);
  });

  it('2025: matches except for the unscheduled 2025-01-09 closure', () => {
    const fromPackage = new Set(getHolidays(2025).map((x) => localYmd(x.date)));
    assert.equal(fromPackage.has('2025-01-09'), false);
    for (const d of datesOfYear(2025)) {
      if (isWeekend(d) || d === '2025-01-09') continue;
      assert.equal(isTradingDay(d), !fromPackage.has(d), d);
    }
  });
});

function closuresOf(year: number): string[] {
  return Object.keys(NYSE_CLOSURES)
    .filter((d) => d.startsWith(`${year}-`))
    .sort();
}

describe('the buy deadline (docs/domain.md §8.6)', () => {
  it('is 30 minutes after the window opens on a regular day (window 12:00–14:00 ET)', () => {
    const c = dayClock('2026-12-03');
    assert.equal(BUY_DEADLINE_MAX_MS, 30 * 60_000);
    assert.equal(buyDeadline(c), new Date(Date.parse(etToUtc('2026-12-03', '12:30'))).toISOString());
  });

  it('is a quarter of the window when that is shorter: an early close, the demo clock, a zero-length window', () => {
    // 2028-11-24, the day after Thanksgiving: window 11:30–12:45 ET, a quarter is 18m45s.
    const early = dayClock('2028-11-24');
    assert.equal(buyDeadline(early), '2028-11-24T16:48:45.000Z');
    // The demo clock: a three-minute window, buys at the latest 45 s after it opens.
    assert.equal(
      buyDeadline({ windowOpen: '2026-12-02T15:03:00.000Z', windowClose: '2026-12-02T15:06:00.000Z' }),
      '2026-12-02T15:03:45.000Z',
    );
    assert.equal(
      buyDeadline({ windowOpen: '2026-12-02T15:03:00Z', windowClose: '2026-12-02T15:03:00Z' }),
      '2026-12-02T15:03:00.000Z',
    );
    // Exactly two hours: a quarter is 30 minutes, the cap.
    assert.equal(
      buyDeadline({ windowOpen: '2026-12-02T17:00:00Z', windowClose: '2026-12-02T21:00:00Z' }),
      '2026-12-02T17:30:00.000Z',
    );
  });

  it('refuses a window that closes before it opens, or instants it cannot read', () => {
    assert.throws(
      () => buyDeadline({ windowOpen: '2026-12-02T17:00:00Z', windowClose: '2026-12-02T16:00:00Z' }),
      /windowOpen <= windowClose/,
    );
    assert.throws(() => buyDeadline({ windowOpen: 'soon', windowClose: '2026-12-02T16:00:00Z' }));
  });
});
