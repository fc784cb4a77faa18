/**
 * The parser of the custodian's start-of-day files: one entry point for every kind.
 *
 * All or nothing per file: a file with any bad row gives ok:false with every error found (up to
 * maxErrors) and no rows. It never throws: csv syntax errors, bad encodings, wrong column
 * counts and bad values all come back as FileErrors that say which file, which line, which
 * field and what is wrong.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { FILE_KINDS, type FileCode, isFileCode, parseFileName } from './names';
import { type Column, LAYOUTS, type Layout, type RowOf, rowIssues } from './schemas';
import { checksum, decodeText, issueField } from './text';

export interface FileError {
  /** The file name as given to the parser. */
  file: string;
  /** 1-based line in the file; 0 = the file as a whole. */
  line: number;
  /** The column name as in the file's layout, e.g. 'TradeQuantity'. */
  field?: string;
  /** What is wrong, e.g. 'must be a decimal number ... (got "1,5")'. formatFileError adds the where. */
  message: string;
}

/** 'EXT871_ZOE_20261124.csv line 7, field TradeQuantity: must be a decimal number ...'. */
export function formatFileError(e: FileError): string {
  const where = e.line > 0 ? `${e.file} line ${e.line}` : e.file;
  return e.field ? `${where}, field ${e.field}: ${e.message}` : `${where}: ${e.message}`;
}

export interface FileQuirks {
  /** A header line was present (UAT style for EXT872). */
  header: boolean;
  bom: boolean;
  crlf: boolean;
  /** Rows where a symbol, respectively a CUSIP, arrived in lower (or mixed) case. */
  lowerCaseSymbols: number;
  lowerCaseCusips: number;
  missingTrailingNewline: boolean;
}

export interface ParseOk<R> {
  ok: true;
  file: string;
  code: FileCode;
  rows: R[];
  /** The 1-based file line each row was read from (rows[i] from line lines[i]). */
  lines: number[];
  rowCount: number;
  checksum: string;
  quirks: FileQuirks;
  /** Things worth knowing that do not make the file bad (e.g. an empty file, an unknown column). */
  warnings: FileError[];
}

export interface ParseFailure {
  ok: false;
  file: string;
  code: FileCode;
  errors: FileError[];
  /** Errors found before parsing stopped (it stops once maxErrors are collected); errors.length <= maxErrors. */
  errorCount: number;
  checksum: string;
}

export type ParseResult<R> = ParseOk<R> | ParseFailure;

export interface ParseOptions {
  /** Check each row's process date against the date in the file name (if the name parses). Default true. */
  checkProcessDate?: boolean;
  /** Refuse a file whose last line has no line ending (it may be truncated). Default false. */
  requireTrailingNewline?: boolean;
  /** Stop collecting errors after this many. Default 100. */
  maxErrors?: number;
}

export const DEFAULT_MAX_ERRORS = 100;

class Errors {
  readonly list: FileError[] = [];
  count = 0;
  constructor(
    private readonly file: string,
    private readonly max: number,
  ) {}
  add(line: number, reason: string, field?: string): void {
    this.count++;
    if (this.list.length < this.max) this.list.push(makeError(this.file, line, reason, field));
  }
  get full(): boolean {
    return this.list.length >= this.max;
  }
}

function makeError(file: string, line: number, message: string, field?: string): FileError {
  return field ? { file, line, field, message } : { file, line, message };
}

function show(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', '|': 'pipe', ';': 'semicolon', '\t': 'tab' };

interface CsvRecord {
  fields: string[];
  line: number;
}

interface CsvSyntaxError {
  code?: string;
  lines?: number;
  message?: string;
}

function describeCsvError(code: string | undefined, message: string | undefined): string {
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field starting on this line is never closed (truncated file or a stray ")';
    case 'INVALID_OPENING_QUOTE':
      return 'a quote (") appears inside an unquoted field; quote the whole field and double the quotes inside it';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'characters follow a closing quote ("); quote the whole field and double the quotes inside it';
    default:
      return `unreadable CSV: ${(message ?? 'unknown error').replace(/\s+at line \d+.*$/s, '')}`;
  }
}

/** csv-parse's errors for a quote in the wrong place (the field goes on past it). */
const QUOTE_ERRORS = new Set([
  'INVALID_OPENING_QUOTE',
  'CSV_INVALID_CLOSING_QUOTE',
  'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE',
]);

/** Thrown from on_skip to stop csv-parse after a quote error (see readRecords). */
const RESTART = Symbol('restart after a quote error');

/**
 * Splits the text into records with csv-parse, collecting syntax errors instead of throwing.
 * After a stray or misplaced quote csv-parse carries on inside the broken field, so it would
 * report the same line again (one error per quote) or a later, good line as "never closed":
 * instead, the error is reported once, at its line, and parsing starts again on the next line.
 */
function readRecords(text: string, delimiter: string, errors: Errors): CsvRecord[] {
  const records: CsvRecord[] = [];
  let lastLine = 0;
  const lines = text.split('\n');
  const nextNonBlank = (from: number) => {
    let l = from;
    while (l <= lines.length && (lines[l - 1] ?? '').trim() === '') l++;
    return Math.min(l, lines.length);
  };
  // Lines before the part being parsed, and where that part starts in the text.
  let offset = 0;
  let start = 0;
  let restartAfter: number | undefined;
  const options = {
    delimiter,
    record_delimiter: '\n',
    quote: '"',
    escape: '"',
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    raw: true,
    on_record: (rec: { record: string[]; raw: string }, ctx: { lines: number }) => {
      // A record ends on ctx.lines; it starts that many lines earlier as it has inner line breaks.
      const core = rec.raw.replace(/^\n+/, '').replace(/\n$/, '');
      const inner = core.split('\n').length - 1;
      records.push({ fields: rec.record, line: offset + ctx.lines - inner });
      lastLine = offset + ctx.lines;
      return null;
    },
    on_skip: (err: CsvSyntaxError | undefined) => {
      const code = err?.code;
      let line = typeof err?.lines === 'number' ? offset + err.lines : lastLine + 1;
      if (code === 'CSV_QUOTE_NOT_CLOSED') line = nextNonBlank(lastLine + 1);
      if (code !== undefined && QUOTE_ERRORS.has(code)) {
        // No field of these files holds a line break: a quoted field that runs past the end of
        // the line it starts on is the mistake, at that line.
        const startLine = nextNonBlank(lastLine + 1);
        if (startLine < line) {
          line = startLine;
          errors.add(line, 'a quoted field starting on this line is not closed on it (a stray ")');
        } else {
          errors.add(line, describeCsvError(code, err?.message));
        }
        lastLine = Math.max(lastLine, line);
        restartAfter = line;
        throw RESTART;
      }
      errors.add(line, describeCsvError(code, err?.message));
      lastLine = Math.max(lastLine, line);
    },
  };
  for (;;) {
    restartAfter = undefined;
    try {
      parseCsv(start === 0 ? text : text.slice(start), options as Parameters<typeof parseCsv>[1]);
    } catch (e) {
      if (e !== RESTART) {
        const err = e as CsvSyntaxError;
        const line = typeof err.lines === 'number' ? offset + err.lines : lastLine + 1;
        errors.add(line, describeCsvError(err.code, err.message));
      }
    }
    if (restartAfter === undefined || restartAfter >= lines.length || errors.full) break;
    // Start again on the line after the error (records of the broken line are dropped).
    for (; offset < restartAfter; offset++) start += (lines[offset] ?? '').length + 1;
    lastLine = offset;
  }
  return records;
}

/** A header line starts with the first column's name followed by another column's name. */
function isHeader(fields: readonly string[], layout: Layout<Record<string, unknown>>): boolean {
  const names = new Set(layout.columns.map((c) => c.name.toLowerCase()));
  const first = (fields[0] ?? '').toLowerCase();
  const second = (fields[1] ?? '').toLowerCase();
  return (
    first === (layout.columns[0]?.name ?? '').toLowerCase() && (fields.length === 1 || names.has(second))
  );
}

/**
 * Parses one custodian file. `fileName` is used in messages; if it is one of our file names, its
 * code must match `code` and (by default) its date must match the rows' process dates.
 */
export function parseCustodianFile<C extends FileCode>(
  code: C,
  content: string | Buffer,
  fileName: string,
  opts: ParseOptions = {},
): ParseResult<RowOf<C>> {
  const sum = safeChecksum(content);
  const file = typeof fileName === 'string' && fileName !== '' ? fileName : '(unnamed file)';
  try {
    return parseInner(code, content, file, sum, opts) as ParseResult<RowOf<C>>;
  } catch (e) {
    // Defensive: nothing above is meant to throw; if it does, it is still a bad file, not a crash.
    const reason = `internal error while parsing: ${e instanceof Error ? e.message : String(e)}`;
    return { ok: false, file, code, errors: [makeError(file, 0, reason)], errorCount: 1, checksum: sum };
  }
}

/** Parses a file whose kind is given by its name (EXT871_ZOE_20261124.csv and the like). */
export function parseCustodianFileByName(
  content: string | Buffer,
  fileName: string,
  opts: ParseOptions = {},
):
  | ParseResult<RowOf<FileCode>>
  | { ok: false; file: string; code: undefined; errors: FileError[]; errorCount: number; checksum: string } {
  const parsed = parseFileName(fileName);
  if (!parsed) {
    const reason =
      'is not a custodian file name EXT{code}_{correspondent}_{YYYYMMDD}.{csv|txt} of a known kind';
    return {
      ok: false,
      file: fileName,
      code: undefined,
      errors: [makeError(fileName, 0, reason)],
      errorCount: 1,
      checksum: safeChecksum(content),
    };
  }
  return parseCustodianFile(parsed.code, content, fileName, opts);
}

function safeChecksum(content: string | Buffer): string {
  try {
    return checksum(content);
  } catch {
    return '';
  }
}

function parseInner(
  code: FileCode,
  content: string | Buffer,
  file: string,
  sum: string,
  opts: ParseOptions,
): ParseResult<unknown> {
  const maxErrors = Math.max(1, opts.maxErrors ?? DEFAULT_MAX_ERRORS);
  const errors = new Errors(file, maxErrors);
  const warnings: FileError[] = [];
  const fail = (): ParseFailure => ({
    ok: false,
    file,
    code,
    // csv syntax errors are found before row errors: report them all in line order.
    errors: [...errors.list].sort((a, b) => a.line - b.line),
    errorCount: errors.count,
    checksum: sum,
  });

  if (!isFileCode(code)) {
    errors.add(0, `unknown file code ${JSON.stringify(code)}`);
    return fail();
  }
  if (typeof content !== 'string' && !Buffer.isBuffer(content)) {
    errors.add(0, 'content must be a string or a Buffer');
    return fail();
  }
  const kind = FILE_KINDS[code];
  const layout = LAYOUTS[code] as unknown as Layout<Record<string, unknown>>;

  const named = parseFileName(file);
  if (named && named.code !== code) {
    errors.add(0, `the file name says ${named.code} but it is being parsed as ${code}`);
  }
  const expectedDate = named && (opts.checkProcessDate ?? true) ? named.processDate : undefined;

  const decoded = decodeText(content, maxErrors);
  const fieldOf = decoded.issues.length
    ? issueField(
        decoded.text,
        kind.delimiter,
        layout.columns.map((c) => c.name),
        (f) => isHeader(f, layout),
      )
    : () => undefined;
  for (const issue of decoded.issues) errors.add(issue.line, issue.message, fieldOf(issue));
  if (errors.count > 0) return fail();

  const { text } = decoded;
  const quirks: FileQuirks = {
    header: false,
    bom: decoded.bom,
    crlf: decoded.crlf,
    lowerCaseSymbols: 0,
    lowerCaseCusips: 0,
    missingTrailingNewline: !decoded.endsWithNewline,
  };

  if (text.trim() === '') {
    if (kind.header === 'required') {
      errors.add(
        1,
        `the file is empty; a ${code} file must start with a header line (${headerLine(layout, kind.delimiter)})`,
      );
      return fail();
    }
    warnings.push(
      makeError(file, 0, `the file is empty: zero rows (valid, as ${code} files have no header line)`),
    );
    return { ok: true, file, code, rows: [], lines: [], rowCount: 0, checksum: sum, quirks, warnings };
  }

  const records = readRecords(text, kind.delimiter, errors);
  const lastLineNo = text.replace(/\n+$/, '').split('\n').length;
  const truncHint = quirks.missingTrailingNewline
    ? ' (the file does not end with a line break: the last line may be truncated)'
    : '';
  if (quirks.missingTrailingNewline) {
    if (opts.requireTrailingNewline) {
      errors.add(lastLineNo, 'the last line has no line break: the file may be truncated');
    } else {
      warnings.push(makeError(file, lastLineNo, 'the last line has no line break (truncated file?)'));
    }
  }

  // Header: required for some kinds, allowed (UAT style) for the others.
  let columnsInFile: (Column<Record<string, unknown>> | undefined)[] = [...layout.columns];
  let dataStart = 0;
  const first = records[0];
  if (first && isHeader(first.fields, layout)) {
    quirks.header = true;
    dataStart = 1;
    columnsInFile = mapHeader(first, layout, errors, warnings, file);
    if (errors.count > 0) return fail();
  } else if (kind.header === 'required') {
    const firstLine = first?.line ?? 1;
    errors.add(
      firstLine,
      `a ${code} file must start with a header line (${headerLine(layout, kind.delimiter)}); found ${show((first?.fields ?? []).join(kind.delimiter))}`,
    );
  }
  const present = new Set(columnsInFile.filter((c) => c !== undefined).map((c) => c.key));
  const absentOptional = layout.columns.filter((c) => !present.has(c.key));

  const rows: unknown[] = [];
  const lines: number[] = [];
  for (let r = dataStart; r < records.length; r++) {
    if (errors.full) break;
    const rec = records[r] as CsvRecord;
    const hint = rec.line === lastLineNo ? truncHint : '';
    const row = parseRecord(rec, columnsInFile, absentOptional, layout, kind.delimiter, errors, hint, quirks);
    if (row === undefined) continue;
    if (expectedDate !== undefined && layout.processDateKey !== undefined) {
      const pd = row[layout.processDateKey];
      if (pd !== expectedDate) {
        const col = layout.columns.find((c) => c.key === layout.processDateKey);
        errors.add(
          rec.line,
          `is ${String(pd)} but the file name's process date is ${expectedDate}`,
          col?.name,
        );
        continue;
      }
    }
    rows.push(row);
    lines.push(rec.line);
  }
  if (records.length <= dataStart && errors.count === 0) {
    warnings.push(makeError(file, 0, 'the file has a header but no rows: zero rows'));
  }
  if (errors.count > 0) return fail();
  return { ok: true, file, code, rows, lines, rowCount: rows.length, checksum: sum, quirks, warnings };
}

function headerLine(layout: Layout<Record<string, unknown>>, delimiter: string): string {
  return layout.columns.map((c) => c.name).join(delimiter);
}

function mapHeader(
  rec: CsvRecord,
  layout: Layout<Record<string, unknown>>,
  errors: Errors,
  warnings: FileError[],
  file: string,
): (Column<Record<string, unknown>> | undefined)[] {
  const byName = new Map(layout.columns.map((c) => [c.name.toLowerCase(), c]));
  const seen = new Set<string>();
  const mapped = rec.fields.map((raw) => {
    const name = raw.trim();
    const col = byName.get(name.toLowerCase());
    if (!col) {
      warnings.push(makeError(file, rec.line, `unknown column ${show(name)} in the header is ignored`));
      return undefined;
    }
    if (seen.has(col.key)) errors.add(rec.line, `column ${col.name} appears twice in the header`, col.name);
    seen.add(col.key);
    return col;
  });
  for (const col of layout.columns) {
    if (!seen.has(col.key) && !col.optional)
      errors.add(rec.line, 'is missing from the header line', col.name);
  }
  return mapped;
}

function parseRecord(
  rec: CsvRecord,
  columnsInFile: readonly (Column<Record<string, unknown>> | undefined)[],
  absentOptional: readonly Column<Record<string, unknown>>[],
  layout: Layout<Record<string, unknown>>,
  delimiter: string,
  errors: Errors,
  hint: string,
  quirks: FileQuirks,
): Record<string, unknown> | undefined {
  const { fields, line } = rec;
  if (fields.length !== columnsInFile.length) {
    let why = `expected ${columnsInFile.length} fields separated by ${DELIMITER_NAMES[delimiter]}s (${delimiter}), found ${fields.length}`;
    if (fields.length === 1) {
      const other = Object.keys(DELIMITER_NAMES).find(
        (d) => d !== delimiter && (fields[0] ?? '').includes(d),
      );
      if (other) why += `; the line contains ${DELIMITER_NAMES[other]}s: wrong delimiter?`;
    }
    errors.add(line, why + hint);
    return undefined;
  }
  const values: Record<string, unknown> = {};
  let bad = false;
  let lowerSymbol = false;
  let lowerCusip = false;
  for (let i = 0; i < columnsInFile.length; i++) {
    const col = columnsInFile[i];
    if (!col) continue;
    const raw = fields[i] ?? '';
    const res = col.codec.read(raw);
    if (!res.ok) {
      bad = true;
      errors.add(line, `${res.message} (got ${show(raw)})${hint}`, col.name);
      continue;
    }
    values[col.key] = res.value;
    if (col.codec.caseQuirk && raw !== raw.toUpperCase()) {
      if (col.codec.caseQuirk === 'symbol') lowerSymbol = true;
      else lowerCusip = true;
    }
  }
  if (bad) return undefined;
  for (const col of absentOptional) {
    const res = col.codec.read('');
    values[col.key] = res.ok ? res.value : null;
  }
  const row = layout.derive ? layout.derive(values) : values;
  const issues = rowIssues(layout, row);
  if (issues.length > 0) {
    for (const issue of issues) {
      const col = layout.columns.find((c) => c.key === issue.key);
      errors.add(line, issue.message + hint, col?.name ?? issue.key);
    }
    return undefined;
  }
  if (lowerSymbol) quirks.lowerCaseSymbols++;
  if (lowerCusip) quirks.lowerCaseCusips++;
  // The row's keys in the layout's order, and nothing else.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(layout.codecs)) out[key] = row[key];
  return out;
}
