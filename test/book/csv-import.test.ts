/**
 * The book's CSV import (src/book/csv): a book full of mistakes has every one reported with its
 * file, line and column and nothing applied, dry run or not; a good book dry-runs without writing,
 * applies in one go, and importing it again changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { overridesOf } from '../../src/book/accounts';
import { type ImportFile, importBook } from '../../src/book/csv/import';
import { formatError } from '../../src/book/csv/table';
import { type TestDb, createTestDb } from '../support/db';

const TODAY = '2026-11-24';
const file = (name: string, ...lines: string[]): ImportFile => ({ name, content: `${lines.join('\n')}\n` });

/** A small firm, right. */
const GOOD: ImportFile[] = [
  file('advisors.csv', 'advisor_id,name,email,rep_code', 'ADV-X,Xavier Diaz,xavier@example.com,RX1'),
  file(
    'securities.csv',
    'symbol,cusip,description,type,asset_class,fractionable,tlh_alternates,identical_group',
    'AAA,123456789,Triple A ETF,ETF,US_EQUITY,true,BBB,',
    'BBB,223456789,Double B ETF,ETF,US_EQUITY,true,AAA,',
    'CCC,323456789,Bond C ETF,ETF,US_BONDS,false,,',
  ),
  file('households.csv', 'household_id,name', 'HH-X,The Diaz family'),
  file('models.csv', 'model_id,name,band_rule,abs_band', 'MX,Model X 70/30,ABS,0.04'),
  file('model-targets.csv', 'model_id,symbol,weight,alternates', 'MX,AAA,0.70,BBB', 'MX,CCC,0.28,'),
  file(
    'accounts.csv',
    'account_id,custodian_account_number,name,advisor_id,household_id,registration,model_id,mode,abs_band,tlh_enabled',
    'ACC-X1,9XX00001,Diaz joint,ADV-X,HH-X,TAXABLE,MX,AUTO,0.03,true',
    'ACC-X2,9XX00002,Diaz IRA,ADV-X,HH-X,IRA,MX,MANUAL,,',
  ),
  file(
    'restrictions.csv',
    'scope,account_id,advisor_id,symbol,kind,reason,starts_on,ends_on',
    'ACCOUNT,ACC-X1,,CCC,NO_BUY,client asked,2026-11-01,',
  ),
  file(
    'positions.csv',
    'account_id,symbol,lot_id,open_date,quantity,unit_cost',
    'ACC-X1,AAA,L-1,2025-03-03,10.5,101.25',
    'ACC-X1,AAA,L-2,2026-02-02,4,120',
    'ACC-X2,CCC,L-3,2025-06-02,100,50.5',
  ),
  file('cash.csv', 'account_id,cash', 'ACC-X1,1500.00', 'ACC-X2,0.50'),
  file(
    'cash-flows.csv',
    'flow_id,account_id,type,amount,effective_date,status,custodian_ref',
    'CF-1,ACC-X1,WITHDRAWAL,-500.00,2026-11-24,PENDING,ACH-9',
  ),
];

/** The same kinds of file, with mistakes; the comment after each line is what must be reported. */
const BAD: ImportFile[] = [
  file(
    'bad/advisors.csv',
    'advisor_id,name,email,rep_code',
    'ADV-X,Xavier Diaz,xavier@example.com,',
    'ADV-Y,Yolanda Ito,not-an-email,', // 3 email
    'ADV-X,Xavier again,x2@example.com,', // 4 advisor_id: repeats line 2
  ),
  file(
    'bad/securities.csv',
    'symbol,cusip,description,type,asset_class,fractionable,tlh_alternates,identical_group',
    'AAA,123456789,Triple A ETF,ETF,US_EQUITY,true,,',
    'BBB,12345,Short CUSIP,ETF,US_EQUITY,true,,', // 3 cusip
    'CCC,323456789,Bond C,BOND,US_BONDS,maybe,,', // 4 type, fractionable
    'DDD,423456789,D fund,ETF,US_EQUITY,true,QQQQ,', // 5 tlh_alternates: not a security
  ),
  file(
    'bad/households.csv',
    'household_id,name',
    'HH-X,The Diaz family',
    'HH-Y,', // 3 name
  ),
  file(
    'bad/models.csv',
    'model_id,name,band_rule,abs_band',
    'MX,Model X,ABS,0.04',
    'MY,Model Y,ABS,abc', // 3 abs_band
    'MZ,Model Z,ABS,0.05', // 4 model_id: no targets
  ),
  file(
    'bad/model-targets.csv',
    'model_id,symbol,weight,alternates',
    'MX,AAA,0.70,',
    'MX,XYZ,0.20,', // 3 symbol: not a security of the book
    'MQ,AAA,1,', // 4 model_id: no row in models.csv
    'MY,AAA,1,', // (MY's row is refused already: not reported again)
  ),
  file(
    'bad/accounts.csv',
    'account_id,custodian_account_number,name,advisor_id,household_id,registration,model_id,mode',
    'ACC-X1,9XX00001,Diaz joint,ADV-X,HH-X,TAXABLE,,',
    'ACC-X2,9XX00002,Diaz IRA,ADV-NOPE,HH-X,IRA,,', // 3 advisor_id: not found
    'ACC-X3,9XX00001,Diaz Roth,ADV-X,HH-X,ROTH,,', // 4 custodian_account_number: line 2's
    'ACC-X4,9XX00004,Diaz 401k,ADV-X,HH-X,401K,,SOMETIMES', // 5 registration, mode
    'ACC-X5,9XX00005,Diaz trust,ADV-X,HH-X,TAXABLE,', // 6 field count
  ),
  file(
    'bad/restrictions.csv',
    'scope,account_id,symbol,kind,reason,starts_on',
    'ACCOUNT,ACC-X1,AAA,NO_BUY,client asked,2026-13-01', // 2 starts_on
    'FIRM,,AAA,NO_SELLING,compliance,', // 3 kind
  ),
  file(
    'bad/positions.csv',
    'account_id,symbol,lot_id,open_date,quantity,unit_cost',
    'ACC-X1,AAA,L-1,2026-01-05,10,100',
    'ACC-X1,ZZZ,L-2,2026-01-05,10,100', // 3 symbol: not a security
    'ACC-X1,AAA,L-3,2026-01-05,-5,100', // 4 quantity
  ),
  file(
    'bad/cash.csv',
    'account_id,cash',
    'ACC-X1,1000.00',
    'ACC-NOPE,5.00', // 3 account_id: not found
    'ACC-X1,12.34', // 4 account_id: repeats line 2
    'ACC-X9,12.3456', // 5 cash: cents at most
  ),
  file(
    'bad/cash-flows.csv',
    'flow_id,account_id,type,amount,effective_date,status,custodian_ref',
    'CF-1,ACC-X1,WITHDRAWAL,500.00,2026-11-24,PENDING,', // 2 amount: the sign
  ),
  file('bad/extras.csv', 'a,b', '1,2'), // 0: not a book file
];

/** file:line:column of every mistake the comments of BAD name. */
const EXPECTED = [
  'bad/advisors.csv:3:email',
  'bad/advisors.csv:4:advisor_id',
  'bad/securities.csv:3:cusip',
  'bad/securities.csv:4:fractionable',
  'bad/securities.csv:4:type',
  'bad/securities.csv:5:tlh_alternates',
  'bad/households.csv:3:name',
  'bad/models.csv:3:abs_band',
  'bad/models.csv:4:model_id',
  'bad/model-targets.csv:3:symbol',
  'bad/model-targets.csv:4:model_id',
  'bad/accounts.csv:3:advisor_id',
  'bad/accounts.csv:4:custodian_account_number',
  'bad/accounts.csv:5:mode',
  'bad/accounts.csv:5:registration',
  'bad/accounts.csv:6:',
  'bad/restrictions.csv:2:starts_on',
  'bad/restrictions.csv:3:kind',
  'bad/positions.csv:3:symbol',
  'bad/positions.csv:4:quantity',
  'bad/cash.csv:3:account_id',
  'bad/cash.csv:4:account_id',
  'bad/cash.csv:5:cash',
  'bad/cash-flows.csv:2:amount',
  'bad/extras.csv:0:',
].sort();

/** What the import writes, counted. */
async function bookCounts(db: Knex): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of [
    'advisors',
    'securities',
    'households',
    'models',
    'model_versions',
    'model_targets',
    'accounts',
    'restrictions',
    'tax_lots',
    'positions',
    'cash_balances',
    'cash_flows',
    'audit_log',
  ]) {
    out[t] = Number((await db(t).count<{ n: string }[]>('* as n'))[0]!.n);
  }
  return out;
}

describe('book import (CSV)', () => {
  let t: TestDb;
  before(async () => {
    t = await createTestDb();
  });
  after(async () => t?.drop());

  it('a book full of mistakes: every one reported with file, line and column, nothing applied', async () => {
    const before = await bookCounts(t.db);
    for (const apply of [false, true]) {
      const r = await importBook(t.db, BAD, { apply, actor: { id: 'test', via: 'import' }, today: TODAY });
      assert.equal(r.applied, false);
      assert.equal(r.dryRun, !apply);
      const got = r.errors.map((e) => `${e.file}:${e.line}:${e.column ?? ''}`).sort();
      assert.deepEqual(got, EXPECTED, r.errors.map(formatError).join('\n'));
      const msg = (at: string) =>
        r.errors.find((e) => `${e.file}:${e.line}:${e.column ?? ''}` === at)?.message ?? '';
      assert.match(msg('bad/advisors.csv:4:advisor_id'), /repeats line 2/);
      assert.match(msg('bad/models.csv:4:model_id'), /MZ has no targets/);
      assert.match(msg('bad/model-targets.csv:3:symbol'), /XYZ/);
      assert.match(msg('bad/model-targets.csv:4:model_id'), /MQ has no row in models\.csv/);
      assert.match(msg('bad/accounts.csv:3:advisor_id'), /ADV-NOPE/);
      assert.match(msg('bad/accounts.csv:6:'), /7 fields, the header 8/);
      assert.match(msg('bad/positions.csv:3:symbol'), /ZZZ is not a security/);
      assert.match(msg('bad/cash.csv:3:account_id'), /ACC-NOPE/);
      assert.match(msg('bad/cash-flows.csv:2:amount'), /sign/);
      assert.match(msg('bad/extras.csv:0:'), /not a book file/);
      assert.deepEqual(await bookCounts(t.db), before, 'nothing written');
    }
  });

  it('a file it cannot read: the header named, the rows not guessed at', async () => {
    const r = await importBook(
      t.db,
      [
        file('h/households.csv', 'household_id,nmae', 'HH-1,One'),
        file('h/advisors.csv', 'advisor_id,name', 'ADV-1,One'),
        { name: 'h/cash.csv', content: Buffer.from([0x61, 0x63, 0xff, 0x0a]) },
      ],
      { apply: true, actor: { id: 'test', via: 'import' }, today: TODAY },
    );
    assert.equal(r.applied, false);
    const got = r.errors.map((e) => `${e.file}:${e.line}:${e.column ?? ''}`).sort();
    assert.deepEqual(got, [
      'h/advisors.csv:1:email',
      'h/cash.csv:1:',
      'h/households.csv:1:name',
      'h/households.csv:1:nmae',
    ]);
    assert.match(r.errors.find((e) => e.column === 'nmae')!.message, /unknown column/);
    assert.match(r.errors.find((e) => e.column === 'email')!.message, /required column/);
  });

  it('a NUL or an unpaired surrogate in a cell: refused with file, line and column, nothing applied', async () => {
    const before = await bookCounts(t.db);
    const r = await importBook(
      t.db,
      [
        { name: 'n/households.csv', content: Buffer.from('household_id,name\nHH-N,The N\u0000 family\n') },
        file(
          'n/advisors.csv',
          'advisor_id,name,email,rep_code',
          'ADV-N,"Nina \ud800",nina@example.com,',
          'ADV-M,Mia,mia\udc00@example.com,',
        ),
        file('n/models.csv', 'model_id,name,note', 'MN,Model N,fine'),
        file('n/model-targets.csv', 'model_id,symbol,weight', 'MN,AAA,1'),
      ],
      { apply: true, actor: { id: 'test', via: 'import' }, today: TODAY },
    );
    assert.equal(r.applied, false);
    const got = r.errors.map((e) => `${e.file}:${e.line}:${e.column ?? ''}`);
    assert.ok(got.includes('n/households.csv:2:name'), r.errors.map(formatError).join('\n'));
    assert.ok(got.includes('n/advisors.csv:2:name'), r.errors.map(formatError).join('\n'));
    assert.ok(got.includes('n/advisors.csv:3:email'), r.errors.map(formatError).join('\n'));
    const nul = r.errors.find((e) => e.file === 'n/households.csv')!;
    assert.match(
      formatError(nul),
      /^n\/households\.csv line 2, column name: contains U\+0000 \(NUL\) at character 11/,
    );
    for (const e of r.errors.filter((e) => e.file === 'n/advisors.csv'))
      assert.match(e.message, /unpaired UTF-16 surrogate/);
    assert.deepEqual(await bookCounts(t.db), before, 'nothing written');
  });

  it('a good book: the dry run writes nothing, --apply all of it, the same again changes nothing', async () => {
    const before = await bookCounts(t.db);
    const dry = await importBook(t.db, GOOD, { actor: { id: 'test', via: 'import' }, today: TODAY });
    assert.deepEqual(dry.errors, [], dry.errors.map(formatError).join('\n'));
    assert.equal(dry.applied, false);
    assert.deepEqual(dry.counts.accounts, { created: 2, updated: 0, unchanged: 0 });
    assert.deepEqual(await bookCounts(t.db), before, 'a dry run writes nothing');

    const applied = await importBook(t.db, GOOD, {
      apply: true,
      actor: { id: 'alice', via: 'import' },
      today: TODAY,
    });
    assert.deepEqual(applied.errors, []);
    assert.equal(applied.applied, true);
    assert.deepEqual(applied.counts, dry.counts, 'the dry run said what would be applied');
    const acc = await t.db('accounts').where({ id: 'ACC-X1' }).first();
    assert.equal(acc.status, 'ACTIVE');
    assert.equal(acc.mode, 'AUTO');
    assert.deepEqual(overridesOf(acc), { absBand: '0.03', tlhEnabled: true });
    const lots = await t.db('tax_lots').where({ account_id: 'ACC-X1' }).orderBy('id');
    assert.deepEqual(
      lots.map((l: { id: string; qty: string; unit_cost: string }) => [l.id, l.qty, l.unit_cost]),
      [
        ['L-1', '10.50000', '101.250000'],
        ['L-2', '4.00000', '120.000000'],
      ],
    );
    const pos = await t.db('positions').where({ account_id: 'ACC-X1', symbol: 'AAA' }).first();
    assert.equal(pos.qty, '14.50000', 'the position is the sum of its lots');
    const audit = await t.db('audit_log').whereRaw("details->>'via' = 'import'").orderBy('id');
    assert.ok(audit.length >= 10, 'every change audited');
    assert.ok(
      audit.every((a: { actor: string }) => a.actor === 'alice'),
      'who imported',
    );
    const created = audit.find(
      (a: { action: string; entity_id: string }) =>
        a.action === 'ACCOUNT_CREATED' && a.entity_id === 'ACC-X2',
    );
    assert.equal(created.details.file, 'accounts.csv', 'the file the change came from');
    assert.equal(created.details.line, 3, 'and its line');

    const afterApply = await bookCounts(t.db);
    const again = await importBook(t.db, GOOD, {
      apply: true,
      actor: { id: 'alice', via: 'import' },
      today: TODAY,
    });
    assert.deepEqual(again.errors, []);
    for (const [kind, c] of Object.entries(again.counts)) {
      assert.equal(c.created + c.updated, 0, `${kind}: re-importing changes nothing`);
    }
    assert.deepEqual(await bookCounts(t.db), afterApply, 'not even an audit row');
  });

  it('a changed row updates what it says; a book that contradicts itself is refused whole', async () => {
    const changed = GOOD.map((f) =>
      f.name === 'accounts.csv'
        ? file(
            'accounts.csv',
            'account_id,custodian_account_number,name,advisor_id,household_id,registration,model_id,mode,abs_band,tlh_enabled',
            'ACC-X1,9XX00001,Diaz joint,ADV-X,HH-X,TAXABLE,MX,MANUAL,,true',
            'ACC-X2,9XX00002,Diaz IRA,ADV-X,HH-X,IRA,MX,MANUAL,,',
          )
        : f.name === 'positions.csv'
          ? file(
              'positions.csv',
              'account_id,symbol,lot_id,open_date,quantity,unit_cost',
              'ACC-X1,AAA,L-1,2025-03-03,11,101.25',
              'ACC-X1,AAA,L-2,2026-02-02,4,120',
              'ACC-X2,CCC,L-3,2025-06-02,100,50.5',
            )
          : f,
    );
    const before = await bookCounts(t.db);
    const refused = await importBook(t.db, changed, {
      apply: true,
      actor: { id: 'alice', via: 'import' },
      today: TODAY,
    });
    assert.equal(refused.applied, false);
    assert.deepEqual(
      refused.errors.map((e) => `${e.file}:${e.line}:${e.column}`),
      ['positions.csv:2:lot_id'],
      'opening lots load once: other lots for an account that holds some are refused',
    );
    assert.deepEqual(await bookCounts(t.db), before, 'the good account change was not applied either');

    const ok = await importBook(
      t.db,
      changed.filter((f) => f.name !== 'positions.csv'),
      { apply: true, actor: { id: 'alice', via: 'import' }, today: TODAY },
    );
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(ok.counts.accounts, { created: 0, updated: 1, unchanged: 1 });
    const acc = await t.db('accounts').where({ id: 'ACC-X1' }).first();
    assert.equal(acc.mode, 'MANUAL');
    assert.deepEqual(overridesOf(acc), { tlhEnabled: true }, 'an empty cell clears the override');
  });
});
