/**
 * Test fixture, not the product's data: the real calendar table cut back to 2025-2026 (the run-out
 * takes 2027-01-01 from the real table), so that a 2026 day falls within 180 days of the end.
 * test/workflows/replay.test.ts bundles the workflows with it in place of src/domain/calendar-data.ts.
 */
import { MARKET_CALENDAR as real } from '../../../src/domain/calendar-data';
import type { MarketCalendarTable } from '../../../src/domain/calendar-data';

export const MARKET_CALENDAR: MarketCalendarTable = {
  ...real,
  years: real.years.slice(0, 2),
  runOut: {
    through: '2027-01-04',
    closures: { '2027-01-01': "New Year's Day" },
    settlingClosures: [],
    earlyCloses: {},
    bankHolidays: {},
    sources: ['test fixture: cut from the real table'],
  },
};
