/**
 * The warning that the market calendar is running out (docs/calendar.md, "Near and beyond the end"):
 * from 180 days before its coverage ends, `npm start`, the worker and the day's memo say so. Pure.
 */
import { CALENDAR_COVERAGE, daysBetween } from './calendar';
import { CALENDAR_DATA_FILE, CALENDAR_SOURCES, type CalendarCoverage, yearsToAdd } from './calendar-table';

/** The warning starts this many calendar days before the coverage end. */
export const COVERAGE_WARNING_DAYS = 180;

export interface CoverageWarning {
  /** Calendar days from `date` to the coverage end (negative: past it). */
  daysLeft: number;
  coveredThrough: string;
  /** The last trade date the calendar can run. */
  lastTradeDate: string;
  message: string;
}

/** The warning for `date` (a trade date, or today), or undefined when the end is further away. */
export function calendarCoverageWarning(
  date: string,
  coverage: CalendarCoverage = CALENDAR_COVERAGE,
): CoverageWarning | undefined {
  const daysLeft = daysBetween(date, coverage.coveredThrough);
  if (daysLeft > COVERAGE_WARNING_DAYS) return undefined;
  const { coveredThrough, lastTradeDate } = coverage;
  const state =
    daysLeft >= 0
      ? `coverage ends ${coveredThrough}, ${daysLeft} day${daysLeft === 1 ? '' : 's'} after ${date}; the last trade date it can run is ${lastTradeDate}`
      : `coverage ended ${coveredThrough}, ${-daysLeft} day${daysLeft === -1 ? '' : 's'} before ${date}: no trade date after ${lastTradeDate} can run`;
  const next = yearsToAdd(daysLeft >= 0 ? `${Number(coveredThrough.slice(0, 4)) + 1}-01-01` : date, coverage);
  return {
    daysLeft,
    coveredThrough,
    lastTradeDate,
    message:
      `market calendar: ${state}. Add ${next} to ${CALENDAR_DATA_FILE} from ${CALENDAR_SOURCES} ` +
      `(docs/calendar.md, "Adding a year"), then deploy it`,
  };
}
