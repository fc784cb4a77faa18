/**
 * Regressions found by the file fuzzer (test/fuzz/files.fuzz.test.ts): a misplaced quote made
 * csv-parse carry on inside the broken field, so the parser reported the same line once per
 * quote, or a later, good line ("never closed", "characters follow a closing quote") instead of
 * the line with the stray quote. Each broken line must be reported once, at its own line.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileName, formatFileError, parseCustodianFile } from '../../src/custodian/files';

const NAME = fileName('EXT747', '2026-11-24');
const GOOD = '922908769|VTI|C|V|250.12|249.5|VANGUARD TOTAL|\n';

/** Lines 1, 3 and 5 are good; lines 2 and 4 have the description written as `bad`. */
function errorsFor(bad: string): string[] {
  const broken = GOOD.replace('VANGUARD TOTAL', bad);
  const res = parseCustodianFile('EXT747', GOOD + broken + GOOD + broken + GOOD, NAME);
  assert.ok(!res.ok, `accepted with ${bad}`);
  return res.ok ? [] : res.errors.map(formatFileError);
}

describe('file fuzz regressions: a misplaced quote is reported once, at its line', () => {
  it('a quote inside an unquoted value: lines 2 and 4, once each', () => {
    const errors = errorsFor('VAN"GUARD"X');
    assert.deepEqual(
      errors.map((e) => e.split(':')[0]),
      [`${NAME} line 2`, `${NAME} line 4`],
      errors.join('\n'),
    );
    assert.match(errors[0] ?? '', /a quote \("\) appears inside an unquoted field/);
  });

  it('text after a closing quote: lines 2 and 4, not the good line 3', () => {
    const errors = errorsFor('"VANGUARD"X');
    assert.deepEqual(
      errors.map((e) => e.split(':')[0]),
      [`${NAME} line 2`, `${NAME} line 4`],
      errors.join('\n'),
    );
    assert.match(errors[0] ?? '', /characters follow a closing quote/);
  });

  it('a quote opened and not closed on its line: line 2 (where it opens), then line 4', () => {
    const errors = errorsFor('"VANGUARD');
    assert.deepEqual(
      errors.map((e) => e.split(':')[0]),
      [`${NAME} line 2`, `${NAME} line 4`],
      errors.join('\n'),
    );
    assert.match(errors[0] ?? '', /quoted field starting on this line is not closed on it/);
    assert.match(errors[1] ?? '', /never closed/);
  });

  it('a quote opened on one line and closed on a later one before a space and text: that first line', () => {
    // Line 2 opens a quote that closes on line 3 at `" *"`; after the close come a space and `*`.
    const line2 = '"730LG5943|K1P|C|1|833.1|634|X|1DO823N8X\n';
    const line3 = 'TW2486K15|I|A|O|429.63|388.507|" *"|Z0A98XNP2\n';
    const res = parseCustodianFile('EXT747', GOOD + line2 + line3 + GOOD, NAME);
    assert.ok(!res.ok);
    const errors = res.ok ? [] : res.errors.map(formatFileError);
    assert.deepEqual(
      errors.map((e) => e.split(':')[0]),
      [`${NAME} line 2`],
      errors.join('\n'),
    );
    assert.match(errors[0] ?? '', /quoted field starting on this line is not closed on it/);
  });

  it('the good lines around a broken one still parse (a file with only its good lines is fine)', () => {
    const res = parseCustodianFile('EXT747', GOOD + GOOD, NAME);
    assert.ok(res.ok);
    assert.equal(res.rows.length, 2);
  });
});
