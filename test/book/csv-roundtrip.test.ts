/**
 * Export → import round-trips (src/book/csv/export.ts): the demo book (loaded through the import)
 * exported, imported into an empty database, exported again gives the same files; imported into
 * the book it came from it changes nothing. Through the CLI (`book export DIR`, `book import DIR`,
 * dry run by default, `--apply --by NAME`), as a user would run it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { updateAccountSettings } from '../../src/book/accounts';
import { exportBook } from '../../src/book/csv/export';
import { addRestriction } from '../../src/book/restrictions';
import { runBookCommand } from '../../src/cli/book';
import { seedDemoData } from '../../src/demo/seed';
import { type TestDb, createTestDb } from '../support/db';

const DATE = '2026-11-24';

describe('book export and import round-trip', () => {
  let demo: TestDb;
  let empty: TestDb;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'book-'));
  const run = async (t: TestDb, ...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runBookCommand({ db: t.db, today: () => DATE }, argv, {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const auditRows = async (t: TestDb) =>
    Number((await t.db('audit_log').count<{ n: string }[]>('* as n'))[0]!.n);

  before(async () => {
    [demo, empty] = await Promise.all([createTestDb(), createTestDb()]);
    await seedDemoData(demo.db, { asOf: DATE });
    // Some configuration the demo files do not have, so the round trip carries it too.
    const ctx = { db: demo.db, actor: { id: 'ops:test', via: 'api' as const }, today: DATE };
    await addRestriction(ctx, {
      scope: 'FIRM',
      symbol: 'VNQ',
      kind: 'NO_BUY',
      reason: 'under review',
      startsOn: DATE,
    });
    await addRestriction(ctx, {
      scope: 'ACCOUNT',
      accountId: 'ACC004',
      symbol: 'BND',
      kind: 'NO_SELL',
      reason: 'client asked, until year end',
      startsOn: DATE,
      endsOn: '2026-12-31',
    });
    await updateAccountSettings(ctx, 'ACC002', {
      overrides: { absBand: '0.03', tlhEnabled: false, esgExcluded: ['VNQ'] },
    });
  });
  after(async () => Promise.all([demo?.drop(), empty?.drop()]));

  it('book export writes every file; an empty book takes them (dry run first) and exports the same', async () => {
    const exported = await run(demo, 'book', 'export', dir);
    assert.equal(exported.code, 0, exported.err);
    assert.deepEqual(readdirSync(dir).sort(), [
      'accounts.csv',
      'advisors.csv',
      'cash-flows.csv',
      'cash.csv',
      'households.csv',
      'model-targets.csv',
      'models.csv',
      'positions.csv',
      'restrictions.csv',
      'securities.csv',
    ]);
    assert.match(readFileSync(path.join(dir, 'restrictions.csv'), 'utf8'), /FIRM,,,VNQ,NO_BUY,under review/);
    assert.match(readFileSync(path.join(dir, 'accounts.csv'), 'utf8'), /^ACC002,.*,VNQ,.*,0\.03,/m);

    const dry = await run(empty, 'book', 'import', dir);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /accounts: 20 created, 0 updated, 0 unchanged/);
    assert.match(dry.out, /dry run: nothing applied/);
    assert.equal(Number((await empty.db('accounts').count<{ n: string }[]>('* as n'))[0]!.n), 0);

    const noBy = await run(empty, 'book', 'import', dir, '--apply');
    assert.equal(noBy.code, 2);
    assert.match(noBy.err, /--apply needs --by NAME/);

    const applied = await run(empty, 'book', 'import', dir, '--apply', '--by', 'alice');
    assert.equal(applied.code, 0, applied.err);
    assert.match(applied.out, /positions: \d+ created/);
    assert.match(applied.out, /^applied$/m);

    const again = await exportBook(empty.db);
    for (const [name, text] of Object.entries(await exportBook(demo.db))) {
      assert.equal(again[name], text, `${name} round-trips`);
    }
  });

  it('the exported files imported into the book they came from change nothing', async () => {
    const before = await auditRows(demo);
    const r = await run(demo, 'book', 'import', dir, '--apply', '--by', 'alice');
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /[1-9]\d* (created|updated)/, r.out);
    assert.equal(await auditRows(demo), before, 'no change, no audit row');
  });

  it('a mistake in a file: reported with file, line and column, exit 2, nothing applied', async () => {
    const bad = mkdtempSync(path.join(os.tmpdir(), 'book-bad-'));
    writeFileSync(
      path.join(bad, 'accounts.csv'),
      [
        'account_id,custodian_account_number,name,advisor_id,household_id,registration,model_id,mode',
        'ACC900,3ZO00900,New client,ADV-ANA,HH001,TAXABLE,M6040,AUTO',
        'ACC901,3ZO00901,Other client,ADV-ANA,HH001,ROTH,M9999,AUTO',
        '',
      ].join('\n'),
    );
    const r = await run(demo, 'book', 'import', bad, '--apply', '--by', 'alice');
    assert.equal(r.code, 2);
    assert.match(r.err, /accounts\.csv line 3, column model_id: .*M9999/);
    assert.match(r.out, /refused: 1 mistake, nothing applied/);
    assert.equal(
      await demo.db('accounts').where({ id: 'ACC900' }).first(),
      undefined,
      'not even the good row',
    );
  });
});
