/**
 * docs/configuration-book.md stays true: every sample file it shows imports into an empty book
 * without a mistake (and applies), and every column of every format is in its table there.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COLUMNS, KINDS, fileNameOf } from '../../src/book/csv/formats';
import { importBook } from '../../src/book/csv/import';
import { formatError } from '../../src/book/csv/table';
import { ROOT_DIR } from '../../src/config';
import { type TestDb, createTestDb } from '../support/db';

const PAGE = readFileSync(path.join(ROOT_DIR, 'docs', 'configuration-book.md'), 'utf8');

/** The page's samples: a `<!-- sample: x.csv -->` line, then a csv code block. */
function samples(): { name: string; content: string }[] {
  const re = /<!-- sample: ([\w-]+\.csv) -->\n```csv\n([\s\S]*?)```/g;
  return [...PAGE.matchAll(re)].map((m) => ({ name: m[1]!, content: m[2]! }));
}

describe('docs/configuration-book.md', () => {
  let t: TestDb;
  before(async () => {
    t = await createTestDb();
  });
  after(async () => t?.drop());

  it('has a sample of every kind of file, and they import into an empty book', async () => {
    const files = samples();
    assert.deepEqual(files.map((f) => f.name).sort(), KINDS.map(fileNameOf).sort());
    const r = await importBook(t.db, files, {
      apply: true,
      actor: { id: 'docs', via: 'import' },
      today: '2026-11-24',
    });
    assert.deepEqual(r.errors.map(formatError), []);
    assert.equal(r.applied, true);
    assert.equal((await t.db('accounts').where({ id: 'PARK-3' }).first()).status, 'PENDING_SETUP');
    assert.equal((await t.db('accounts').where({ id: 'PARK-1' }).first()).status, 'ACTIVE');
  });

  it('documents every column of every format', () => {
    for (const kind of KINDS) {
      const at = PAGE.indexOf(`### ${fileNameOf(kind)}`);
      assert.ok(at >= 0, `a section for ${fileNameOf(kind)}`);
      const section = PAGE.slice(at, PAGE.indexOf('<!-- sample:', at));
      for (const c of COLUMNS[kind]) {
        assert.ok(section.includes(`\`${c.name}\``), `${fileNameOf(kind)}: column ${c.name}`);
      }
    }
  });
});
