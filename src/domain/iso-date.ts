/**
 * Plain calendar-date arithmetic on ISO dates 'YYYY-MM-DD' (no time zones, no clock): the ground the
 * market calendar (src/domain/calendar.ts) stands on. Pure; workflow code imports it.
 */

const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

export interface Ymd {
  year: number;
  month: number;
  day: number;
}

export function parseIsoDate(date: string): Ymd {
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

/** Days since 1970-01-01. */
export function epochDay(date: string): number {
  const { year, month, day } = parseIsoDate(date);
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

/** The date `n` days after 1970-01-01. */
export function fromEpochDay(n: number): string {
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

/** Calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return epochDay(to) - epochDay(from);
}
