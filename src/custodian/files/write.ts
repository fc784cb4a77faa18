/**
 * Writers of the custodian's start-of-day files, used by the custodian simulator.
 *
 * Each writer checks its rows against the row schema first and throws on a bad row (that is a
 * bug in the caller, not bad input from outside). Quirks seen at Apex can be switched on to
 * produce files like the real ones: lower-case symbols and CUSIPs, a header line in UAT, CRLF,
 * a byte-order mark.
 */
import { FILE_KINDS, type FileCode } from './names';
import {
  type Ext235Row,
  type Ext747Row,
  type Ext869Row,
  type Ext871Row,
  type Ext872Row,
  type Ext981Row,
  type ExtTaxlotRow,
  LAYOUTS,
  type Layout,
  type RowOf,
  type TAXLOT_OPTIONAL_KEYS,
  negateDecimal,
  rowIssues,
} from './schemas';

export interface WriteOptions {
  /** Write a header line. Default: true for EXT981 and EXT_TAXLOT, false for the others. */
  header?: boolean;
  /** UAT style: a header line (the trade file has one in UAT, none in prod). Same as header: true. */
  uat?: boolean;
  /** Write symbols, and CUSIPs unless lowerCaseCusips is false, in lower case, as Apex sometimes does. */
  lowerCaseSymbols?: boolean;
  /** Write CUSIPs in lower case (default: as lowerCaseSymbols). */
  lowerCaseCusips?: boolean;
  /** Line ending; default '\n'. */
  lineEnding?: '\n' | '\r\n';
  /** Start with a UTF-8 byte-order mark. */
  bom?: boolean;
  /** End the last line with a line ending; default true. */
  trailingNewline?: boolean;
}

/** EXT869 writer input: give amountIn (ours, + = money in), amount (Apex's sign) or both. */
export type Ext869Input = Omit<Ext869Row, 'amount' | 'amountIn'> &
  ({ amountIn: string; amount?: string } | { amount: string; amountIn?: string });

/** EXT_TAXLOT writer input: the optional columns may be left out (written empty). */
export type ExtTaxlotInput = Omit<ExtTaxlotRow, (typeof TAXLOT_OPTIONAL_KEYS)[number]> &
  Partial<Pick<ExtTaxlotRow, (typeof TAXLOT_OPTIONAL_KEYS)[number]>>;

export interface WriteInputs {
  EXT871: Ext871Row;
  EXT869: Ext869Input;
  EXT981: Ext981Row;
  EXT747: Ext747Row;
  EXT872: Ext872Row;
  EXT_TAXLOT: ExtTaxlotInput;
  EXT235: Ext235Row;
}

/** A CSV field, quoted when it has to be (delimiter, quote, line break, outer spaces). */
export function quoteField(value: string, delimiter: string): string {
  const needs =
    value.includes(delimiter) ||
    value.includes('"') ||
    value.includes('\n') ||
    value.includes('\r') ||
    value !== value.trim();
  return needs ? `"${value.replaceAll('"', '""')}"` : value;
}

function writeRows<R>(layout: Layout<R>, rows: readonly unknown[], opts: WriteOptions): string {
  const kind = FILE_KINDS[layout.code];
  const d = kind.delimiter;
  const eol = opts.lineEnding ?? '\n';
  const header = opts.header ?? (opts.uat === true || kind.header === 'required');
  const quirks = { lowerCaseSymbols: opts.lowerCaseSymbols, lowerCaseCusips: opts.lowerCaseCusips };
  const lines: string[] = [];
  if (header) lines.push(layout.columns.map((c) => c.name).join(d));
  rows.forEach((input, i) => {
    const row = (input ?? {}) as Record<string, unknown>;
    const issues = rowIssues(layout, row);
    if (issues.length > 0) {
      const what = issues.map(
        (e) => `${layout.columns.find((c) => c.key === e.key)?.name ?? e.key}: ${e.message}`,
      );
      throw new Error(`write${layout.code}: row ${i} is not valid: ${what.join('; ')}`);
    }
    const cells = layout.columns.map((c) => {
      const write = c.codec.write as (v: unknown, q: typeof quirks) => string;
      return quoteField(write(row[c.key], quirks), d);
    });
    lines.push(cells.join(d));
  });
  let out = lines.join(eol);
  if (lines.length > 0 && (opts.trailingNewline ?? true)) out += eol;
  return opts.bom ? `\uFEFF${out}` : out;
}

export function writeEXT871(rows: readonly Ext871Row[], opts: WriteOptions = {}): string {
  return writeRows(LAYOUTS.EXT871, rows, opts);
}

/** Writes EXT869 with Apex's sign: a deposit (amountIn 500.00) is written as -500.00. */
export function writeEXT869(rows: readonly Ext869Input[], opts: WriteOptions = {}): string {
  const full = rows.map((r) => {
    const amount = r.amount ?? (r.amountIn !== undefined ? negateDecimal(r.amountIn) : undefined);
    const amountIn = r.amountIn ?? (r.amount !== undefined ? negateDecimal(r.amount) : undefined);
    return { ...r, amount, amountIn };
  });
  return writeRows(LAYOUTS.EXT869, full, opts);
}

export function writeEXT981(rows: readonly Ext981Row[], opts: WriteOptions = {}): string {
  return writeRows(LAYOUTS.EXT981, rows, opts);
}

export function writeEXT747(rows: readonly Ext747Row[], opts: WriteOptions = {}): string {
  return writeRows(LAYOUTS.EXT747, rows, opts);
}

/** Trade activity; `uat: true` (or header: true) writes the header line UAT files have. */
export function writeEXT872(rows: readonly Ext872Row[], opts: WriteOptions = {}): string {
  return writeRows(LAYOUTS.EXT872, rows, opts);
}

export function writeEXT_TAXLOT(rows: readonly ExtTaxlotInput[], opts: WriteOptions = {}): string {
  const full = rows.map((r) => ({
    ...r,
    openSettleDate: r.openSettleDate ?? null,
    closingPrice: r.closingPrice ?? null,
    marketValue: r.marketValue ?? null,
    unrealizedGL: r.unrealizedGL ?? null,
  }));
  return writeRows(LAYOUTS.EXT_TAXLOT, full, opts);
}

export function writeEXT235(rows: readonly Ext235Row[], opts: WriteOptions = {}): string {
  return writeRows(LAYOUTS.EXT235, rows, opts);
}

const WRITERS: { [C in FileCode]: (rows: readonly WriteInputs[C][], opts?: WriteOptions) => string } = {
  EXT871: writeEXT871,
  EXT869: writeEXT869,
  EXT981: writeEXT981,
  EXT747: writeEXT747,
  EXT872: writeEXT872,
  EXT_TAXLOT: writeEXT_TAXLOT,
  EXT235: writeEXT235,
};

/** The writer for a code, for code that handles every kind alike. Parsed rows are valid inputs. */
export function writeCustodianFile<C extends FileCode>(
  code: C,
  rows: readonly (WriteInputs[C] | RowOf<C>)[],
  opts: WriteOptions = {},
): string {
  const writer = WRITERS[code] as (rows: readonly unknown[], opts?: WriteOptions) => string;
  return writer(rows, opts);
}
