import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CALENDAR_COVERAGE, addCalendarDays } from '../../src/domain/calendar';
import { COVERAGE_WARNING_DAYS, calendarCoverageWarning } from '../../src/domain/calendar-coverage';

describe('the calendar coverage warning', () => {
  it('is silent until 180 days before the coverage end', () => {
    assert.equal(COVERAGE_WARNING_DAYS, 180);
    assert.equal(calendarCoverageWarning('2026-12-01'), undefined);
    assert.equal(calendarCoverageWarning('2028-07-03'), undefined); // 181 days before 2028-12-31
    assert.equal(addCalendarDays('2028-07-04', 180), '2028-12-31');
  });

  it('from 180 days before: days left, the coverage end, the last trade date and what to do', () => {
    const w = calendarCoverageWarning('2028-07-04');
    assert.ok(w);
    assert.equal(w.daysLeft, 180);
    assert.equal(w.coveredThrough, '2028-12-31');
    assert.equal(w.lastTradeDate, '2028-12-29');
    assert.equal(
      w.message,
      'market calendar: coverage ends 2028-12-31, 180 days after 2028-07-04; the last trade date it can run is 2028-12-29. ' +
        "Add 2029 to src/domain/calendar-data.ts from NYSE's holidays and trading hours (https://www.nyse.com/markets/hours-calendars) " +
        "and the Federal Reserve's holidays (https://www.federalreserve.gov/aboutthefed/k8.htm) " +
        '(docs/calendar.md, "Adding a year"), then deploy it',
    );
  });

  it('counts down to the last covered day', () => {
    assert.equal(calendarCoverageWarning('2028-12-29')?.daysLeft, 2);
    assert.match(
      calendarCoverageWarning('2028-12-30')?.message ?? '',
      /coverage ends 2028-12-31, 1 day after 2028-12-30;/,
    );
    assert.equal(calendarCoverageWarning('2028-12-31')?.daysLeft, 0);
  });

  it('after the end it says the calendar has run out, and which years to add', () => {
    const w = calendarCoverageWarning('2029-01-02');
    assert.ok(w);
    assert.equal(w.daysLeft, -2);
    assert.match(
      w.message,
      /^market calendar: coverage ended 2028-12-31, 2 days before 2029-01-02: no trade date after 2028-12-29 can run\. Add 2029 to/,
    );
    assert.match(
      calendarCoverageWarning('2030-03-01')?.message ?? '',
      /Add 2029 to 2030 to src\/domain\/calendar-data\.ts/,
    );
  });

  it('follows the coverage it is given (a table with one more year warns later)', () => {
    const longer = { ...CALENDAR_COVERAGE, coveredThrough: '2029-12-31', lastTradeDate: '2029-12-31' };
    assert.equal(calendarCoverageWarning('2028-12-29', longer), undefined);
    assert.equal(calendarCoverageWarning('2029-07-04', longer)?.daysLeft, 180);
    assert.match(calendarCoverageWarning('2029-07-04', longer)?.message ?? '', /Add 2030 to/);
  });
});
