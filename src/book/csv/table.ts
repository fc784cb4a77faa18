/**
 * Reading and writing the book's CSV files: strict UTF-8 (a BOM and CRLF line ends are fine), a
 * header line naming the columns, RFC 4180 quoting. Reading never throws: every problem comes back
 * with its file, line and column. Writing quotes a field only when it must.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { decodeText, issueField } from '../../custodian/files/text';
import { COLUMNS, type Kind } from './formats';

export interface ImportError {
  file: string;
  /** 1-based line in the file (the header is line 1); 0 = the file as a whole. */
  line: number;
  column?: string;
  message: string;
}

export interface Row {
  line: number;
  cells: Record<string, string>;
}

export function formatError(e: ImportError): string {
  const where = e.line > 0 ? `${e.file} line ${e.line}` : e.file;
  return `${where}${e.column ? `, column ${e.column}` : ''}: ${e.message}`;
}

/** The rows of one file, or the errors that make it unreadable (bad bytes, header, quoting, column counts). */
export function readTable(
  kind: Kind,
  file: string,
  content: string | Buffer,
): { rows: Row[]; errors: ImportError[] } {
  const errors: ImportError[] = [];
  const fail = (line: number, message: string, column?: string) =>
    errors.push(column ? { file, line, column, message } : { file, line, message });
  const decoded = decodeText(content);
  // A NUL or control character is named by its line and column (the header line names the columns).
  const columnOf = issueField(
    decoded.text,
    ',',
    COLUMNS[kind].map((c) => c.name),
    (f) => f.some((h) => COLUMNS[kind].some((c) => c.name === h.toLowerCase())),
  );
  for (const i of decoded.issues) fail(i.line, i.message, columnOf(i));
  if (decoded.issues.length) return { rows: [], errors };
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(decoded.text, {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    const err = e as { lines?: number; message?: string };
    fail(err.lines ?? 0, `unreadable CSV: ${(err.message ?? String(e)).replace(/\s+at line \d+.*$/s, '')}`);
    return { rows: [], errors };
  }
  const [head, ...body] = records;
  if (!head) {
    fail(0, 'is empty: the first line must name the columns');
    return { rows: [], errors };
  }
  const known = new Map(COLUMNS[kind].map((c) => [c.name, c]));
  const header = head.record.map((h) => h.toLowerCase());
  header.forEach((h, i) => {
    if (!known.has(h))
      fail(
        head.info.lines,
        `unknown column "${head.record[i]}" (the columns of ${kind}.csv: ${[...known.keys()].join(', ')})`,
        head.record[i],
      );
    else if (header.indexOf(h) !== i) fail(head.info.lines, 'is named twice', h);
  });
  for (const c of COLUMNS[kind]) {
    if (c.required && !header.includes(c.name))
      fail(head.info.lines, 'is a required column and missing from the header', c.name);
  }
  if (errors.length) return { rows: [], errors };
  const rows: Row[] = [];
  for (const r of body) {
    // A record spans lines only through a quoted line break: the line it starts on is the one to name.
    const line = r.info.lines - r.record.reduce((n, f) => n + f.split('\n').length - 1, 0);
    if (r.record.length !== header.length) {
      fail(line, `has ${r.record.length} fields, the header ${header.length}`);
      continue;
    }
    const cells: Record<string, string> = {};
    header.forEach((h, i) => {
      cells[h] = r.record[i] ?? '';
    });
    if (Object.values(cells).some((v) => v.includes('\n'))) {
      fail(line, 'a field holds a line break');
      continue;
    }
    rows.push({ line, cells });
  }
  return { rows, errors };
}

function quote(v: string): string {
  return /[",\n\r]|^\s|\s$/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** A CSV file of the kind: the header (every column, in the format's order) and the rows. */
export function writeTable(kind: Kind, rows: Record<string, string>[]): string {
  const names = COLUMNS[kind].map((c) => c.name);
  const lines = [names.join(','), ...rows.map((r) => names.map((n) => quote(r[n] ?? '')).join(','))];
  return `${lines.join('\n')}\n`;
}
