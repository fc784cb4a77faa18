/**
 * Fuzzing the custodian file parser (issue #6): FUZZ_RUNS generated files (10,000 by default)
 * of every kind — mutated rows, other encodings (UTF-16, Latin-1, BOMs, NUL bytes, CRLF/CR/LF
 * mixes), truncation at random byte offsets, swapped/missing/extra columns, huge fields, wrong
 * delimiters and raw garbage — and for each one:
 * - parseCustodianFile never throws and never reports an "internal error";
 * - an accepted file's rows are valid rows (and, where the corruption is harmless, the same rows);
 * - every error names the file, a line within the file and, when it is about a field, the
 *   field (a column of that kind's layout);
 * - a single bad value at a known row and column is reported at exactly that line and field.
 * Deterministic: FUZZ_SEED (printed) picks the cases; `npm run fuzz` runs 100,000.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  DEFAULT_MAX_ERRORS,
  FILE_CODES,
  FILE_KINDS,
  type FileCode,
  type FileError,
  LAYOUTS,
  type ParseResult,
  ROW_SCHEMAS,
  type WriteOptions,
  fileName,
  formatFileError,
  parseCustodianFile,
  writeCustodianFile,
} from '../../src/custodian/files';
import { ARBS, PD } from '../custodian/fixtures';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_006);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
console.log(`[fuzz:files] seed ${SEED}, ${RUNS} files (set FUZZ_SEED / FUZZ_RUNS to change)`);

/* ------------------------------------------------------------------ helpers */

const columnNames = (code: FileCode): string[] => LAYOUTS[code].columns.map((c) => c.name);

/** Lines of the content as the parser counts them (LF, CRLF and a lone CR each end a line). */
function lineCount(content: string | Buffer): number {
  const s = typeof content === 'string' ? content : content.toString('latin1');
  return s.split(/\r\n|\r|\n/).length;
}

function splitFields(line: string, delimiter: string): string[] {
  return line.split(delimiter);
}

/** The values of one well-formed line we wrote (quoted fields may hold the delimiter and quotes). */
function splitCsv(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let v = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error(`test bug: unclosed quote in ${line}`);
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      const d = line.indexOf(delimiter, i);
      v = d < 0 ? line.slice(i) : line.slice(i, d);
      i = d < 0 ? line.length : d;
    }
    out.push(v);
    if (i >= line.length) return out;
    i += delimiter.length;
  }
}

/** One value as the writers write it (quoted when it must be). */
function quoteCsv(v: string, delimiter: string): string {
  return v.includes(delimiter) || v.includes('"') || v !== v.trim() ? `"${v.replaceAll('"', '""')}"` : v;
}

/** The line back, quoted the way the writers quote. */
function joinCsv(values: readonly string[], delimiter: string): string {
  return values.map((v) => quoteCsv(v, delimiter)).join(delimiter);
}

/** The lines of a file we wrote ourselves, without its BOM (text fields hold no line breaks). */
function linesOf(content: string): string[] {
  return content.replace(/^\ufeff/, '').split('\n');
}

/** The lines joined again, with the file's BOM back in front if it had one. */
function unlines(f: { text: string }, lines: readonly string[]): string {
  return (f.text.startsWith('\ufeff') ? '\ufeff' : '') + lines.join('\n');
}

const stats = {
  files: 0,
  accepted: 0,
  rejected: 0,
  errors: 0,
  fieldErrors: 0,
  bytes: 0,
  byCase: {} as Record<string, { files: number; rejected: number }>,
};

function count(kind: string, rejected: boolean, bytes: number): void {
  stats.files++;
  stats.bytes += bytes;
  if (rejected) stats.rejected++;
  else stats.accepted++;
  const c = stats.byCase[kind] ?? { files: 0, rejected: 0 };
  stats.byCase[kind] = c;
  c.files++;
  if (rejected) c.rejected++;
}

/** Field-level messages come from a codec or a row check: they quote the value or speak of a column. */
function looksLikeFieldError(e: FileError): boolean {
  return /\(got "/.test(e.message) || /missing from the header|appears twice in the header/.test(e.message);
}

/**
 * Parses and checks what must hold for any input: no throw, a checksum, valid accepted rows, and
 * errors that say file, line (within the file) and field (a real column) when about a field.
 */
function parseAndCheck(
  caseKind: string,
  code: FileCode,
  content: string | Buffer,
  name: string,
): ParseResult<unknown> {
  let res: ParseResult<unknown>;
  try {
    res = parseCustodianFile(code, content, name) as ParseResult<unknown>;
  } catch (e) {
    assert.fail(`${caseKind} ${code}: parseCustodianFile threw: ${e instanceof Error ? e.stack : String(e)}`);
  }
  const bytes = typeof content === 'string' ? Buffer.byteLength(content) : content.length;
  count(caseKind, !res.ok, bytes);
  assert.match(res.checksum, /^[0-9a-f]{64}$/);
  assert.equal(res.file, name);
  if (res.ok) {
    assert.equal(res.rowCount, res.rows.length);
    for (const row of res.rows) {
      const checked = ROW_SCHEMAS[code].safeParse(row);
      assert.ok(checked.success, `${code}: an accepted row fails its schema: ${JSON.stringify(row)}`);
    }
    return res;
  }
  assert.ok(res.errors.length >= 1, 'a rejected file has at least one error');
  assert.ok(res.errors.length <= DEFAULT_MAX_ERRORS);
  assert.ok(res.errorCount >= res.errors.length);
  const maxLine = lineCount(content);
  const names = new Set(columnNames(code));
  for (const e of res.errors) {
    stats.errors++;
    const shown = formatFileError(e);
    assert.equal(e.file, name, shown);
    // Every input here has a proper file name, so every error is about a line of the file.
    assert.ok(
      Number.isInteger(e.line) && e.line >= 1 && e.line <= maxLine,
      `line out of 1..${maxLine}: ${shown}`,
    );
    assert.ok(typeof e.message === 'string' && e.message.trim().length > 0, shown);
    assert.ok(!/internal error/i.test(e.message), shown);
    assert.ok(shown.startsWith(`${name} line ${e.line}`), shown);
    if (e.field !== undefined) {
      stats.fieldErrors++;
      assert.ok(names.has(e.field), `field ${e.field} is not a ${code} column: ${shown}`);
      assert.ok(shown.includes(`field ${e.field}: `), shown);
    } else {
      assert.ok(!looksLikeFieldError(e), `a field error that does not name its field: ${shown}`);
    }
  }
  return res;
}

/* ------------------------------------------------------------------ generators */

const arbCode = fc.constantFrom(...FILE_CODES);

const arbWriteOptions: fc.Arbitrary<WriteOptions> = fc.record(
  {
    header: fc.boolean(),
    lowerCaseSymbols: fc.boolean(),
    lineEnding: fc.constantFrom('\n' as const, '\r\n' as const),
    bom: fc.boolean(),
    trailingNewline: fc.boolean(),
  },
  { requiredKeys: [] },
);

/** A valid file: kind, rows, write options (header kept where it is required) and its text. */
const arbValidFile = arbCode.chain((code) =>
  fc
    .tuple(fc.array(ARBS[code] as fc.Arbitrary<unknown>, { minLength: 1, maxLength: 6 }), arbWriteOptions)
    .map(([rows, opts]) => {
      const o = FILE_KINDS[code].header === 'required' ? { ...opts, header: true } : opts;
      const header = o.header ?? false;
      return { code, rows, opts: o, header, text: writeCustodianFile(code, rows as never[], o) };
    }),
);

const SPECIAL = fc.constantFrom(
  ',',
  '|',
  '"',
  '\n',
  '\r',
  '\u0000',
  '\ufffd',
  '\ufeff',
  ' ',
  '-',
  '.',
  'x',
  '9',
  ';',
  '\t',
  'é',
  '\u2028',
  '😀',
);
const arbFieldValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom(
    '',
    '-1',
    '-0',
    '1e5',
    '0x10',
    '1,5',
    '"',
    '""',
    '"a"b',
    'NaN',
    'Infinity',
    '99999999',
    '2026-11-24',
    '20261399',
    '20260229',
    '12.3456789',
    ' 7 ',
    '1.',
    '.5',
    '+3',
    '٣',
    'null',
    '2500',
  ),
);
const idx = fc.nat({ max: 10_000 });

type Mutation =
  | { kind: 'replaceChar'; at: number; ch: string }
  | { kind: 'deleteSlice'; at: number; len: number }
  | { kind: 'truncateBytes'; at: number }
  | { kind: 'insertBytes'; at: number; bytes: Uint8Array }
  | { kind: 'insertNul'; at: number; n: number }
  | { kind: 'insertBom'; at: number }
  | { kind: 'swapDelimiter'; to: string }
  | { kind: 'extraColumn'; line: number; value: string }
  | { kind: 'dropColumn'; line: number; col: number }
  | { kind: 'swapColumns'; line: number; a: number; b: number }
  | { kind: 'replaceField'; line: number; col: number; value: string }
  | { kind: 'quoteField'; line: number; col: number; closed: boolean }
  | { kind: 'hugeField'; line: number; col: number; len: number; ch: string }
  | { kind: 'manyColumns'; line: number; n: number }
  | { kind: 'duplicateLine'; line: number }
  | { kind: 'dropLine'; line: number }
  | { kind: 'swapLines'; a: number; b: number }
  | { kind: 'lineEndings'; pattern: number[] }
  | { kind: 'encode'; encoding: 'utf16le' | 'utf16be' | 'latin1'; bom: boolean };

const arbMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replaceChar' as const), at: idx, ch: SPECIAL }),
  fc.record({ kind: fc.constant('deleteSlice' as const), at: idx, len: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant('truncateBytes' as const), at: idx }),
  fc.record({
    kind: fc.constant('insertBytes' as const),
    at: idx,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('insertNul' as const), at: idx, n: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('insertBom' as const), at: idx }),
  fc.record({ kind: fc.constant('swapDelimiter' as const), to: fc.constantFrom(',', '|', ';', '\t', ' ') }),
  fc.record({ kind: fc.constant('extraColumn' as const), line: idx, value: arbFieldValue }),
  fc.record({ kind: fc.constant('dropColumn' as const), line: idx, col: idx }),
  fc.record({ kind: fc.constant('swapColumns' as const), line: idx, a: idx, b: idx }),
  fc.record({ kind: fc.constant('replaceField' as const), line: idx, col: idx, value: arbFieldValue }),
  fc.record({ kind: fc.constant('quoteField' as const), line: idx, col: idx, closed: fc.boolean() }),
  fc.record({
    kind: fc.constant('hugeField' as const),
    line: idx,
    col: idx,
    len: fc.integer({ min: 201, max: 20_000 }),
    ch: fc.constantFrom('x', '9', 'é', ' ', '"', ','),
  }),
  fc.record({ kind: fc.constant('manyColumns' as const), line: idx, n: fc.integer({ min: 2, max: 500 }) }),
  fc.record({ kind: fc.constant('duplicateLine' as const), line: idx }),
  fc.record({ kind: fc.constant('dropLine' as const), line: idx }),
  fc.record({ kind: fc.constant('swapLines' as const), a: idx, b: idx }),
  fc.record({
    kind: fc.constant('lineEndings' as const),
    pattern: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('encode' as const),
    encoding: fc.constantFrom('utf16le' as const, 'utf16be' as const, 'latin1' as const),
    bom: fc.boolean(),
  }),
);

const EOLS = ['\n', '\r\n', '\r', '\n\n'];

/** Re-ends every line with EOLS[pattern[i % pattern.length]]. */
function mixLineEndings(text: string, pattern: readonly number[]): string {
  const lines = text.split(/\r\n|\r|\n/);
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    out += lines[i];
    if (i < lines.length - 1) out += EOLS[(pattern[i % pattern.length] ?? 0) % EOLS.length];
  }
  return out;
}

function encode(text: string, encoding: 'utf16le' | 'utf16be' | 'latin1', bom: boolean): Buffer {
  const t = bom ? `\ufeff${text.replace(/^\ufeff/, '')}` : text.replace(/^\ufeff/, '');
  if (encoding === 'latin1') return Buffer.from(t, 'latin1');
  const le = Buffer.from(t, 'utf16le');
  return encoding === 'utf16le' ? le : le.swap16();
}

function applyMutation(content: string | Buffer, delimiter: string, m: Mutation): string | Buffer {
  if (m.kind === 'truncateBytes' || m.kind === 'insertBytes' || m.kind === 'insertNul') {
    const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const at = m.at % Math.max(1, buf.length);
    if (m.kind === 'truncateBytes') return buf.subarray(0, at);
    const ins = m.kind === 'insertBytes' ? Buffer.from(m.bytes) : Buffer.alloc(m.n);
    return Buffer.concat([buf.subarray(0, at), ins, buf.subarray(at)]);
  }
  const text = typeof content === 'string' ? content : content.toString('utf8');
  if (m.kind === 'encode') return encode(text, m.encoding, m.bom);
  if (m.kind === 'lineEndings') return mixLineEndings(text, m.pattern);
  const lines = text.split('\n');
  const lineAt = (n: number) => n % Math.max(1, lines.length);
  const cellsAt = (n: number) => splitFields(lines[lineAt(n)] ?? '', delimiter);
  const setCells = (n: number, cells: string[]) => {
    lines[lineAt(n)] = cells.join(delimiter);
    return lines.join('\n');
  };
  switch (m.kind) {
    case 'replaceChar': {
      const at = m.at % Math.max(1, text.length);
      return text.slice(0, at) + m.ch + text.slice(at + 1);
    }
    case 'deleteSlice': {
      const at = m.at % Math.max(1, text.length);
      return text.slice(0, at) + text.slice(at + m.len);
    }
    case 'insertBom': {
      const at = m.at % Math.max(1, text.length);
      return `${text.slice(0, at)}\ufeff${text.slice(at)}`;
    }
    case 'swapDelimiter':
      return text.replaceAll(delimiter, m.to);
    case 'extraColumn': {
      const i = lineAt(m.line);
      lines[i] = `${lines[i]}${delimiter}${m.value}`;
      return lines.join('\n');
    }
    case 'dropColumn': {
      const cells = cellsAt(m.line);
      cells.splice(m.col % Math.max(1, cells.length), 1);
      return setCells(m.line, cells);
    }
    case 'swapColumns': {
      const cells = cellsAt(m.line);
      const a = m.a % Math.max(1, cells.length);
      const b = m.b % Math.max(1, cells.length);
      [cells[a], cells[b]] = [cells[b] ?? '', cells[a] ?? ''];
      return setCells(m.line, cells);
    }
    case 'replaceField': {
      const cells = cellsAt(m.line);
      cells[m.col % Math.max(1, cells.length)] = m.value;
      return setCells(m.line, cells);
    }
    case 'quoteField': {
      const cells = cellsAt(m.line);
      const c = m.col % Math.max(1, cells.length);
      cells[c] = m.closed ? `"${cells[c] ?? ''}"` : `"${cells[c] ?? ''}`;
      return setCells(m.line, cells);
    }
    case 'hugeField': {
      const cells = cellsAt(m.line);
      cells[m.col % Math.max(1, cells.length)] = m.ch.repeat(m.len);
      return setCells(m.line, cells);
    }
    case 'manyColumns': {
      const i = lineAt(m.line);
      lines[i] = `${lines[i]}${delimiter.repeat(m.n)}`;
      return lines.join('\n');
    }
    case 'duplicateLine': {
      const i = lineAt(m.line);
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    }
    case 'dropLine':
      lines.splice(lineAt(m.line), 1);
      return lines.join('\n');
    case 'swapLines': {
      const a = lineAt(m.a);
      const b = lineAt(m.b);
      [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      return lines.join('\n');
    }
  }
}

/** What a value written straight into a line may not hold (quotes, delimiters, control characters). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we filter out
const UNWRITABLE = /[,|"\r\n\u0000-\u001f\u007f\ufeff\ufffd\u2028]/;

/** Values that cannot be right for a column (checked against its codec when the case is built). */
const BAD_VALUES = ['é', 'x'.repeat(250), '-', 'ZZ', '1.1234567890123', '20261399', '??', '-5', '0'];

/* ------------------------------------------------------------------ the cases */

type Case =
  | { kind: 'mutated'; file: ValidFile; mutations: Mutation[] }
  | { kind: 'harmless'; file: ValidFile; pattern: number[]; bom: boolean }
  | { kind: 'badValue'; file: ValidFile; row: number; col: number; pick: number; alt: string }
  | { kind: 'lineShape'; file: ValidFile; row: number; op: LineOp; a: number; b: number }
  | { kind: 'truncated'; file: ValidFile; at: number }
  | { kind: 'hugeFile'; file: ValidFile; copies: number; field: number }
  | { kind: 'garbage'; code: FileCode; bytes: Uint8Array | string };

/** What happens to one data line: a column dropped, added or swapped, or a quote misplaced. */
type LineOp = 'drop' | 'extra' | 'swap' | 'strayQuote' | 'openQuote' | 'closeGarbage';

type ValidFile = { code: FileCode; rows: unknown[]; opts: WriteOptions; header: boolean; text: string };

const arbCase: fc.Arbitrary<Case> = fc.oneof(
  {
    weight: 40,
    arbitrary: fc.record({
      kind: fc.constant('mutated' as const),
      file: arbValidFile,
      mutations: fc.array(arbMutation, { minLength: 1, maxLength: 4 }),
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('harmless' as const),
      file: arbValidFile,
      pattern: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 6 }),
      bom: fc.boolean(),
    }),
  },
  {
    weight: 20,
    arbitrary: fc.record({
      kind: fc.constant('badValue' as const),
      file: arbValidFile,
      row: idx,
      col: idx,
      pick: idx,
      alt: arbFieldValue,
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('lineShape' as const),
      file: arbValidFile,
      row: idx,
      op: fc.constantFrom<LineOp>('drop', 'extra', 'swap', 'strayQuote', 'openQuote', 'closeGarbage'),
      a: idx,
      b: idx,
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({ kind: fc.constant('truncated' as const), file: arbValidFile, at: idx }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('hugeFile' as const),
      file: arbValidFile,
      copies: fc.integer({ min: 20, max: 200 }),
      field: fc.integer({ min: 1_000, max: 200_000 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('garbage' as const),
      code: arbCode,
      bytes: fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.string({ unit: 'binary', maxLength: 500 })),
    }),
  },
);

const NAME = (code: FileCode) => fileName(code, PD);

/** The file line of data row r (1-based lines; the header, when written, is line 1). */
const dataLine = (f: ValidFile, r: number) => r + 1 + (f.header ? 1 : 0);

function runCase(c: Case): void {
  if (c.kind === 'garbage') {
    const content = typeof c.bytes === 'string' ? c.bytes : Buffer.from(c.bytes);
    parseAndCheck(c.kind, c.code, content, NAME(c.code));
    return;
  }
  const f = c.file;
  const name = NAME(f.code);
  const delimiter = FILE_KINDS[f.code].delimiter;
  switch (c.kind) {
    case 'mutated': {
      let content: string | Buffer = f.text;
      for (const m of c.mutations) content = applyMutation(content, delimiter, m);
      parseAndCheck(c.kind, f.code, content, name);
      return;
    }
    case 'harmless': {
      // Mixed CRLF / CR / LF line endings and a leading BOM change nothing: same rows.
      const text = mixLineEndings(f.text.replace(/^\ufeff/, ''), c.pattern);
      const res = parseAndCheck(c.kind, f.code, c.bom ? `\ufeff${text}` : text, name);
      if (!res.ok)
        assert.fail(`line endings only, yet refused:\n${res.errors.map(formatFileError).join('\n')}`);
      assert.deepEqual(res.rows, f.rows);
      return;
    }
    case 'badValue': {
      // One bad value at a known row and column: exactly one error, at that line and field.
      const r = c.row % f.rows.length;
      const cols = LAYOUTS[f.code].columns;
      const col = cols[c.col % cols.length]!;
      const candidates = [c.alt.trim(), ...BAD_VALUES].filter(
        (v) => !UNWRITABLE.test(v) && !col.codec.read(v).ok,
      );
      const bad = candidates[c.pick % candidates.length];
      if (bad === undefined) return; // (never for the layouts we have)
      const lines = linesOf(f.text);
      const li = dataLine(f, r) - 1;
      const cr = lines[li]?.endsWith('\r') ? '\r' : '';
      const cells = splitCsv((lines[li] ?? '').replace(/\r$/, ''), delimiter);
      assert.equal(cells.length, cols.length, `test bug: line ${li + 1} of ${JSON.stringify(f.text)}`);
      cells[c.col % cols.length] = bad;
      lines[li] = joinCsv(cells, delimiter) + cr;
      const res = parseAndCheck(c.kind, f.code, unlines(f, lines), name);
      assert.ok(!res.ok, `${f.code} ${col.name} = ${JSON.stringify(bad)} was accepted`);
      if (!res.ok) {
        const shown = res.errors.map(formatFileError).join('\n');
        assert.equal(res.errors.length, 1, shown);
        assert.equal(res.errors[0]?.line, li + 1, shown);
        assert.equal(res.errors[0]?.field, col.name, shown);
      }
      return;
    }
    case 'lineShape': {
      // A missing, extra or swapped column, or a misplaced quote, on one data line: errors there only.
      const r = c.row % f.rows.length;
      const lines = linesOf(f.text);
      const li = dataLine(f, r) - 1;
      const cr = lines[li]?.endsWith('\r') ? '\r' : '';
      const cells = splitCsv((lines[li] ?? '').replace(/\r$/, ''), delimiter);
      const quoted = cells.map((v) => quoteCsv(v, delimiter));
      const a = c.a % cells.length;
      const b = c.b % cells.length;
      const plain = (cells[a] ?? '').replaceAll('"', '') || 'X';
      if (c.op === 'drop') quoted.splice(a, 1);
      else if (c.op === 'extra') quoted.splice(c.a % (cells.length + 1), 0, 'EXTRA');
      else if (c.op === 'swap') [quoted[a], quoted[b]] = [quoted[b] ?? '', quoted[a] ?? ''];
      // Quotes in the wrong place: inside an unquoted value, never closed, text after the close.
      else if (c.op === 'strayQuote') quoted[a] = `${plain}"${plain}`;
      else if (c.op === 'openQuote') quoted[a] = `"${plain}`;
      else quoted[a] = `"${plain}"${plain}`;
      lines[li] = quoted.join(delimiter) + cr;
      const res = parseAndCheck(c.kind, f.code, unlines(f, lines), name);
      if (c.op !== 'swap') assert.ok(!res.ok, `a line with ${c.op} was accepted`);
      if (!res.ok) {
        const shown = res.errors.map(formatFileError).join('\n');
        // Every error at that line, each said once.
        for (const e of res.errors) assert.equal(e.line, li + 1, `expected line ${li + 1}:\n${shown}`);
        assert.equal(new Set(res.errors.map(formatFileError)).size, res.errors.length, `repeated:\n${shown}`);
        if (c.op === 'drop' || c.op === 'extra') {
          assert.match(res.errors[0]?.message ?? '', /expected \d+ fields/, shown);
        }
      }
      return;
    }
    case 'truncated': {
      // Cut at a random byte: refused, or accepted with a warning that the last line may be cut.
      const buf = Buffer.from(f.text, 'utf8');
      const at = c.at % (buf.length + 1);
      const content = buf.subarray(0, at);
      const res = parseAndCheck(c.kind, f.code, content, name);
      const cutMidLine = at > 0 && at < buf.length && buf[at - 1] !== 0x0a && buf[at - 1] !== 0x0d;
      if (res.ok && cutMidLine && res.rows.length > 0) {
        assert.ok(
          res.warnings.some((w) => /truncated/.test(w.message) && w.line >= 1),
          `a file cut mid-line was accepted without a truncation warning: ${JSON.stringify(content.toString('utf8'))}`,
        );
      }
      return;
    }
    case 'hugeFile': {
      // Many rows and one huge field in the middle: refused at that line and field.
      const lines = linesOf(f.text).filter((l) => l !== '');
      const first = f.header ? 1 : 0;
      const body = lines.slice(first);
      const many: string[] = [...lines.slice(0, first)];
      for (let i = 0; i < c.copies; i++) many.push(...body);
      const target = first + Math.floor((many.length - first) / 2);
      const cols = LAYOUTS[f.code].columns;
      const ci = c.field % cols.length;
      const cells = splitCsv((many[target] ?? '').replace(/\r$/, ''), delimiter);
      cells[ci] = 'Z'.repeat(c.field);
      many[target] = joinCsv(cells, delimiter);
      const res = parseAndCheck(c.kind, f.code, `${many.join('\n')}\n`, name);
      assert.ok(!res.ok, 'a file with a huge field was accepted');
      if (!res.ok) {
        const shown = res.errors.map(formatFileError).join('\n').slice(0, 2000);
        assert.ok(
          res.errors.some((e) => e.line === target + 1 && e.field === cols[ci]?.name),
          `no error at line ${target + 1}, field ${cols[ci]?.name}:\n${shown}`,
        );
      }
      return;
    }
  }
}

describe(`fuzz: ${RUNS} custodian files (seed ${SEED})`, () => {
  it('never throw; every rejection names file, line and field', () => {
    const t0 = Date.now();
    fc.assert(
      fc.property(arbCase, (c) => runCase(c)),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    const ms = Date.now() - t0;
    const byCase = Object.entries(stats.byCase)
      .map(([k, v]) => `${k} ${v.files} (${v.rejected} rejected)`)
      .join(', ');
    console.log(
      `[fuzz:files] ${stats.files} files, ${(stats.bytes / 1e6).toFixed(1)} MB in ${ms} ms: ` +
        `${stats.accepted} accepted, ${stats.rejected} rejected with ${stats.errors} errors ` +
        `(${stats.fieldErrors} naming a field); ${byCase}`,
    );
    assert.ok(stats.files >= RUNS, `only ${stats.files} files parsed`);
    // The fuzzer has teeth: most files are refused, and field errors are a large share.
    assert.ok(stats.rejected > stats.files / 2, `rejected ${stats.rejected} of ${stats.files}`);
    assert.ok(stats.fieldErrors > stats.errors / 4, `${stats.fieldErrors} field errors of ${stats.errors}`);
  });
});
