/**
 * A firm's own book on the simulated custodian (src/demo/simulator-firm.ts, run by `npm start`):
 * the docs' sample firm (docs/configuration-book.md, imported through `book import --apply` into an
 * empty book, no demo data) is opened at the simulator with the book's cash, lots and positions,
 * its securities get closes (the demo's series for a demo security, one of its own for any other),
 * a second start opens nothing; and the audit log of all of it is read back with `audit`
 * (src/cli/audit.ts): who, through what, from which file and line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAuditCommand } from '../../src/cli/audit';
import { runBookCommand } from '../../src/cli/book';
import { syntheticPrices, syntheticPricesFor } from '../../src/demo/seed';
import { openBookAtSimulator } from '../../src/demo/simulator-firm';
import { type TestDb, createTestDb } from '../support/db';

const DATE = '2026-12-02';
const PAGE = readFileSync(path.join(__dirname, '../../docs/configuration-book.md'), 'utf8');

describe('a firm of its own on the simulated custodian', () => {
  let t: TestDb;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'firm-'));
  const lines = async (
    fn: (io: { out: (l: string) => void; err: (l: string) => void }) => Promise<number>,
  ) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await fn({ out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err: err.join('\n') };
  };

  before(async () => {
    t = await createTestDb();
    for (const m of PAGE.matchAll(/<!-- sample: ([\w-]+\.csv) -->\n```csv\n([\s\S]*?)```/g))
      writeFileSync(path.join(dir, m[1]!), m[2]!);
    // One security the demo's market does not have, held by PARK-2.
    writeFileSync(
      path.join(dir, 'securities.csv'),
      `${readFileSync(path.join(dir, 'securities.csv'), 'utf8')}ACME,00000A101,Acme Corp,EQUITY,US_EQUITY,false,,\n`,
    );
    writeFileSync(
      path.join(dir, 'positions.csv'),
      `${readFileSync(path.join(dir, 'positions.csv'), 'utf8')}PARK-2,ACME,CUST-L-2002,2025-01-02,10,80.00\n`,
    );
    const r = await lines((io) =>
      runBookCommand({ db: t.db, today: () => DATE }, ['book', 'import', dir, '--apply', '--by', 'jane'], io),
    );
    assert.equal(r.code, 0, r.err);
  });
  after(async () => t?.drop());

  it('opens the book’s accounts at the simulator with its cash, lots and positions, and gives its securities closes', async () => {
    const opened = await openBookAtSimulator(t.db, { averagePriceAccount: 'ZOEAVG01' });
    assert.deepEqual(opened.accounts, ['PARK-1', 'PARK-2', 'PARK-3']);
    assert.deepEqual(opened.securities, ['ACME', 'BND', 'ITOT', 'VTI']);

    const simLots = await t
      .db('sim.lots')
      .orderBy('lot_id')
      .select('lot_id', 'account_number', 'symbol', 'qty');
    const bookLots = await t
      .db('tax_lots as l')
      .join('accounts as a', 'a.id', 'l.account_id')
      .orderBy('l.id')
      .select('l.id as lot_id', 'a.custodian_account_number as account_number', 'l.symbol', 'l.qty');
    assert.deepEqual(
      simLots.map((l) => ({ ...l, qty: Number(l.qty).toFixed(5) })),
      bookLots.map((l) => ({ ...l, qty: Number(l.qty).toFixed(5) })),
    );
    const cash = await t.db('sim.accounts').where({ account_number: '5AB00002' }).first();
    assert.equal(cash.cash, '180.25');
    const positions = await t
      .db('sim.positions')
      .where({ account_number: '5AB00001', symbol: 'VTI' })
      .first();
    assert.equal(positions.qty, '150.50000');
    assert.ok(
      await t.db('sim.accounts').where({ account_number: 'ZOEAVG01', average_price_account: true }).first(),
    );

    // The demo's own series for a demo security, a series of its own for another.
    const close = async (symbol: string, date: string) =>
      (await t.db('sim.prices').where({ symbol, date }).first())?.close;
    const vti = syntheticPrices(20261124).find((p) => p.symbol === 'VTI' && p.date === DATE)!;
    assert.equal(Number(await close('VTI', DATE)), Number(vti.close));
    const acme = syntheticPricesFor('ACME');
    assert.deepEqual(acme, syntheticPricesFor('ACME'), 'the same symbol, the same series');
    assert.equal(Number(await close('ACME', DATE)), Number(acme.find((p) => p.date === DATE)!.close));
    assert.notDeepEqual(
      acme.slice(0, 5).map((p) => p.close),
      syntheticPricesFor('ACMF')
        .slice(0, 5)
        .map((p) => p.close),
    );

    const again = await openBookAtSimulator(t.db, { averagePriceAccount: 'ZOEAVG01' });
    assert.deepEqual(again, { accounts: [], securities: [] }, 'a second start opens nothing');
  });

  it('audit: the import’s rows with who, through what and where, filtered, newest first', async () => {
    const run = (...argv: string[]) => lines((io) => runAuditCommand({ db: t.db }, ['audit', ...argv], io));
    const all = await run('--actor', 'jane', '--limit', '1000');
    assert.equal(all.code, 0, all.err);
    const created = all.out.filter((l) => l.includes('ACCOUNT_CREATED'));
    assert.equal(created.length, 3, all.out.join('\n'));
    assert.match(
      created.at(-1)!,
      /jane {2}ACCOUNT_CREATED {2}account\/PARK-1 {2}via import \(.*accounts\.csv line 2\)$/,
    );
    const park = await run('--entity', 'account', '--id', 'PARK-2', '--details');
    assert.ok(park.out.some((l) => l.includes('OPENING_POSITIONS_LOADED')));
    assert.ok(
      park.out.some((l) => l.trim().startsWith('{"via":"import"')),
      park.out.join('\n'),
    );
    assert.ok(park.out.every((l) => !l.includes('PARK-1')));
    const one = await run('--limit', '1');
    assert.equal(one.out.length, 2);
    assert.match(one.out[1]!, /^1 row \(--limit 1\)$/);
    for (const [argv, message] of [
      [['--limit', '0'], /--limit must be at least 1/],
      [['--limit', 'x'], /--limit must be a whole number/],
      [['--since', '2026-13-45'], /--since is not a date/],
      [['--action', 'drop table'], /--action is an action name/],
      [['--colour', 'red'], /Unknown option '--colour'/],
      [['--actor', 'a\u0000b'], /--actor/],
    ] as const) {
      const r = await run(...argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, message);
    }
  });
});
