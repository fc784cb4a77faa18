/**
 * NYSE trading calendar, T+1 settlement calendar and the ET daily clock (docs/domain.md §4).
 *
 * Pure and deterministic: this module is imported from Temporal workflow code. No I/O, no clock reads,
 * no randomness. Dates are ISO calendar dates 'YYYY-MM-DD'; instants are ISO-8601 UTC strings ending in 'Z'.
 *
 * The closure and early-close tables are hard-coded for CALENDAR_YEARS only. Asking about a date outside
 * them throws, so a gap in the calendar can never make us trade on a closed market.
 */
import { DateTime } from 'luxon';

export const ET_ZONE = 'America/New_York';

/** Years covered by the hard-coded tables below. */
export const CALENDAR_YEARS: readonly number[] = Object.freeze([2025, 2026, 2027]);

/** NYSE full-day closures (docs/domain.md §4.1), including the unscheduled 2025-01-09 closure. */
export const NYSE_CLOSURES: Readonly<Record<string, string>> = Object.freeze({
  '2025-01-01': "New Year's Day",
  '2025-01-09': 'National Day of Mourning (President Carter)',
  '2025-01-20': 'Martin Luther King Jr. Day',
  '2025-02-17': "Washington's Birthday",
  '2025-04-18': 'Good Friday',
  '2025-05-26': 'Memorial Day',
  '2025-06-19': 'Juneteenth',
  '2025-07-04': 'Independence Day',
  '2025-09-01': 'Labor Day',
  '2025-11-27': 'Thanksgiving',
  '2025-12-25': 'Christmas',

  '2026-01-01': "New Year's Day",
  '2026-01-19': 'Martin Luther King Jr. Day',
  '2026-02-16': "Washington's Birthday",
  '2026-04-03': 'Good Friday',
  '2026-05-25': 'Memorial Day',
  '2026-06-19': 'Juneteenth',
  '2026-07-03': 'Independence Day (observed)',
  '2026-09-07': 'Labor Day',
  '2026-11-26': 'Thanksgiving',
  '2026-12-25': 'Christmas',

  '2027-01-01': "New Year's Day",
  '2027-01-18': 'Martin Luther King Jr. Day',
  '2027-02-15': "Washington's Birthday",
  '2027-03-26': 'Good Friday',
  '2027-05-31': 'Memorial Day',
  '2027-06-18': 'Juneteenth (observed)',
  '2027-07-05': 'Independence Day (observed)',
  '2027-09-06': 'Labor Day',
  '2027-11-25': 'Thanksgiving',
  '2027-12-24': 'Christmas (observed)',
  // New Year's Day 2028 falls on a Saturday and is not observed: Fri 2027-12-31 is a normal trading day.
});

/**
 * Closures on which settlement (DTC/Fedwire) still runs (docs/domain.md §4.3): unscheduled closures, not holidays.
 */
export const SETTLING_CLOSURES: ReadonlySet<string> = new Set(['2025-01-09']);

/** 13:00 ET early closes (docs/domain.md §4.2). */
export const EARLY_CLOSES: Readonly<Record<string, string>> = Object.freeze({
  '2025-07-03': 'Day before Independence Day',
  '2025-11-28': 'Day after Thanksgiving',
  '2025-12-24': 'Christmas Eve',
  '2026-11-27': 'Day after Thanksgiving',
  '2026-12-24': 'Christmas Eve',
  '2027-11-26': 'Day after Thanksgiving',
});

/** Bank holidays on which the exchanges are open but nothing settles (docs/domain.md §4.3). */
export const NON_SETTLEMENT_TRADING_DAYS: Readonly<Record<string, string>> = Object.freeze({
  '2025-10-13': 'Columbus Day',
  '2025-11-11': 'Veterans Day',
  '2026-10-12': 'Columbus Day',
  '2026-11-11': 'Veterans Day',
  '2027-10-11': 'Columbus Day',
  '2027-11-11': 'Veterans Day',
});

export const MARKET_OPEN_ET = '09:30';
export const REGULAR_CLOSE_ET = '16:00';
export const EARLY_CLOSE_ET = '13:00';

// ---------------------------------------------------------------------------------------------------------
// Plain calendar-date arithmetic (no time zones involved)
// ---------------------------------------------------------------------------------------------------------

const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

interface Ymd {
  year: number;
  month: number;
  day: number;
}

function parseIsoDate(date: string): Ymd {
  const m = typeof date === 'string' ? ISO_DATE_RE.exec(date) : null;
  if (m) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    if (month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)) return { year, month, day };
  }
  throw new Error(`invalid date "${String(date)}": expected YYYY-MM-DD`);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function epochDay(date: string): number {
  const { year, month, day } = parseIsoDate(date);
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

function fromEpochDay(n: number): string {
  return new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Throws `invalid date "x": expected YYYY-MM-DD` unless `date` is a real calendar date in that format. */
export function assertIsoDate(date: string): void {
  parseIsoDate(date);
}

/** `date` plus `days` calendar days (negative goes back). */
export function addCalendarDays(date: string, days: number): string {
  if (!Number.isSafeInteger(days)) throw new Error(`addCalendarDays: days must be an integer, got ${days}`);
  return fromEpochDay(epochDay(date) + days);
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  const dow = new Date(epochDay(date) * MS_PER_DAY).getUTCDay();
  return dow === 0 ? 7 : dow;
}

export function isWeekend(date: string): boolean {
  return isoWeekday(date) >= 6;
}

function assertCovered(date: string): void {
  const { year } = parseIsoDate(date);
  if (!CALENDAR_YEARS.includes(year)) {
    throw new Error(
      `market calendar has no data for ${date} (year ${year}); covered years: ${CALENDAR_YEARS.join(', ')}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Trading calendar
// ---------------------------------------------------------------------------------------------------------

/** Name of the NYSE full-day closure on `date`, or undefined if NYSE is not closed for a holiday. */
export function holidayName(date: string): string | undefined {
  assertCovered(date);
  return NYSE_CLOSURES[date];
}

/** A weekday on which NYSE is open (full or early-close session). Throws outside CALENDAR_YEARS. */
export function isTradingDay(date: string): boolean {
  assertCovered(date);
  return !isWeekend(date) && NYSE_CLOSURES[date] === undefined;
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
  if (isWeekend(date)) return false;
  if (NON_SETTLEMENT_TRADING_DAYS[date] !== undefined) return false;
  return NYSE_CLOSURES[date] === undefined || SETTLING_CLOSURES.has(date);
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

/**
 * The UTC deadlines of trade date `tradeDate`. Early-close days use the shortened window.
 * Throws if `tradeDate` is not a trading day (or its next trading day is outside CALENDAR_YEARS).
 */
export function dayClock(tradeDate: string, settings?: Partial<DayClockSettings>): DayClock {
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
