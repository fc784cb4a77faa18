/**
 * Property tests of the custodian file parser: valid rows round-trip under every quirk, and
 * corrupted files (mutated rows, truncation, random bytes, wrong delimiters, extra or missing
 * columns) never throw and always come back either ok with valid rows or with errors that say
 * file, line and what.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  DEFAULT_MAX_ERRORS,
  FILE_CODES,
  FILE_KINDS,
  type FileCode,
  ROW_SCHEMAS,
  type WriteOptions,
  fileName,
  formatFileError,
  parseCustodianFile,
  writeCustodianFile,
} from '../../src/custodian/files';
import { ARBS, PD, SAMPLES } from './fixtures';

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const arbCode = fc.constantFrom(...FILE_CODES);

const arbWriteOptions: fc.Arbitrary<WriteOptions> = fc.record(
  {
    header: fc.boolean(),
    lowerCaseSymbols: fc.boolean(),
    lowerCaseCusips: fc.boolean(),
    lineEnding: fc.constantFrom('\n' as const, '\r\n' as const),
    bom: fc.boolean(),
    trailingNewline: fc.boolean(),
  },
  { requiredKeys: [] },
);

describe('property: valid rows round-trip', () => {
  for (const code of FILE_CODES) {
    it(`${code}: write then parse gives the same rows, whatever the quirks`, () => {
      fc.assert(
        fc.property(
          fc.array(ARBS[code] as fc.Arbitrary<unknown>, { maxLength: 8 }),
          arbWriteOptions,
          (rows, opts) => {
            // Files with a header must keep it.
            const o = FILE_KINDS[code].header === 'required' ? { ...opts, header: true } : opts;
            const content = writeCustodianFile(code, rows as never[], o);
            const asBuffer = Buffer.from(content, 'utf8');
            const res = parseCustodianFile(code, asBuffer, fileName(code, PD));
            if (!res.ok) assert.fail(res.errors.map(formatFileError).join('\n'));
            assert.deepEqual(res.rows, rows);
          },
        ),
        { seed: SEED, numRuns: 150 },
      );
    });
  }
});

/* ------------------------------------------------------------------ corruption */

type Mutation =
  | { kind: 'replaceChar'; at: number; ch: string }
  | { kind: 'deleteSlice'; at: number; len: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insertBytes'; at: number; bytes: Uint8Array }
  | { kind: 'randomBytes'; bytes: Uint8Array }
  | { kind: 'randomText'; text: string }
  | { kind: 'swapDelimiter'; to: string }
  | { kind: 'extraColumn'; line: number; value: string }
  | { kind: 'dropColumn'; line: number; col: number }
  | { kind: 'replaceField'; line: number; col: number; value: string }
  | { kind: 'duplicateLine'; line: number }
  | { kind: 'dropLine'; line: number }
  | { kind: 'swapLines'; a: number; b: number };

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
);
const arbFieldValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    '',
    '-1',
    '1e5',
    '0x10',
    '1,5',
    '"',
    '""',
    'NaN',
    '99999999',
    '2026-11-24',
    '20261399',
    '12.3456789',
    ' 7 ',
  ),
);
const idx = fc.nat({ max: 10_000 });

const arbMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replaceChar' as const), at: idx, ch: SPECIAL }),
  fc.record({ kind: fc.constant('deleteSlice' as const), at: idx, len: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: idx }),
  fc.record({
    kind: fc.constant('insertBytes' as const),
    at: idx,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('randomBytes' as const), bytes: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({
    kind: fc.constant('randomText' as const),
    text: fc.string({ unit: 'binary', maxLength: 200 }),
  }),
  fc.record({ kind: fc.constant('swapDelimiter' as const), to: fc.constantFrom(',', '|', ';', '\t') }),
  fc.record({ kind: fc.constant('extraColumn' as const), line: idx, value: arbFieldValue }),
  fc.record({ kind: fc.constant('dropColumn' as const), line: idx, col: idx }),
  fc.record({ kind: fc.constant('replaceField' as const), line: idx, col: idx, value: arbFieldValue }),
  fc.record({ kind: fc.constant('duplicateLine' as const), line: idx }),
  fc.record({ kind: fc.constant('dropLine' as const), line: idx }),
  fc.record({ kind: fc.constant('swapLines' as const), a: idx, b: idx }),
);

function applyMutation(content: string, delimiter: string, m: Mutation): string | Buffer {
  const lines = content.split('\n');
  const lineAt = (n: number) => n % Math.max(1, lines.length);
  switch (m.kind) {
    case 'replaceChar': {
      const at = m.at % Math.max(1, content.length);
      return content.slice(0, at) + m.ch + content.slice(at + 1);
    }
    case 'deleteSlice': {
      const at = m.at % Math.max(1, content.length);
      return content.slice(0, at) + content.slice(at + m.len);
    }
    case 'truncate':
      return content.slice(0, m.at % Math.max(1, content.length));
    case 'insertBytes': {
      const buf = Buffer.from(content, 'utf8');
      const at = m.at % Math.max(1, buf.length);
      return Buffer.concat([buf.subarray(0, at), Buffer.from(m.bytes), buf.subarray(at)]);
    }
    case 'randomBytes':
      return Buffer.from(m.bytes);
    case 'randomText':
      return m.text;
    case 'swapDelimiter':
      return content.replaceAll(delimiter, m.to);
    case 'extraColumn': {
      const i = lineAt(m.line);
      lines[i] = `${lines[i]}${delimiter}${m.value}`;
      return lines.join('\n');
    }
    case 'dropColumn': {
      const i = lineAt(m.line);
      const cells = (lines[i] ?? '').split(delimiter);
      cells.splice(m.col % Math.max(1, cells.length), 1);
      lines[i] = cells.join(delimiter);
      return lines.join('\n');
    }
    case 'replaceField': {
      const i = lineAt(m.line);
      const cells = (lines[i] ?? '').split(delimiter);
      cells[m.col % Math.max(1, cells.length)] = m.value;
      lines[i] = cells.join(delimiter);
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

function lineCount(content: string | Buffer): number {
  const s = typeof content === 'string' ? content : content.toString('latin1');
  return s.split(/\r\n|\r|\n/).length;
}

const stats = { runs: 0, ok: 0, rejected: 0 };

function checkResult(code: FileCode, content: string | Buffer, name: string): void {
  let res: ReturnType<typeof parseCustodianFile>;
  try {
    res = parseCustodianFile(code, content, name);
  } catch (e) {
    assert.fail(`parseCustodianFile threw: ${e instanceof Error ? e.stack : String(e)}`);
  }
  stats.runs++;
  assert.match(res.checksum, /^[0-9a-f]{64}$/);
  if (res.ok) {
    stats.ok++;
    assert.equal(res.rowCount, res.rows.length);
    for (const row of res.rows) {
      const checked = ROW_SCHEMAS[code].safeParse(row);
      assert.ok(checked.success, `an accepted row fails its schema: ${JSON.stringify(row)}`);
    }
  } else {
    stats.rejected++;
    assert.ok(res.errors.length >= 1, 'a rejected file has at least one error');
    assert.ok(res.errors.length <= DEFAULT_MAX_ERRORS);
    assert.ok(res.errorCount >= res.errors.length);
    const maxLine = lineCount(content) + 1;
    for (const e of res.errors) {
      assert.equal(e.file, name);
      assert.ok(
        Number.isInteger(e.line) && e.line >= 0 && e.line <= maxLine,
        `bad line ${e.line} (max ${maxLine})`,
      );
      assert.equal(typeof e.message, 'string');
      assert.ok(e.message.length > 0);
      assert.ok(!e.message.startsWith('internal error'), e.message);
      assert.ok(formatFileError(e).startsWith(name));
    }
  }
}

describe('property: corrupted files never throw and always say what and where', () => {
  it('at least 1,000 corrupted variants across every kind', () => {
    const before = stats.runs;
    fc.assert(
      fc.property(
        arbCode.chain((code) =>
          fc.tuple(
            fc.constant(code),
            fc.array(ARBS[code] as fc.Arbitrary<unknown>, { minLength: 1, maxLength: 6 }),
            arbWriteOptions,
            fc.array(arbMutation, { minLength: 1, maxLength: 3 }),
          ),
        ),
        ([code, rows, opts, mutations]) => {
          const delimiter = FILE_KINDS[code].delimiter;
          let content: string | Buffer = writeCustodianFile(code, rows as never[], opts);
          for (const m of mutations) {
            const text = typeof content === 'string' ? content : content.toString('utf8');
            content = applyMutation(text, delimiter, m);
          }
          checkResult(code, content, fileName(code, PD));
        },
      ),
      { seed: SEED, numRuns: 1400 },
    );
    assert.ok(stats.runs - before >= 1000, `only ${stats.runs - before} variants`);
  });

  it('seeded mutator over the fixed samples: one of each mutation for every kind', () => {
    const before = stats.runs;
    fc.assert(
      fc.property(arbCode, arbMutation, (code, m) => {
        const sample = SAMPLES[code];
        const content = writeCustodianFile(code, [sample, sample, sample] as never[]);
        checkResult(code, applyMutation(content, FILE_KINDS[code].delimiter, m), fileName(code, PD));
      }),
      { seed: SEED + 1, numRuns: 700 },
    );
    assert.ok(stats.runs - before >= 700);
  });

  it('raw garbage of any kind, as bytes and as text', () => {
    fc.assert(
      fc.property(
        arbCode,
        fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.string({ unit: 'binary', maxLength: 500 })),
        (code, garbage) => {
          const content = typeof garbage === 'string' ? garbage : Buffer.from(garbage);
          checkResult(code, content, fileName(code, PD));
        },
      ),
      { seed: SEED + 2, numRuns: 300 },
    );
  });

  it('most corrupted files are rejected (the fuzzer is not toothless)', () => {
    assert.ok(stats.runs >= 2400, `runs ${stats.runs}`);
    assert.ok(stats.rejected > stats.runs / 2, `rejected ${stats.rejected} of ${stats.runs}`);
  });
});
