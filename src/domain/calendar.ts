/**
 * NYSE trading calendar, T+1 settlement calendar and the ET daily clock (docs/domain.md §4).
 *
 * Pure and deterministic: this module is imported from Temporal workflow code. No I/O, no clock reads,
 * no randomness. Dates are ISO calendar dates 'YYYY-MM-DD'; instants are ISO-8601 UTC strings ending in 'Z'.
 *
 * The dates come from one versioned table with its sources, src/domain/calendar-data.ts (docs/calendar.md).
 * Asking about a date the table does not answer throws a CalendarCoverageError that names the date, the
 * coverage and what to do, so a gap in the calendar can never make us trade on a closed market.
 */
import { DateTime } from 'luxon';
import { MARKET_CALENDAR } from './calendar-data';
import {
  type CalendarCoverage,
  CalendarCoverageError,
  buildCalendar,
  opensOn,
  settlesOn,
} from './calendar-table';
import { epochDay, fromEpochDay, isWeekend, parseIsoDate } from './iso-date';

export { addCalendarDays, assertIsoDate, daysBetween, isWeekend, isoWeekday } from './iso-date';
export { type CalendarCoverage, CalendarCoverageError } from './calendar-table';

export const ET_ZONE = 'America/New_York';

const CAL = buildCalendar(MARKET_CALENDAR);

/** What the calendar answers: trade dates firstDate..coveredThrough, questions through answeredThrough. */
export const CALENDAR_COVERAGE: CalendarCoverage = CAL.coverage;

/** The whole years of the table. */
export const CALENDAR_YEARS: readonly number[] = CAL.years;

/** NYSE full-day closures (docs/domain.md §4.1), including the unscheduled 2025-01-09 closure. */
export const NYSE_CLOSURES: Readonly<Record<string, string>> = CAL.closures;

/** Closures on which settlement (DTC/Fedwire) still runs (docs/domain.md §4.3): unscheduled closures, not holidays. */
export const SETTLING_CLOSURES: ReadonlySet<string> = CAL.settlingClosures;

/** 13:00 ET early closes (docs/domain.md §4.2). */
export const EARLY_CLOSES: Readonly<Record<string, string>> = CAL.earlyCloses;

/** Bank holidays on which the exchanges are open but nothing settles (docs/domain.md §4.3). */
export const NON_SETTLEMENT_TRADING_DAYS: Readonly<Record<string, string>> = CAL.bankHolidays;

export const MARKET_OPEN_ET = '09:30';
export const REGULAR_CLOSE_ET = '16:00';
export const EARLY_CLOSE_ET = '13:00';

/** Every question about a date goes through here: outside the table it throws, never guesses. */
function assertCovered(date: string): void {
  parseIsoDate(date);
  if (date < CALENDAR_COVERAGE.firstDate || date > CALENDAR_COVERAGE.answeredThrough)
    throw new CalendarCoverageError(date, CALENDAR_COVERAGE);
}

/**
 * A trade date runs in full (its next trading day and its settlement day are answered) only up to the
 * coverage end: dates of the run-out are answered, but cannot run as trade dates. Throws a
 * CalendarCoverageError otherwise (whether the market is open that day is another question).
 */
export function assertCoveredTradeDate(tradeDate: string): void {
  assertCovered(tradeDate);
  if (tradeDate > CALENDAR_COVERAGE.coveredThrough)
    throw new CalendarCoverageError(tradeDate, CALENDAR_COVERAGE, 'trade-date');
}

// ---------------------------------------------------------------------------------------------------------
// Trading calendar
// ---------------------------------------------------------------------------------------------------------

/** Name of the NYSE full-day closure on `date`, or undefined if NYSE is not closed for a holiday. */
export function holidayName(date: string): string | undefined {
  assertCovered(date);
  return NYSE_CLOSURES[date];
}

/** A weekday on which NYSE is open (full or early-close session). Throws outside the coverage. */
export function isTradingDay(date: string): boolean {
  assertCovered(date);
  return opensOn(CAL, date);
}

/** A trading day on which NYSE closes at 13:00 ET. */
export function isEarlyClose(date: string): boolean {
  assertCovered(date);
  return EARLY_CLOSES[date] !== undefined && isTradingDay(date);
}

/** The regular-session close, 'HH:MM' ET. Throws if `date` is not a trading day. */
export function marketCloseEt(date: string): string {
  if (!isTradingDay(date)) throw new Error(`${date} is not a trading day: the market does not close`);
  return isEarlyClose(date) ? EARLY_CLOSE_ET : REGULAR_CLOSE_ET;
}

function stepUntil(date: string, step: 1 | -1, accept: (d: string) => boolean): string {
  assertCovered(date);
  let n = epochDay(date);
  // Never more than a handful of days between trading/settlement days; the bound is a safety net.
  for (let i = 0; i < 31; i++) {
    n += step;
    const d = fromEpochDay(n);
    if (accept(d)) return d;
  }
  throw new Error(`no matching day within 31 days of ${date}`);
}

/** The first trading day strictly after `date`. */
export function nextTradingDay(date: string): string {
  return stepUntil(date, 1, isTradingDay);
}

/** The last trading day strictly before `date`. */
export function previousTradingDay(date: string): string {
  return stepUntil(date, -1, isTradingDay);
}

/** Trading days from `from` to `to`, both inclusive (empty if `to` < `from`). */
export function tradingDaysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const end = epochDay(to);
  if (end < epochDay(from)) return days;
  assertCovered(from);
  assertCovered(to);
  for (let n = epochDay(from); n <= end; n++) {
    const d = fromEpochDay(n);
    if (isTradingDay(d)) days.push(d);
  }
  return days;
}

// ---------------------------------------------------------------------------------------------------------
// Settlement calendar (T+1)
// ---------------------------------------------------------------------------------------------------------

/**
 * A weekday that is neither an NYSE holiday nor a bank holiday (Columbus Day, Veterans Day).
 * Unscheduled NYSE closures that still settle (2025-01-09) are settlement days.
 */
export function isSettlementDay(date: string): boolean {
  assertCovered(date);
  return settlesOn(CAL, date);
}

/** The first settlement day strictly after `date`. T+1 settlement date = nextSettlementDay(tradeDate). */
export function nextSettlementDay(date: string): string {
  return stepUntil(date, 1, isSettlementDay);
}

// ---------------------------------------------------------------------------------------------------------
// ET <-> UTC
// ---------------------------------------------------------------------------------------------------------

const HHMM_RE = /^(\d{2}):(\d{2})$/;

/** Parses 'HH:MM' (00:00–23:59); throws a clear Error otherwise. */
export function parseHhmm(hhmm: string): { hour: number; minute: number } {
  const m = typeof hhmm === 'string' ? HHMM_RE.exec(hhmm) : null;
  if (m) {
    const hour = Number(m[1]);
    const minute = Number(m[2]);
    if (hour <= 23 && minute <= 59) return { hour, minute };
  }
  throw new Error(`invalid time "${String(hhmm)}": expected HH:MM between 00:00 and 23:59`);
}

function minutesOf(hhmm: string): number {
  const { hour, minute } = parseHhmm(hhmm);
  return hour * 60 + minute;
}

function toUtcIso(dt: DateTime): string {
  const iso = dt.toUTC().toISO({ suppressMilliseconds: true });
  if (iso === null) throw new Error(`invalid DateTime: ${dt.invalidExplanation ?? 'unknown reason'}`);
  return iso;
}

/**
 * The UTC instant of wall-clock `hhmm` in America/New_York on `date`.
 * A wall time that does not exist (the spring-forward gap) throws; an ambiguous one (the repeated hour in
 * autumn) resolves to the first occurrence (EDT). Trading-day times are never affected: DST changes on Sundays.
 */
export function etToUtc(date: string, hhmm: string): string {
  const { year, month, day } = parseIsoDate(date);
  const { hour, minute } = parseHhmm(hhmm);
  const dt = DateTime.fromObject({ year, month, day, hour, minute }, { zone: ET_ZONE });
  const matches = (c: DateTime): boolean =>
    c.isValid &&
    c.year === year &&
    c.month === month &&
    c.day === day &&
    c.hour === hour &&
    c.minute === minute;
  if (!matches(dt)) throw new Error(`${date} ${hhmm} does not exist in ${ET_ZONE} (DST gap)`);
  const earlier = dt.minus({ hours: 1 }).setZone(ET_ZONE);
  return toUtcIso(matches(earlier) ? earlier : dt);
}

const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an ISO-8601 instant with an explicit zone designator ('Z' or ±HH:MM). */
export function parseInstant(instant: string): DateTime {
  const dt =
    typeof instant === 'string' && INSTANT_RE.test(instant)
      ? DateTime.fromISO(instant, { zone: 'utc' })
      : null;
  if (dt === null || !dt.isValid) {
    throw new Error(`invalid instant "${String(instant)}": expected ISO-8601 UTC like 2026-07-15T16:00:00Z`);
  }
  return dt;
}

/** The America/New_York calendar date of a UTC instant. */
export function utcToEtDate(instant: string): string {
  const iso = parseInstant(instant).setZone(ET_ZONE).toISODate();
  if (iso === null) throw new Error(`invalid instant "${instant}"`);
  return iso;
}

// ---------------------------------------------------------------------------------------------------------
// The day's clock (docs/domain.md §4.5)
// ---------------------------------------------------------------------------------------------------------

/** The day's deadlines as UTC instants. */
export interface DayClock {
  /** Proposals not approved by now are not traded today. */
  approvalCutoff: string;
  /** Orders are released. */
  windowOpen: string;
  /** Remaining open orders are cancelled; residuals decided. */
  windowClose: string;
  /** Next trading day's morning: match confirms and positions (T+1 SOD). */
  confirmAt: string;
}

/** Wall-clock 'HH:MM' times in America/New_York. */
export interface DayClockSettings {
  approvalCutoffEt: string;
  windowOpenEt: string;
  windowCloseEt: string;
  /** On the next trading day. */
  confirmAtEt: string;
  earlyCloseApprovalCutoffEt: string;
  earlyCloseWindowOpenEt: string;
  earlyCloseWindowCloseEt: string;
}

export const DEFAULT_DAY_CLOCK_SETTINGS: DayClockSettings = Object.freeze({
  approvalCutoffEt: '11:45',
  windowOpenEt: '12:00',
  windowCloseEt: '14:00',
  confirmAtEt: '06:30',
  earlyCloseApprovalCutoffEt: '11:15',
  earlyCloseWindowOpenEt: '11:30',
  earlyCloseWindowCloseEt: '12:45',
});

/**
 * Settings merged over the defaults (undefined values are ignored) and validated: every time is 'HH:MM',
 * approval cutoff ≤ window open < window close ≤ the session close, for both regular and early-close days.
 */
export function resolveDayClockSettings(settings: Partial<DayClockSettings> = {}): DayClockSettings {
  const merged: DayClockSettings = { ...DEFAULT_DAY_CLOCK_SETTINGS };
  for (const key of Object.keys(DEFAULT_DAY_CLOCK_SETTINGS) as (keyof DayClockSettings)[]) {
    const value = settings[key];
    if (value !== undefined) merged[key] = value;
  }
  for (const key of Object.keys(merged) as (keyof DayClockSettings)[]) {
    try {
      parseHhmm(merged[key]);
    } catch (e) {
      throw new Error(`day clock setting ${key}: ${(e as Error).message}`);
    }
  }
  checkWindow(
    'regular',
    merged.approvalCutoffEt,
    merged.windowOpenEt,
    merged.windowCloseEt,
    REGULAR_CLOSE_ET,
  );
  checkWindow(
    'early-close',
    merged.earlyCloseApprovalCutoffEt,
    merged.earlyCloseWindowOpenEt,
    merged.earlyCloseWindowCloseEt,
    EARLY_CLOSE_ET,
  );
  return merged;
}

function checkWindow(kind: string, cutoff: string, open: string, close: string, marketClose: string): void {
  if (!(minutesOf(cutoff) <= minutesOf(open) && minutesOf(open) < minutesOf(close))) {
    throw new Error(
      `day clock (${kind}): expected approval cutoff ${cutoff} <= window open ${open} < window close ${close}`,
    );
  }
  if (minutesOf(close) > minutesOf(marketClose)) {
    throw new Error(`day clock (${kind}): window close ${close} is after the ${marketClose} ET market close`);
  }
}

/** The longest the day's buy blocks wait for its sell blocks (docs/domain.md §8.6). */
export const BUY_DEADLINE_MAX_MS = 30 * 60_000;

/**
 * When the day's buy blocks start at the latest, whatever the sells are doing (docs/domain.md §8.6):
 * `windowOpen + min(30 minutes, a quarter of the window)`. The buys start when every sell block has
 * ended or at this instant, whichever comes first, so a sell held open (a halted security) does not
 * hold the day's buys until the close. A UTC instant (ISO 8601).
 */
export function buyDeadline(clock: Pick<DayClock, 'windowOpen' | 'windowClose'>): string {
  const open = Date.parse(clock.windowOpen);
  const close = Date.parse(clock.windowClose);
  if (Number.isNaN(open) || Number.isNaN(close) || close < open)
    throw new Error(
      `buyDeadline: expected windowOpen <= windowClose, got ${clock.windowOpen} and ${clock.windowClose}`,
    );
  return new Date(open + Math.min(BUY_DEADLINE_MAX_MS, Math.floor((close - open) / 4))).toISOString();
}

/**
 * The UTC deadlines of trade date `tradeDate`. Early-close days use the shortened window.
 * Throws if `tradeDate` is not a trading day, or is after the calendar's coverage end.
 */
export function dayClock(tradeDate: string, settings?: Partial<DayClockSettings>): DayClock {
  assertCoveredTradeDate(tradeDate);
  if (!isTradingDay(tradeDate)) {
    const why = holidayName(tradeDate) ?? (isWeekend(tradeDate) ? 'weekend' : 'closed');
    throw new Error(`${tradeDate} is not a trading day (${why})`);
  }
  const s = resolveDayClockSettings(settings);
  const early = isEarlyClose(tradeDate);
  return {
    approvalCutoff: etToUtc(tradeDate, early ? s.earlyCloseApprovalCutoffEt : s.approvalCutoffEt),
    windowOpen: etToUtc(tradeDate, early ? s.earlyCloseWindowOpenEt : s.windowOpenEt),
    windowClose: etToUtc(tradeDate, early ? s.earlyCloseWindowCloseEt : s.windowCloseEt),
    confirmAt: etToUtc(nextTradingDay(tradeDate), s.confirmAtEt),
  };
}
