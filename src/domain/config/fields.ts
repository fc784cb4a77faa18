/**
 * The field types of the book's configuration (models, accounts, households, restrictions,
 * securities, advisors), as zod schemas shared by the API, the CLI and the CSV import, so a value
 * is refused the same way whichever door it comes through. Pure: no I/O.
 */
import { z } from 'zod';
import { assertIsoDate } from '../calendar';
import { Dec } from '../money';
import { findUnstorable, refineStorable } from '../text';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Free text (names, reasons, notes): trimmed, no control characters, nothing PostgreSQL cannot
 * store (NUL, unpaired surrogates: src/domain/text.ts).
 */
export const text = (max: number, what = 'text') =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`)
    .superRefine(refineStorable)
    .refine(
      (s) => findUnstorable(s) !== undefined || !CONTROL_RE.test(s),
      `${what} must not contain control characters`,
    );

/** An identifier: 1 to `max` letters, digits, '-' or '_'. */
export const ident = (what: string, max = 30) =>
  z
    .string()
    .regex(new RegExp(`^[A-Za-z0-9_-]{1,${max}}$`), `is not ${what} (1-${max} letters, digits, - or _)`);

export const AccountId = ident('an account id');
export const AdvisorId = ident('an advisor id', 40);
export const HouseholdId = ident('a household id');
export const ModelId = ident('a model id');

/** A ticker: upper-case letters and digits, may hold a '.' (BRK.B); 1 to 12 characters. */
export const Ticker = z
  .string()
  .regex(/^[A-Z][A-Z0-9.]{0,11}$/, 'is not a symbol (upper-case letters, digits and ., e.g. VTI)');

/** A CUSIP: nine characters, digits and upper-case letters (and *, @, # as CUSIP allows). */
export const Cusip = z.string().regex(/^[0-9A-Z*@#]{9}$/, 'is not a CUSIP (nine characters, 0-9 and A-Z)');

/** The custodian's account number (Apex: up to 13 characters, e.g. 3ZO00001). */
export const CustodianAccountNumber = z
  .string()
  .regex(/^[A-Z0-9]{4,13}$/, 'is not a custodian account number (4-13 upper-case letters and digits)');

export const AssetClass = z
  .string()
  .regex(
    /^[A-Z][A-Z0-9_]{0,39}$/,
    'is not an asset class (upper-case letters, digits and _, e.g. US_EQUITY)',
  );

export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
  .refine((s) => {
    try {
      assertIsoDate(s);
      return true;
    } catch {
      return false;
    }
  }, 'is not a calendar date');

const DECIMAL_RE = /^\d{1,18}(\.\d{1,18})?$/;

/** A non-negative decimal string within [min, max] (bounds inclusive unless `below`). */
export function decimalIn(
  bounds: { min?: string; max?: string; below?: string; positive?: boolean },
  what = 'value',
) {
  return z
    .string()
    .regex(DECIMAL_RE, `${what} must be a non-negative decimal number written as a string, e.g. "0.05"`)
    .superRefine((s, ctx) => {
      if (!DECIMAL_RE.test(s)) return;
      const d = new Dec(s);
      const fail = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message });
      if (bounds.positive && d.lte(0)) fail(`${what} must be greater than 0`);
      if (bounds.min !== undefined && d.lt(bounds.min)) fail(`${what} must be at least ${bounds.min}`);
      if (bounds.max !== undefined && d.gt(bounds.max)) fail(`${what} must be at most ${bounds.max}`);
      if (bounds.below !== undefined && d.gte(bounds.below)) fail(`${what} must be below ${bounds.below}`);
    });
}

/** A fraction in [0, max] ('0.05' = 5 %). */
export const fraction = (max = '1') => decimalIn({ max }, 'a fraction');

/** Money in dollars, at most cents. */
export const Money = z
  .string()
  .regex(/^\d{1,15}(\.\d{1,2})?$/, 'must be an amount in dollars written as a string, e.g. "50" or "50.00"');

/** A signed amount in dollars (+ = into the account), at most cents. */
export const SignedMoney = z
  .string()
  .regex(/^-?\d{1,15}(\.\d{1,2})?$/, 'must be an amount in dollars, e.g. "25000.00" or "-15000.00"');

/** A quantity of shares at the custodian's precision (5 dp), above zero. */
export const Quantity = z
  .string()
  .regex(/^\d{1,18}(\.\d{1,5})?$/, 'must be a quantity written as a string with at most 5 decimals')
  .refine((s) => !/^\d{1,18}(\.\d{1,5})?$/.test(s) || new Dec(s).gt(0), 'must be greater than 0');

/** A unit price or cost (up to 6 dp), not negative. */
export const UnitCost = z
  .string()
  .regex(/^\d{1,12}(\.\d{1,6})?$/, 'must be a price written as a string with at most 6 decimals');

export const Registration = z.enum(['TAXABLE', 'IRA', 'ROTH']);
export type Registration = z.infer<typeof Registration>;
export const Mode = z.enum(['AUTO', 'MANUAL']);
export type Mode = z.infer<typeof Mode>;
export const LotMethod = z.enum(['FIFO', 'LIFO', 'HIFO', 'MIN_TAX', 'SPEC_ID']);
export type LotMethod = z.infer<typeof LotMethod>;
export const RestrictionKind = z.enum(['NO_BUY', 'NO_SELL', 'NO_TRADE']);
export const RestrictionScope = z.enum(['ACCOUNT', 'ADVISOR', 'FIRM']);
export type RestrictionScope = z.infer<typeof RestrictionScope>;
export const AccountStatus = z.enum(['ACTIVE', 'PENDING_SETUP', 'CLOSED']);
export type AccountStatus = z.infer<typeof AccountStatus>;
export const SecurityType = z.enum(['ETF', 'EQUITY', 'MUTUAL_FUND']);
export const Email = z
  .string()
  .max(200)
  .regex(/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/, 'is not an e-mail address')
  .superRefine(refineStorable)
  .refine((s) => !CONTROL_RE.test(s), 'is not an e-mail address (control characters)');
