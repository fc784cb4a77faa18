/**
 * Reads the market calendar's table (src/domain/calendar-data.ts): checks it, and turns it into the
 * lookups and the coverage that src/domain/calendar.ts answers from (docs/calendar.md). Pure.
 */
import type { CalendarDays, MarketCalendarTable } from './calendar-data';
import { addCalendarDays, isWeekend, parseIsoDate } from './iso-date';

export const CALENDAR_DATA_FILE = 'src/domain/calendar-data.ts';
export const CALENDAR_SOURCES =
  "NYSE's holidays and trading hours (https://www.nyse.com/markets/hours-calendars) and the Federal Reserve's holidays (https://www.federalreserve.gov/aboutthefed/k8.htm)";

/** What the calendar answers (docs/calendar.md, "What is covered"). */
export interface CalendarCoverage {
  readonly version: number;
  /** The date the table was last checked against its sources. */
  readonly checked: string;
  /** The first date answered: January 1 of the first year. */
  readonly firstDate: string;
  /** Trade dates through this one run in full: December 31 of the last whole year. */
  readonly coveredThrough: string;
  /** The last trading day on or before `coveredThrough`: the last trade date that can run. */
  readonly lastTradeDate: string;
  /**
   * Every date through this one is answered: the run-out reaches the last trade date's next
   * trading day (its confirms) and its settlement day.
   */
  readonly answeredThrough: string;
}

export interface CalendarLookups {
  /** The whole years of the table. */
  readonly years: readonly number[];
  readonly closures: Readonly<Record<string, string>>;
  readonly settlingClosures: ReadonlySet<string>;
  readonly earlyCloses: Readonly<Record<string, string>>;
  readonly bankHolidays: Readonly<Record<string, string>>;
  readonly coverage: CalendarCoverage;
}

type Lookups = Pick<CalendarLookups, 'closures' | 'settlingClosures' | 'bankHolidays'>;

/** NYSE is open on `date` (no coverage check: the caller has made one). */
export function opensOn(cal: Lookups, date: string): boolean {
  return !isWeekend(date) && cal.closures[date] === undefined;
}

/** Trades settle on `date`: a weekday that is neither a bank holiday nor a closure that settles nothing. */
export function settlesOn(cal: Lookups, date: string): boolean {
  if (isWeekend(date) || cal.bankHolidays[date] !== undefined) return false;
  return cal.closures[date] === undefined || cal.settlingClosures.has(date);
}

function validDate(date: string): boolean {
  try {
    parseIsoDate(date);
    return true;
  } catch {
    return false;
  }
}

/** Checks the table and builds its lookups; throws one error that lists every problem. */
export function buildCalendar(table: MarketCalendarTable): CalendarLookups {
  const problems: string[] = [];
  const closures: Record<string, string> = {};
  const earlyCloses: Record<string, string> = {};
  const bankHolidays: Record<string, string> = {};
  const settlingClosures = new Set<string>();

  const collect = (label: string, days: CalendarDays, from: string, to: string) => {
    if (days.sources.length === 0) problems.push(`${label}: no sources`);
    const kinds: [string, readonly string[]][] = [
      ['closures', Object.keys(days.closures)],
      ['earlyCloses', Object.keys(days.earlyCloses)],
      ['bankHolidays', Object.keys(days.bankHolidays)],
      ['settlingClosures', days.settlingClosures],
    ];
    for (const [kind, dates] of kinds) {
      for (const d of dates) {
        if (!validDate(d)) problems.push(`${label} ${kind}: "${d}" is not a YYYY-MM-DD date`);
        else if (d < from || d > to) problems.push(`${label} ${kind}: ${d} is outside ${from}..${to}`);
        else if (isWeekend(d)) problems.push(`${label} ${kind}: ${d} is a weekend day`);
      }
    }
    for (const d of Object.keys(days.earlyCloses))
      if (days.closures[d] !== undefined)
        problems.push(`${label}: ${d} is both a closure and an early close`);
    for (const d of Object.keys(days.bankHolidays))
      if (days.closures[d] !== undefined)
        problems.push(`${label}: ${d} is both a closure and a bank holiday (list it as a closure only)`);
    for (const d of days.settlingClosures)
      if (days.closures[d] === undefined) problems.push(`${label}: settling closure ${d} is not a closure`);
    Object.assign(closures, days.closures);
    Object.assign(earlyCloses, days.earlyCloses);
    Object.assign(bankHolidays, days.bankHolidays);
    for (const d of days.settlingClosures) settlingClosures.add(d);
  };

  if (!Number.isSafeInteger(table.version) || table.version < 1)
    problems.push(`version must be a positive integer, got ${table.version}`);
  if (!validDate(table.checked)) problems.push(`checked: "${table.checked}" is not a YYYY-MM-DD date`);
  const years = table.years.map((y) => y.year);
  const first = years[0];
  const last = years[years.length - 1];
  if (first === undefined || last === undefined) throw invalid(['no years']);
  years.forEach((y, i) => {
    if (i > 0 && y !== years[i - 1]! + 1)
      problems.push(`years must be consecutive: ${y} follows ${years[i - 1]}`);
  });
  for (const y of table.years) collect(String(y.year), y, `${y.year}-01-01`, `${y.year}-12-31`);
  const coveredThrough = `${last}-12-31`;
  const through = table.runOut.through;
  const latest = addCalendarDays(coveredThrough, 31);
  if (!validDate(through) || through <= coveredThrough || through > latest)
    problems.push(`run-out: through "${through}" must be a date after ${coveredThrough}, at most ${latest}`);
  else collect('run-out', table.runOut, addCalendarDays(coveredThrough, 1), through);
  if (problems.length > 0) throw invalid(problems);

  const lookups = { closures, settlingClosures, bankHolidays };
  let lastTradeDate = coveredThrough;
  while (!opensOn(lookups, lastTradeDate)) lastTradeDate = addCalendarDays(lastTradeDate, -1);
  // The last trade date runs in full only if the run-out answers its next trading and settlement day.
  for (const [what, accept] of [
    ['next trading day', opensOn],
    ['settlement day', settlesOn],
  ] as const) {
    let d = addCalendarDays(lastTradeDate, 1);
    while (d <= through && !accept(lookups, d)) d = addCalendarDays(d, 1);
    if (d > through)
      problems.push(
        `run-out: through ${through} does not reach the ${what} after the last trade date ${lastTradeDate}`,
      );
  }
  if (problems.length > 0) throw invalid(problems);

  return {
    years: Object.freeze(years),
    closures: Object.freeze(closures),
    settlingClosures,
    earlyCloses: Object.freeze(earlyCloses),
    bankHolidays: Object.freeze(bankHolidays),
    coverage: Object.freeze({
      version: table.version,
      checked: table.checked,
      firstDate: `${first}-01-01`,
      coveredThrough,
      lastTradeDate,
      answeredThrough: through,
    }),
  };
}

function invalid(problems: string[]): Error {
  return new Error(`market calendar table ${CALENDAR_DATA_FILE} is not valid: ${problems.join('; ')}`);
}

/** A date the calendar cannot answer: it refuses rather than guess (docs/calendar.md). */
export class CalendarCoverageError extends Error {
  override readonly name = 'CalendarCoverageError';

  constructor(
    readonly date: string,
    readonly coverage: CalendarCoverage,
    /** `trade-date`: a date that is answered but cannot run as a trade date (the run-out). */
    kind: 'date' | 'trade-date' = 'date',
  ) {
    super(coverageMessage(date, coverage, kind));
  }
}

/** The years to add to the table so that `date` is covered, e.g. "2029" or "2029 to 2031". */
export function yearsToAdd(date: string, c: CalendarCoverage): string {
  const year = Number(date.slice(0, 4));
  const firstYear = Number(c.firstDate.slice(0, 4));
  const lastYear = Number(c.coveredThrough.slice(0, 4));
  const [from, to] =
    date < c.firstDate ? [year, firstYear - 1] : [lastYear + 1, Math.max(year, lastYear + 1)];
  return from === to ? String(from) : `${from} to ${to}`;
}

function coverageMessage(date: string, c: CalendarCoverage, kind: 'date' | 'trade-date'): string {
  const what =
    kind === 'trade-date'
      ? `trade date ${date} is after the coverage end ${c.coveredThrough}`
      : `no data for ${date}`;
  return (
    `market calendar: ${what}; it covers trade dates ${c.firstDate} through ${c.coveredThrough} ` +
    `(table version ${c.version}, checked ${c.checked}). Add ${yearsToAdd(date, c)} to ${CALENDAR_DATA_FILE} ` +
    `from ${CALENDAR_SOURCES}, as docs/calendar.md "Adding a year" says; until then it refuses the date rather than guess`
  );
}
