/**
 * Pure calendar-day helpers on 'YYYY-MM-DD' strings (no Date, no clock, no time zone).
 */
import type { HoldingTerm } from './types';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parts(date: string): [number, number, number] {
  const m = DATE_RE.exec(date);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) throw new Error(`not a calendar date: ${date}`);
  return [y, mo, d];
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeapYear(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
}

const dayCache = new Map<string, number>();

/** Days since 1970-01-01 of a civil date (proleptic Gregorian; H. Hinnant's algorithm). */
export function dayNumber(date: string): number {
  const hit = dayCache.get(date);
  if (hit !== undefined) return hit;
  const [y0, m, d] = parts(date);
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const n = era * 146097 + doe - 719468;
  if (dayCache.size > 100_000) dayCache.clear();
  dayCache.set(date, n);
  return n;
}

/** The civil date of a day number (inverse of dayNumber). */
export function fromDayNumber(n: number): string {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function addDays(date: string, days: number): string {
  return fromDayNumber(dayNumber(date) + days);
}

/** Calendar days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  return dayNumber(b) - dayNumber(a);
}

/**
 * Holding term of shares bought on `openDate` and sold on `saleDate` (docs/domain.md §7.2): the holding period
 * starts the day after the trade date and includes the sale date; long-term if held more than one
 * year, i.e. the sale is after the first anniversary of the trade date. Bought 2025-03-15: a sale on
 * 2026-03-15 is ST, on 2026-03-16 LT. A purchase on Feb 29 has its anniversary on Feb 28.
 */
export function holdingTerm(openDate: string, saleDate: string): HoldingTerm {
  return saleDate > anniversary(openDate) ? 'LT' : 'ST';
}

const annivCache = new Map<string, string>();

/** First anniversary of a trade date (Feb 29 → Feb 28 in a common year). */
export function anniversary(openDate: string): string {
  let a = annivCache.get(openDate);
  if (a === undefined) {
    const [y, m, d] = parts(openDate);
    const day = m === 2 && d === 29 && !isLeapYear(y + 1) ? 28 : d;
    a = `${String(y + 1).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    if (annivCache.size > 100_000) annivCache.clear();
    annivCache.set(openDate, a);
  }
  return a;
}
