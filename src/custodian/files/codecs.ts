/**
 * Field codecs for the custodian's start-of-day files.
 *
 * A codec knows one kind of field three ways:
 * - `read`: the file's text (already trimmed) to the value in a parsed row, or what is wrong;
 * - `check`: whether a row value is valid (the same rules; used by writers and the row schemas);
 * - `write`: how a row value is written back into the file.
 * `row` is the zod schema of the value, built from `check`, for the exported row schemas.
 *
 * The parser calls read/check directly rather than through zod effects: a file of 100,000 rows
 * has 1.6 million fields and zod refinements cost a microsecond or more each. Decimal strings are
 * still checked with the zDecimal schema of src/domain/money.ts, and prices, quantities and money
 * never pass through a JS number.
 */
import { z } from 'zod';
import { zDecimal } from '../../domain/money';

/** Quirk switches a codec's writer may honour. */
export interface WriteQuirks {
  /** Lower-case symbols, and CUSIPs too unless lowerCaseCusips is false. */
  lowerCaseSymbols?: boolean;
  lowerCaseCusips?: boolean;
}

function lowerCusips(q: WriteQuirks): boolean {
  return q.lowerCaseCusips ?? q.lowerCaseSymbols ?? false;
}

export type Read<V> = { ok: true; value: V } | { ok: false; message: string };

export interface Codec<V> {
  read: (raw: string) => Read<V>;
  /** undefined when the value is valid, else what is wrong. */
  check: (value: unknown) => string | undefined;
  write: (value: V, quirks: WriteQuirks) => string;
  row: z.ZodType<V, z.ZodTypeDef, unknown>;
  /** Lower-case in the file counts as the "lower-case symbols/CUSIPs" quirk. */
  caseQuirk?: 'symbol' | 'cusip';
}

/** Decimal places allowed by kind of number. */
export const DP = { qty: 5, money: 2, price: 6, factor: 10 } as const;

function ok<V>(value: V): Read<V> {
  return { ok: true, value };
}

function bad<V>(message: string): Read<V> {
  return { ok: false, message };
}

/** The zod schema of a value whose rules are `check`. */
function zodOf<V>(check: (v: unknown) => string | undefined): z.ZodType<V, z.ZodTypeDef, unknown> {
  return z.unknown().superRefine((v, ctx) => {
    const message = check(v);
    if (message !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  }) as unknown as z.ZodType<V, z.ZodTypeDef, unknown>;
}

/**
 * A codec for string values: `rule` says what is wrong with a (normalised) string, if anything;
 * `normalise` turns the file's text into the row's value (e.g. upper case); `nullable` reads
 * an empty field as null.
 */
function stringCodec(
  rule: (s: string) => string | undefined,
  normalise?: (s: string) => string,
): Codec<string> {
  const check = (v: unknown) => (typeof v !== 'string' ? 'must be a string' : rule(v));
  const read = (raw: string): Read<string> => {
    const value = normalise ? normalise(raw) : raw;
    const message = rule(value);
    return message === undefined ? ok(value) : bad(message);
  };
  return { read, check, write: identity, row: zodOf<string>(check) };
}

function nullable(c: Codec<string>): Codec<string | null> {
  const check = (v: unknown) => (v === null ? undefined : c.check(v));
  return {
    read: (raw) => (raw === '' ? ok(null) : c.read(raw)),
    check,
    write: (v, q) => (v === null ? '' : c.write(v, q)),
    row: zodOf<string | null>(check),
    caseQuirk: c.caseQuirk,
  };
}

function identity(s: string): string {
  return s;
}

function upper(s: string): string {
  return s.toUpperCase();
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: we are looking for control characters on purpose
const CONTROL_RE = /[\u0000-\u0008\u000a-\u001f\u007f\ufeff\ufffd]/;
const NO_CONTROL = 'must be one line of text without control characters, U+FEFF or U+FFFD';

/* ------------------------------------------------------------------ text and codes */

/** Free text (descriptions). */
export function text(opts: { required: boolean; max?: number }): Codec<string> {
  const max = opts.max ?? 200;
  return stringCodec((s) => {
    if (s.length > max) return `must be at most ${max} characters`;
    if (CONTROL_RE.test(s)) return NO_CONTROL;
    if (opts.required && s.trim() === '') return 'is required but empty';
    return undefined;
  });
}

const IDENT_RE = /^[A-Za-z0-9._:/-]+$/;

/** An identifier: letters, digits and . _ : / -, no spaces; '' when not required. */
export function ident(opts: { required: boolean; max?: number; what: string }): Codec<string> {
  const max = opts.max ?? 40;
  return stringCodec((s) => {
    if (s === '') return opts.required ? 'is required but empty' : undefined;
    if (s.length > max) return `must be at most ${max} characters`;
    if (!IDENT_RE.test(s)) return `must be ${opts.what} (letters, digits, . _ : / -)`;
    return undefined;
  });
}

/** A code from a pattern; letters are upper-cased when read. */
export function code(re: RegExp, what: string): Codec<string> {
  return stringCodec((s) => (re.test(s) ? undefined : `must be ${what}`), upper);
}

/** One of a fixed set of values; read case-insensitively. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T): Codec<T[number]> {
  const set = new Set<string>(values);
  return stringCodec(
    (s) => (set.has(s) ? undefined : `must be one of ${values.join(', ')}`),
    upper,
  ) as unknown as Codec<T[number]>;
}

export const accountNumber = ident({ required: true, max: 20, what: 'an account number' });
export const accType = code(/^[0-9A-Z]$/, 'a one-character account type code, e.g. 1 (cash), 2 (margin)');
export const securityType = code(/^[0-9A-Z]$/, 'a one-character security type code, e.g. A or C');
export const currency = code(/^[A-Z]{3}$/, 'a three-letter currency code, e.g. USD');

/* ------------------------------------------------------------------ CUSIP and symbol */

const CUSIP_RE = /^[0-9A-Z*@#]{9}$/;
const SYMBOL_RE = /^[A-Z0-9][A-Z0-9./-]{0,14}$/;

export const cusip: Codec<string> = {
  ...code(CUSIP_RE, 'a 9-character CUSIP (letters and digits)'),
  write: (v, q) => (lowerCusips(q) ? v.toLowerCase() : v),
  caseQuirk: 'cusip',
};
export const optCusip = nullable(cusip);

export const symbol: Codec<string> = {
  ...code(SYMBOL_RE, 'a ticker symbol (letters, digits, . / -; at most 15 characters)'),
  write: (v, q) => (q.lowerCaseSymbols ? v.toLowerCase() : v),
  caseQuirk: 'symbol',
};
export const optSymbol = nullable(symbol);

/* ------------------------------------------------------------------ dates and times */

const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const FILE_DATE_RE = /^\d{8}$/;

/** True for a real calendar date given as year, month (1-12) and day. */
export function isRealDate(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= (days[m - 1] ?? 0);
}

function isoRule(s: string): string | undefined {
  const m = ISO_DATE_RE.exec(s);
  if (!m) return 'must be a date written YYYY-MM-DD';
  return isRealDate(Number(m[1]), Number(m[2]), Number(m[3])) ? undefined : 'is not a real calendar date';
}

/** zod: a calendar date 'YYYY-MM-DD'. */
export const zIsoDate = z.string().superRefine((s, ctx) => {
  const message = isoRule(s);
  if (message !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
});

/** 'YYYYMMDD' -> 'YYYY-MM-DD' (no validation of the calendar). */
export function fileDateToIso(s: string): string {
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

/** 'YYYY-MM-DD' -> 'YYYYMMDD'. */
export function isoToFileDate(s: string): string {
  return s.replaceAll('-', '');
}

function dateCheck(v: unknown): string | undefined {
  return typeof v !== 'string' ? 'must be a date string YYYY-MM-DD' : isoRule(v);
}

export const date: Codec<string> = {
  read: (raw) => {
    if (!FILE_DATE_RE.test(raw)) return bad('must be a date written YYYYMMDD');
    const iso = fileDateToIso(raw);
    return isoRule(iso) === undefined ? ok(iso) : bad('is not a real calendar date');
  },
  check: dateCheck,
  write: isoToFileDate,
  row: zodOf<string>(dateCheck),
};
export const optDate = nullable(date);

/** Execution time 'HHMM' (Eastern Time, no seconds), as Apex writes it. */
export const hhmm = stringCodec((s) =>
  /^([01]\d|2[0-3])[0-5]\d$/.test(s)
    ? undefined
    : 'must be a time written HHMM (24-hour, Eastern Time), e.g. 1305',
);

/* ------------------------------------------------------------------ decimals */

export type Sign = 'any' | 'nonneg' | 'positive';

function decimals(s: string): number {
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** What is wrong with a decimal string, if anything (zDecimal, then places and sign). */
export function decimalRule(s: string, dp: number, sign: Sign): string | undefined {
  const r = zDecimal.safeParse(s);
  if (!r.success) return r.error.issues[0]?.message ?? 'must be a decimal number';
  if (decimals(s) > dp) return `must have at most ${dp} decimal places`;
  if (sign !== 'any' && s.startsWith('-')) return 'must not be negative';
  if (sign === 'positive' && !/[1-9]/.test(s)) return 'must be greater than zero';
  return undefined;
}

/** zod: a decimal string with at most `dp` places and the given sign. */
export function zDec(dp: number, sign: Sign = 'any'): z.ZodType<string, z.ZodTypeDef, unknown> {
  return zDecimal.superRefine((s, ctx) => {
    const message = decimalRule(s, dp, sign);
    if (message !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  });
}

export function decimal(dp: number, sign: Sign = 'any'): Codec<string> {
  return stringCodec((s) => decimalRule(s, dp, sign));
}

export function optDecimal(dp: number, sign: Sign = 'any'): Codec<string | null> {
  return nullable(decimal(dp, sign));
}

export const qty = (sign: Sign = 'any') => decimal(DP.qty, sign);
export const money = (sign: Sign = 'any') => decimal(DP.money, sign);
export const price = (sign: Sign = 'nonneg') => decimal(DP.price, sign);
