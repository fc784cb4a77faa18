/**
 * Test fixture, not the product's data: the real calendar table with a hypothetical 2029 added
 * (the closures NYSE Rule 7.2 and the Federal Reserve's K.8 schedule give; NYSE has not published
 * 2029), as a release answering the coverage warning would add it. test/workflows/replay.test.ts
 * bundles the workflows with it in place of src/domain/calendar-data.ts.
 */
import { MARKET_CALENDAR as real } from '../../../src/domain/calendar-data';
import type { MarketCalendarTable } from '../../../src/domain/calendar-data';

export const MARKET_CALENDAR: MarketCalendarTable = {
  ...real,
  version: real.version + 1,
  years: [
    ...real.years,
    {
      year: 2029,
      closures: {
        '2029-01-01': "New Year's Day",
        '2029-01-15': 'Martin Luther King Jr. Day',
        '2029-02-19': "Washington's Birthday",
        '2029-03-30': 'Good Friday',
        '2029-05-28': 'Memorial Day',
        '2029-06-19': 'Juneteenth',
        '2029-07-04': 'Independence Day',
        '2029-09-03': 'Labor Day',
        '2029-11-22': 'Thanksgiving',
        '2029-12-25': 'Christmas',
      },
      settlingClosures: [],
      earlyCloses: { '2029-11-23': 'Day after Thanksgiving' },
      bankHolidays: { '2029-10-08': 'Columbus Day', '2029-11-12': 'Veterans Day (observed)' },
      sources: ['test fixture: hypothetical'],
    },
  ],
  runOut: {
    through: '2030-01-02',
    closures: { '2030-01-01': "New Year's Day" },
    settlingClosures: [],
    earlyCloses: {},
    bankHolidays: {},
    sources: ['test fixture: hypothetical'],
  },
};
