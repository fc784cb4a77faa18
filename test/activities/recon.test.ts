/**
 * Ingestion of the whole start-of-day file set and reconciliation through the activities, on a
 * real PostgreSQL with the demo book. The files are written with the custodian file writers
 * into a temp drop folder, from the book itself, then changed per account:
 *
 *   ACC001  one VTI lot $5.00 dearer at the custodian   COST_BASIS, holds VTI only (engine skips VTI)
 *   ACC002  a buy of 10 BND the custodian has not seen   TIMING (position, cash, lot), auto-resolved
 *   ACC003  a $1,000 deposit (EXT869)                    posted to the book by the sync: no break, then or next day
 *   ACC005  VXUS under its old CUSIP (EXT747 maps it)    SECURITY_MASTER, auto-resolved
 *   ACC006  $50.00 less cash at the custodian            CASH, holds the account; ages a day
 *   ACC010  200 VTI more at the custodian                TRADE, escalated (> $25,000)
 *   ACC011  1.5 BND more at the custodian (the demo's)   TRADE, holds the account; explained by ops: stays resolved
 *   SGOV    a 2-for-1 split (EXT235) for every holder    posted to the book by the sync: quantities ×2, costs ÷2
 *
 * and the positions file with lower-case symbols and CUSIPs (normalised: no breaks). A bad
 * balance file and a lot file with a lot twice are rejected with nothing applied.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { type ActivityDeps, createActivities } from '../../src/activities';
import { loadSnapshot } from '../../src/activities/snapshot';
import { listBreaks, renderBreaks } from '../../src/cli/ops';
import type { IngestResult, ReconcileResult } from '../../src/contracts';
import { fileName, writeEXT981, writeEXT_TAXLOT } from '../../src/custodian/files';
import type { CustodianPort } from '../../src/custodian/port';
import { seedDemoData } from '../../src/demo/seed';
import { nextTradingDay, previousTradingDay } from '../../src/domain/calendar';
import { planAccount } from '../../src/domain/engine';
import { cashStr, dec, qtyStr } from '../../src/domain/money';
import { balanceOf, filesFromBook, positionOf, readBook, writeSet } from '../support/book-files';
import { type TestDb, createTestDb } from '../support/db';

const D = '2026-12-01'; // a Tuesday
const D1 = nextTradingDay(D);
const D2 = nextTradingDay(D1);
const VXUS_OLD_CUSIP = '92190OLD1';
const SGOV_SPLIT = { symbol: 'SGOV', cusip: '46436E718', factor: '2', date: D };
const OLD_CUSIPS = { VXUS: VXUS_OLD_CUSIP };

describe('ingestion and reconciliation activities', () => {
  let t: TestDb;
  let dropDir: string;
  let deps: ActivityDeps;
  let acts: ReturnType<typeof createActivities>;
  const env = new MockActivityEnvironment();
  const ingest = (processDate: string): Promise<IngestResult> =>
    env.run(acts.ingestMorningFiles, { processDate });
  const recon = (tradeDate: string, accountId: string): Promise<ReconcileResult> =>
    acts.reconcileAccount({ tradeDate, accountId });
  const breaksOf = (accountId: string, where: Record<string, unknown> = {}) =>
    t
      .db('breaks')
      .where({ account_id: accountId, ...where })
      .orderBy(['type', 'key']);
  const number = (id: string) => `3ZO${id.slice(3).padStart(5, '0')}`;
  const results = new Map<string, ReconcileResult>();
  let vtiClose: string;

  before(async () => {
    t = await createTestDb();
    await seedDemoData(t.db, { asOf: D });
    dropDir = mkdtempSync(path.join(os.tmpdir(), 'zoe-recon-'));
    const custodian = { requestStartOfDayFiles: async () => [] } as unknown as CustodianPort;
    deps = { db: t.db, custodian, dropDir, correspondent: 'ZOE' };
    acts = createActivities(deps);

    const book = await readBook(t.db, D);
    vtiClose = book.close.get('VTI')!;
    const f = filesFromBook(book, D, SGOV_SPLIT, OLD_CUSIPS);
    // ACC001: one VTI lot $5.00 dearer at the custodian.
    const lot = f.EXT_TAXLOT.find((l) => l.lotId === 'LOT-ACC001-VTI-1')!;
    lot.totalCost = cashStr(dec(lot.totalCost).plus(5));
    lot.adjustedCost = lot.totalCost;
    // ACC003: a $1,000 ACH deposit at the custodian the book has not posted.
    f.EXT869.push({
      accountNumber: number('ACC003'),
      accType: '1',
      amountIn: '1000.00',
      description: 'ACH deposit',
      currencyCode: 'USD',
      processDate: D,
      batchCode: '9C',
      cusip: null,
      entryDate: D,
      payTypeCode: 'C',
      enteredBy: 'ACH',
      tradeDate: null,
      tradeNumber: 'ACH-7001',
    });
    const b3 = balanceOf(f, number('ACC003'));
    b3.cashTradeBalance = cashStr(dec(b3.cashTradeBalance).plus(1000));
    // ACC005: VXUS under its old CUSIP.
    positionOf(f, number('ACC005'), 'VXUS').cusip = VXUS_OLD_CUSIP;
    // ACC006: $50.00 less cash at the custodian.
    const b6 = balanceOf(f, number('ACC006'));
    b6.cashTradeBalance = cashStr(dec(b6.cashTradeBalance).minus(50));
    // ACC010: 200 VTI more at the custodian (material).
    const v10 = positionOf(f, number('ACC010'), 'VTI');
    v10.tradeQuantity = qtyStr(dec(v10.tradeQuantity).plus(200));
    // ACC011: the demo's break: 1.5 BND more at the custodian.
    const b11 = positionOf(f, number('ACC011'), 'BND');
    b11.tradeQuantity = qtyStr(dec(b11.tradeQuantity).plus('1.5'));
    await writeSet(dropDir, D, f);

    // ACC002: a buy of 10 BND @ 72.00 on the previous trading day, booked by us (position, cash,
    // lot), not reported by the custodian yet: its files above do not have it.
    const prev = previousTradingDay(D);
    await t.db('proposals').insert({
      id: 'P-ACC002-PREV',
      account_id: 'ACC002',
      trade_date: prev,
      status: 'EXECUTED',
      model_id: 'M8020',
      model_version: 1,
      reasons: '[]',
      plan: '{}',
      expires_at: `${prev}T16:45:00Z`,
    });
    await t.db('orders').insert({
      client_order_id: 'PREV-ACC002-L1-A1',
      proposal_id: 'P-ACC002-PREV',
      leg_no: 1,
      attempt: 1,
      account_id: 'ACC002',
      trade_date: prev,
      symbol: 'BND',
      side: 'BUY',
      qty: '10',
      filled_qty: '10',
      avg_price: '72.00',
      status: 'FILLED',
      booked: true,
      custodian_order_id: 'SIM-PREV-1',
    });
    await t
      .db('positions')
      .where({ account_id: 'ACC002', symbol: 'BND' })
      .update({ qty: t.db.raw('qty + 10') });
    await t
      .db('cash_balances')
      .where({ account_id: 'ACC002' })
      .update({ amount: t.db.raw('amount - 720.00') });
    await t.db('tax_lots').insert({
      id: 'L-PREV-ACC002-L1-A1',
      account_id: 'ACC002',
      symbol: 'BND',
      open_date: prev,
      qty: '10',
      unit_cost: '72.000000',
    });
  });
  after(async () => {
    await t?.drop();
    if (dropDir) rmSync(dropDir, { recursive: true, force: true });
  });

  it('ingests every kind of file once, one transaction per file', async () => {
    const r = await ingest(D);
    assert.deepEqual(r.rejected, []);
    assert.equal(r.ingested.length, 6);
    const again = await ingest(D);
    assert.deepEqual(again.ingested, []);
    assert.equal(again.skipped.length, 6, 'same checksums: nothing applied twice');
    const count = async (table: string) =>
      Number((await t.db(table).where({ process_date: D }).count<{ n: string }[]>('* as n'))[0]!.n);
    assert.equal(await count('custodian_balances'), 20);
    assert.equal(await count('custodian_corporate_actions'), 1);
    assert.equal(await count('custodian_securities'), 11);
    assert.equal(
      await count('custodian_lots'),
      await t
        .db('tax_lots')
        .where('qty', '>', 0)
        .count()
        .then((x) => Number(x[0]!.count) - 1),
    );
    const cash = await t.db('custodian_cash_activity').where({ process_date: D });
    assert.equal(cash.length, 1);
    assert.equal(cash[0].amount, '-1000.00', "Apex's sign");
    assert.equal(cash[0].amount_in, '1000.00', 'ours');
    // Lower-case ids in the file are upper-case in the table.
    assert.equal(
      Number(
        (
          await t
            .db('custodian_positions')
            .where({ process_date: D })
            .whereRaw('symbol <> upper(symbol)')
            .count()
        )[0]!.count,
      ),
      0,
    );
  });

  it('reconciles every account; only the accounts with cash or unexplained breaks are held', async () => {
    for (let i = 1; i <= 20; i++) {
      const id = `ACC${String(i).padStart(3, '0')}`;
      results.set(id, await recon(D, id));
    }
    const held = [...results].filter(([, r]) => r.openBreaks > 0).map(([id]) => id);
    assert.deepEqual(held, ['ACC006', 'ACC010', 'ACC011']);
    for (const [id, r] of results) {
      assert.deepEqual(r.securityHolds, id === 'ACC001' ? ['VTI'] : [], id);
      assert.deepEqual(r.checked.cash, true);
    }
  });

  it('CASH: an unexplained cash difference holds the whole account', async () => {
    const r = results.get('ACC006')!;
    assert.equal(r.openBreaks, 1);
    const cash = await breaksOf('ACC006', { type: 'CASH' });
    assert.equal(cash.length, 1);
    assert.deepEqual(
      [
        cash[0].category,
        cash[0].status,
        cash[0].hold,
        cash[0].diff,
        cash[0].materiality_usd,
        cash[0].age_days,
      ],
      ['CASH', 'OPEN', 'ACCOUNT', '-50.00', '50.00', 0],
    );
    assert.deepEqual(r.breaks, [{ symbol: 'USD', ours: cash[0].ours, theirs: cash[0].theirs }]);
  });

  it('TRADE: the demo break holds ACC011; 200 VTI more in ACC010 is escalated', async () => {
    const r11 = results.get('ACC011')!;
    assert.equal(r11.openBreaks, 1);
    assert.equal(r11.breaks[0]!.symbol, 'BND');
    const [b11] = await breaksOf('ACC011');
    assert.deepEqual(
      [b11.category, b11.diff, b11.escalate, b11.hold],
      ['TRADE', '1.50000', false, 'ACCOUNT'],
    );
    const [b10] = await breaksOf('ACC010');
    assert.equal(b10.category, 'TRADE');
    assert.equal(b10.diff, '200.00000');
    assert.equal(b10.materiality_usd, cashStr(dec(vtiClose).times(200)));
    assert.equal(b10.escalate, true);
    const escalated = await t.db('audit_log').where({ action: 'BREAK_ESCALATED', entity_id: String(b10.id) });
    assert.equal(escalated.length, 1);
  });

  it('TIMING: an unreported fill explains position, cash and lot; each resolved automatically, audited', async () => {
    assert.equal(results.get('ACC002')!.openBreaks, 0);
    const rows = await breaksOf('ACC002');
    assert.deepEqual(
      rows.map((b: Record<string, unknown>) => [b.type, b.category, b.status, b.diff, b.hold]),
      [
        ['CASH', 'TIMING', 'RESOLVED_AUTO', '720.00', 'NONE'],
        ['COST_BASIS', 'TIMING', 'RESOLVED_AUTO', '-720.00', 'NONE'],
        ['POSITION', 'TIMING', 'RESOLVED_AUTO', '-10.00000', 'NONE'],
      ],
    );
    for (const b of rows) {
      assert.equal(b.resolved_by, 'recon');
      const audit = await t.db('audit_log').where({ action: 'BREAK_RESOLVED_AUTO', entity_id: String(b.id) });
      assert.equal(audit.length, 1);
    }
  });

  it("the sync posts a custodian cash line once: a POSTED flow, the book's cash, the audit with its source", async () => {
    assert.equal(results.get('ACC003')!.synced?.cashPosted, 1);
    assert.deepEqual(await breaksOf('ACC003'), [], 'no break: the deposit is in the book');
    const [flow] = await t.db('cash_flows').where({ account_id: 'ACC003', source: 'CUSTODIAN' });
    assert.deepEqual(
      [flow.type, flow.amount, flow.status, flow.source_ref, flow.posted_date, flow.custodian_ref],
      ['DEPOSIT', '1000.00', 'POSTED', `EXT869/${D}/1`, D, 'ACH-7001'],
    );
    const audit = await t.db('audit_log').where({ action: 'CASH_POSTED', entity_id: 'ACC003' });
    assert.equal(audit.length, 1);
    assert.equal(audit[0].details.file, fileName('EXT869', D));
    assert.equal(audit[0].details.line, 1);
    const cash = (await t.db('cash_balances').where({ account_id: 'ACC003' }).first()).amount;
    await recon(D, 'ACC003');
    assert.equal(
      (await t.db('cash_balances').where({ account_id: 'ACC003' }).first()).amount,
      cash,
      'posted once',
    );
  });

  it('SECURITY_MASTER: an old CUSIP is mapped and resolved automatically', async () => {
    const rows = await breaksOf('ACC005');
    assert.deepEqual(
      rows.map((b: Record<string, unknown>) => [b.type, b.category, b.symbol, b.status, b.diff]),
      [['POSITION', 'SECURITY_MASTER', 'VXUS', 'RESOLVED_AUTO', '0.00000']],
    );
    assert.match(rows[0].cause, /old CUSIP 92190OLD1 mapped to 921909768/);
  });

  it('the sync posts the SGOV split: quantities ×2, unit costs ÷2, ids and open dates kept; no break', async () => {
    const holders: { account_id: string }[] = await t
      .db('corporate_action_postings')
      .where({ process_date: D });
    assert.ok(holders.length > 0);
    for (const { account_id } of holders) {
      assert.deepEqual(await breaksOf(account_id, { symbol: 'SGOV' }), [], account_id);
      assert.equal(results.get(account_id)!.synced?.actionsPosted, 1);
    }
    const [lot] = await t.db('tax_lots').where({ account_id: 'ACC009', symbol: 'SGOV' }).orderBy('id');
    const seeded = (await readBook(t.db, D)).lots.find((l) => l.id === lot.id)!;
    assert.equal(seeded.open_date, lot.open_date);
    const audit = await t.db('audit_log').where({ action: 'CORPORATE_ACTION_POSTED', entity_id: 'ACC009' });
    assert.equal(audit.length, 1);
    assert.equal(audit[0].details.action, 'SPLIT');
    assert.equal(dec(audit[0].details.after).toString(), dec(audit[0].details.before).times(2).toString());
  });

  it('COST_BASIS: a lot $5.00 off holds VTI only; the engine does not trade VTI in ACC001', async () => {
    const [b] = await breaksOf('ACC001');
    assert.deepEqual(
      [b.type, b.category, b.key, b.symbol, b.diff, b.hold, b.status],
      ['COST_BASIS', 'COST_BASIS', 'LOT-ACC001-VTI-1', 'VTI', '5.00', 'SECURITY', 'OPEN'],
    );
    // Without the hold the engine would sell VTI (ACC001 is 9 pp over in VTI).
    const snapshot = await loadSnapshot(t.db, D, 'ACC001');
    const free = planAccount({ ...snapshot, blockedSymbols: [] });
    assert.ok(
      free.legs.some((l) => l.symbol === 'VTI'),
      'a VTI leg without the hold',
    );
    const p = await acts.proposeTrades({ tradeDate: D, accountId: 'ACC001', expiresAt: `${D}T16:45:00Z` });
    const legs = p.proposalId ? await t.db('proposal_legs').where({ proposal_id: p.proposalId }) : [];
    assert.ok(
      legs.every((l: { symbol: string }) => l.symbol !== 'VTI'),
      JSON.stringify(legs),
    );
  });

  it('reconciling again changes nothing; ops resolve by hand and it stays resolved for the day', async () => {
    const before = await t.db('breaks').count();
    await recon(D, 'ACC006');
    await recon(D, 'ACC011');
    assert.deepEqual(await t.db('breaks').count(), before);
    const n = await acts.resolveBreaks({
      tradeDate: D,
      accountId: 'ACC011',
      by: 'ops-jane',
      note: 'DRIP booked late',
    });
    assert.equal(n, 1);
    const again = await acts.reconcileAccount({
      tradeDate: D,
      accountId: 'ACC011',
      afterOpsResolution: true,
    });
    assert.equal(again.openBreaks, 0);
    const [b] = await breaksOf('ACC011');
    assert.deepEqual(
      [b.status, b.resolved_by, b.resolution, b.explained_by],
      ['RESOLVED_MANUAL', 'ops-jane', 'EXPLAINED', 'DRIP booked late'],
    );
  });

  it('next day: fixed breaks clear, persisting ones age, posted items and explained breaks do not come back', async () => {
    const f = filesFromBook(await readBook(t.db, D1), D1, SGOV_SPLIT, OLD_CUSIPS);
    const b6 = balanceOf(f, number('ACC006'));
    b6.cashTradeBalance = cashStr(dec(b6.cashTradeBalance).minus(50));
    const b11 = positionOf(f, number('ACC011'), 'BND');
    b11.tradeQuantity = qtyStr(dec(b11.tradeQuantity).plus('1.5'));
    await writeSet(dropDir, D1, f);
    assert.deepEqual((await ingest(D1)).rejected, []);

    // ACC001: the custodian's lot now agrees: yesterday's break is cleared automatically.
    const r1 = await recon(D1, 'ACC001');
    assert.deepEqual(r1.securityHolds, []);
    const [c1] = await breaksOf('ACC001');
    assert.equal(c1.status, 'RESOLVED_AUTO');
    assert.match(c1.note, /cleared on 2026-12-02/);
    // ACC006: the same cash break, one trading day old; still holding the account.
    const r6 = await recon(D1, 'ACC006');
    assert.equal(r6.openBreaks, 1);
    const cash6 = await breaksOf('ACC006', { type: 'CASH' });
    assert.equal(cash6.length, 1);
    assert.deepEqual([cash6[0].trade_date, cash6[0].last_seen_date, cash6[0].age_days], [D, D1, 1]);
    // ACC003: the deposit was posted yesterday, so today's balance (which has it) agrees.
    const r3 = await recon(D1, 'ACC003');
    assert.equal(r3.openBreaks, 0);
    assert.equal(r3.synced?.cashPosted, 0);
    assert.deepEqual(await breaksOf('ACC003'), []);
    // ACC011: explained by ops yesterday; the same difference today does not reopen it.
    assert.equal((await recon(D1, 'ACC011')).openBreaks, 0);
    const [explained] = await breaksOf('ACC011');
    assert.deepEqual([explained.status, explained.last_seen_date], ['RESOLVED_MANUAL', D1]);
    // ACC002: the custodian has the fill now: nothing.
    const r2 = await recon(D1, 'ACC002');
    assert.equal(r2.openBreaks, 0);
    assert.equal((await breaksOf('ACC002', { trade_date: D1 })).length, 0);
  });

  it('ops see the breaks of a day with age, materiality and what they hold (ops breaks)', async () => {
    const rows = await listBreaks(t.db, { date: D1 });
    // Escalated first (e.g. ACC010's 200 VTI, one trading day old, still holding the account).
    const firstPlain = rows.findIndex((b) => !b.escalate);
    assert.ok(firstPlain > 0 && rows.slice(firstPlain).every((b) => !b.escalate));
    const b10 = rows.find((b) => b.accountId === 'ACC010')!;
    assert.deepEqual(
      [b10.escalate, b10.ageDays, b10.ageBucket, b10.hold, b10.status],
      [true, 1, '1', 'ACCOUNT', 'OPEN'],
    );
    const acc006 = await listBreaks(t.db, { date: D1, accountId: 'ACC006' });
    const cash = acc006.find((b) => b.type === 'CASH')!;
    assert.deepEqual(
      [cash.symbol, cash.diff, cash.materialityUsd, cash.ageDays, cash.ageBucket, cash.hold],
      ['USD', '-50.00', '50.00', 1, '1', 'ACCOUNT'],
    );
    // Yesterday's cleared cost-basis break of ACC001 was seen (and cleared) on D1.
    const acc001 = await listBreaks(t.db, { date: D1, accountId: 'ACC001' });
    assert.deepEqual(
      acc001.map((b) => [b.category, b.status, b.hold]),
      [['COST_BASIS', 'RESOLVED_AUTO', 'NONE']],
    );
    const table = renderBreaks(acc006);
    const [head, first] = table.split('\n');
    assert.match(
      head!,
      /^ID\s+ACCOUNT\s+TYPE\s+CATEGORY\s+SYMBOL\s+OURS\s+THEIRS\s+DIFF\s+MATERIALITY\s+ESC\s+AGE/,
    );
    assert.match(first!, /ACC006/);
    assert.match(
      table,
      /CASH\s+CASH\s+USD\s+[\d.]+\s+[\d.]+\s+-50\.00\s+\$50\.00\s+1 \(1d\)\s+OPEN\s+ACCOUNT/,
    );
  });

  it('a bad file applies nothing: a bad amount, and a lot twice, are both rejected', async () => {
    const f = filesFromBook(await readBook(t.db, D2), D2, SGOV_SPLIT, OLD_CUSIPS);
    const goodBalances = writeEXT981(f.EXT981);
    const badBalances = goodBalances.replace(/\n(3ZO00006,[^,]+,)[^,]+,/, '\n$1"12,34",');
    assert.notEqual(badBalances, goodBalances);
    const lots = writeEXT_TAXLOT([...f.EXT_TAXLOT, f.EXT_TAXLOT[0]!]);
    await writeSet(dropDir, D2, f, { EXT981: badBalances, EXT_TAXLOT: lots });
    const r = await ingest(D2);
    assert.deepEqual(r.rejected.map((x) => x.file).sort(), [
      fileName('EXT981', D2),
      fileName('EXT_TAXLOT', D2),
    ]);
    assert.match(r.rejected.find((x) => x.file.startsWith('EXT981'))!.errors.join(' '), /line 7/);
    assert.match(
      r.rejected.find((x) => x.file.startsWith('EXT_TAXLOT'))!.errors.join(' '),
      /could not be applied/,
    );
    assert.equal((await t.db('custodian_balances').where({ process_date: D2 })).length, 0);
    assert.equal((await t.db('custodian_lots').where({ process_date: D2 })).length, 0);
    assert.ok(
      (await t.db('custodian_positions').where({ process_date: D2 })).length > 0,
      'the good files are in',
    );
    const files = await t.db('custodian_files').where({ process_date: D2, status: 'REJECTED' });
    assert.equal(files.length, 2);
    // Again: the same bad files are not read again.
    assert.equal((await ingest(D2)).skipped.length, 6);
    // Without a balance file cash is not checked: ACC006's cash break is neither cleared nor aged.
    const r6 = await recon(D2, 'ACC006');
    assert.equal(r6.checked.cash, false);
    assert.equal(r6.openBreaks, 1);
    const [cash6] = await breaksOf('ACC006', { type: 'CASH' });
    assert.deepEqual([cash6.status, cash6.last_seen_date], ['OPEN', D1]);
  });
});
