/**
 * The morning sync, posting kind by kind (docs/book-sync.md), through the activities on a real
 * PostgreSQL with the demo book. Each morning's files are made from the book as a custodian that
 * agrees with it would send them, then changed as the custodian would after the event:
 *
 *   D1  ACC001  a $412.30 dividend on VTI (EXT869)              posted DIVIDEND: no break
 *   D1  ACC002  a $2,500.00 wire out the book never asked for     posted WITHDRAWAL, audited as unexpected
 *   D1  ACC003  $1.25 interest and a $30.00 fee                   posted INTEREST and FEE
 *   D1  ACC005  the book's withdrawal sent (transfer WD-T1)       PAID by the line with its transfer id
 *   D1  ACC004  VNQ 1-for-10 reverse split, whole shares only     lots ÷10 (costs ×10), fraction as cash in lieu
 *   D1  ACC007  a cash merger of SCHB at $30.00                   lots closed with their gains, cash posted
 *   D1  every   BND renamed BNDX (symbol change)                  the security renamed everywhere: no break
 *   D1  ACC009  $75.00 less cash, no reason                       CASH break; ops ADOPT it: posted, gone on D2
 *   D2  ACC006  a buy of D, due to settle on D1, not settled      SETTLEMENT break, NO_SELL; settled on D3: resolved
 *   D2  ACC008  did not run on D1: its D1 deposit is caught up on D2
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { type ActivityDeps, createActivities } from '../../src/activities';
import { loadSnapshot } from '../../src/activities/snapshot';
import { loadModelLayer } from '../../src/book/engine-inputs';
import type { ReconcileResult } from '../../src/contracts';
import type { Ext869Input } from '../../src/custodian/files';
import type { CustodianPort } from '../../src/custodian/port';
import { seedDemoData } from '../../src/demo/seed';
import { nextSettlementDay, nextTradingDay, previousTradingDay } from '../../src/domain/calendar';
import { cashStr, dec, qtyStr } from '../../src/domain/money';
import {
  type FileSet,
  balanceOf,
  filesFromBook,
  positionOf,
  readBook,
  writeSet,
} from '../support/book-files';
import { type TestDb, createTestDb } from '../support/db';

const D = '2026-12-01';
const D1 = nextTradingDay(D);
const D2 = nextTradingDay(D1);
const D3 = nextTradingDay(D2);
const number = (id: string) => `3ZO${id.slice(3).padStart(5, '0')}`;

function cashLine(
  accountId: string,
  processDate: string,
  l: Partial<Ext869Input> & { amountIn: string; description: string },
): Ext869Input {
  return {
    accountNumber: number(accountId),
    accType: '1',
    currencyCode: 'USD',
    processDate,
    batchCode: '9C',
    cusip: null,
    entryDate: processDate,
    payTypeCode: dec(l.amountIn).gte(0) ? 'C' : 'D',
    enteredBy: 'ACH',
    tradeDate: null,
    tradeNumber: '',
    ...l,
  };
}

/** The custodian's cash after a line: its balance moves with it. */
function moveCash(f: FileSet, accountId: string, amount: string): void {
  const b = balanceOf(f, number(accountId));
  b.cashTradeBalance = cashStr(dec(b.cashTradeBalance).plus(dec(amount)));
  b.cashSettleBalance = b.cashTradeBalance;
}

describe('the morning sync posts what the custodian reports', () => {
  let t: TestDb;
  let dropDir: string;
  let acts: ReturnType<typeof createActivities>;
  const env = new MockActivityEnvironment();
  const results = new Map<string, ReconcileResult>();
  const recon = (tradeDate: string, accountId: string) => acts.reconcileAccount({ tradeDate, accountId });
  const cashOf = async (id: string) =>
    (await t.db('cash_balances').where({ account_id: id }).first()).amount as string;
  const flows = (id: string) => t.db('cash_flows').where({ account_id: id }).orderBy('id');
  let before1: Map<string, string>;

  before(async () => {
    t = await createTestDb();
    await seedDemoData(t.db, { asOf: D });
    dropDir = mkdtempSync(path.join(os.tmpdir(), 'zoe-sync-'));
    const custodian = { requestStartOfDayFiles: async () => [] } as unknown as CustodianPort;
    const deps: ActivityDeps = { db: t.db, custodian, dropDir, correspondent: 'ZOE' };
    acts = createActivities(deps);
    // ACC004 holds 25 VNQ in two lots (VNQ trades in whole shares only); ACC007 holds SCHB.
    await t.db('positions').insert([
      { account_id: 'ACC004', symbol: 'VNQ', qty: '25.00000' },
      { account_id: 'ACC007', symbol: 'SCHB', qty: '100.00000' },
    ]);
    await t.db('tax_lots').insert([
      {
        id: 'LOT-VNQ-A',
        account_id: 'ACC004',
        symbol: 'VNQ',
        open_date: '2025-02-03',
        qty: '12',
        unit_cost: '80.000000',
      },
      {
        id: 'LOT-VNQ-B',
        account_id: 'ACC004',
        symbol: 'VNQ',
        open_date: '2026-06-01',
        qty: '13',
        unit_cost: '95.000000',
      },
      {
        id: 'LOT-SCHB-A',
        account_id: 'ACC007',
        symbol: 'SCHB',
        open_date: '2025-01-06',
        qty: '100',
        unit_cost: '25.000000',
      },
    ]);
    // ACC005 asked for $1,000 out; the book sent it (the custodian's transfer WD-T1).
    await t.db('cash_flows').insert({
      id: 'WD-ACC005-1',
      account_id: 'ACC005',
      type: 'WITHDRAWAL',
      amount: '-1000.00',
      effective_date: D,
      status: 'SENT',
      transfer_id: 'WD-T1',
    });
    // ACC006 bought 10 VTI on D, due to settle on D1.
    await t.db('proposals').insert({
      id: 'P-ACC006-D',
      account_id: 'ACC006',
      trade_date: D,
      status: 'EXECUTED',
      model_id: 'M3070',
      model_version: 1,
      reasons: '[]',
      plan: '{}',
      expires_at: `${D}T16:45:00Z`,
    });
    await t.db('orders').insert({
      client_order_id: '20261201-ACC006-L1-AL',
      proposal_id: 'P-ACC006-D',
      leg_no: 1,
      attempt: 1,
      account_id: 'ACC006',
      trade_date: D,
      symbol: 'VTI',
      side: 'BUY',
      qty: '10',
      filled_qty: '10',
      avg_price: '300.00',
      status: 'FILLED',
      booked: true,
      settle_date: nextSettlementDay(D),
    });
    await t
      .db('positions')
      .where({ account_id: 'ACC006', symbol: 'VTI' })
      .update({ qty: t.db.raw('qty + 10') });
    await t.db('tax_lots').insert({
      id: 'L-20261201-ACC006-L1-AL',
      account_id: 'ACC006',
      symbol: 'VTI',
      open_date: D,
      qty: '10',
      unit_cost: '300.000000',
    });
    await t
      .db('cash_balances')
      .where({ account_id: 'ACC006' })
      .update({ amount: t.db.raw('amount - 3000.00') });

    const book = await readBook(t.db, D1);
    before1 = new Map(book.positions.map((p) => [`${p.account_id}|${p.symbol}`, p.qty]));
    const f = filesFromBook(book, D1);
    // Cash lines and the custodian's balances after them.
    const lines: [string, Partial<Ext869Input> & { amountIn: string; description: string }][] = [
      [
        'ACC001',
        {
          amountIn: '412.30',
          description: 'CASH DIVIDEND VTI',
          batchCode: '$+',
          enteredBy: 'DIV',
          cusip: '922908769',
        },
      ],
      ['ACC002', { amountIn: '-2500.00', description: 'WIRE WITHDRAWAL', batchCode: 'FW', enteredBy: 'WRD' }],
      ['ACC003', { amountIn: '1.25', description: 'CREDIT INTEREST', batchCode: '$+', enteredBy: 'INT' }],
      ['ACC003', { amountIn: '-30.00', description: 'ACCOUNT FEE', batchCode: 'FE', enteredBy: 'FEE' }],
      [
        'ACC005',
        { amountIn: '-1000.00', description: 'ACH WITHDRAWAL', batchCode: '9D', tradeNumber: 'WD-T1' },
      ],
      ['ACC008', { amountIn: '5000.00', description: 'ACH DEPOSIT', tradeNumber: 'ACH-8' }],
    ];
    for (const [id, l] of lines) {
      f.EXT869.push(cashLine(id, D1, l));
      moveCash(f, id, l.amountIn);
    }
    // VNQ 1-for-10, whole shares: 1.2 + 1.3 = 2.5 → 2 shares, 0.5 (from the newer lot) as cash.
    const vnq = positionOf(f, number('ACC004'), 'VNQ');
    vnq.tradeQuantity = '2.00000';
    vnq.settleQuantity = '2.00000';
    const lotA = f.EXT_TAXLOT.find((l) => l.lotId === 'LOT-VNQ-A')!;
    Object.assign(lotA, { quantity: '1.20000', unitCost: '800.000000' });
    const lotB = f.EXT_TAXLOT.find((l) => l.lotId === 'LOT-VNQ-B')!;
    Object.assign(lotB, {
      quantity: '0.80000',
      unitCost: '950.000000',
      totalCost: '760.00',
      adjustedCost: '760.00',
    });
    f.EXT869.push(
      cashLine('ACC004', D1, {
        amountIn: '455.00',
        description: 'CASH IN LIEU VNQ',
        batchCode: 'CA',
        enteredBy: 'REO',
        cusip: '922908553',
      }),
    );
    moveCash(f, 'ACC004', '455.00');
    f.EXT235.push(
      {
        cusip: '922908553',
        cusipOld: null,
        symbol: 'VNQ',
        symbolOld: null,
        action: 'REVERSE_SPLIT',
        stockFactor: '0.1',
        cashFactor: null,
        recordDate: D1,
        payableDate: D1,
        processDate: D1,
      },
      {
        cusip: '808524607',
        cusipOld: null,
        symbol: 'SCHB',
        symbolOld: null,
        action: 'CASH_MERGER',
        stockFactor: null,
        cashFactor: '30',
        recordDate: D1,
        payableDate: D1,
        processDate: D1,
      },
      {
        cusip: '921937835',
        cusipOld: null,
        symbol: 'BNDX',
        symbolOld: 'BND',
        action: 'SYMBOL_CHANGE',
        stockFactor: null,
        cashFactor: null,
        recordDate: D1,
        payableDate: D1,
        processDate: D1,
      },
    );
    // SCHB: gone, $3,000 paid.
    f.EXT871 = f.EXT871.filter((r) => !(r.accountNumber === number('ACC007') && r.symbol === 'SCHB'));
    f.EXT_TAXLOT = f.EXT_TAXLOT.filter((l) => l.lotId !== 'LOT-SCHB-A');
    f.EXT869.push(
      cashLine('ACC007', D1, {
        amountIn: '3000.00',
        description: 'CASH MERGER SCHB',
        batchCode: 'CA',
        enteredBy: 'REO',
        cusip: '808524607',
      }),
    );
    moveCash(f, 'ACC007', '3000.00');
    // BND is BNDX in every file.
    for (const r of f.EXT871) if (r.symbol === 'BND') r.symbol = 'BNDX';
    for (const l of f.EXT_TAXLOT) if (l.symbol === 'BND') l.symbol = 'BNDX';
    for (const s of f.EXT747) if (s.marketSymbol === 'BND') s.marketSymbol = 'BNDX';
    // ACC006's 10 VTI settle during D1: on D1's files they are not settled yet, and need not be.
    const vti6 = positionOf(f, number('ACC006'), 'VTI');
    vti6.settleQuantity = qtyStr(dec(vti6.tradeQuantity).minus(10));
    // ACC009: $75.00 less cash at the custodian, nothing explains it.
    moveCash(f, 'ACC009', '-75.00');
    await writeSet(dropDir, D1, f);
    await env.run(acts.ingestMorningFiles, { processDate: D1 });
    // Every account but ACC008 runs on D1 (ACC008's day was skipped: it catches up on D2).
    for (let i = 1; i <= 20; i++) {
      const id = `ACC${String(i).padStart(3, '0')}`;
      if (id !== 'ACC008') results.set(id, await recon(D1, id));
    }
  });
  after(async () => {
    await t?.drop();
    if (dropDir) rmSync(dropDir, { recursive: true, force: true });
  });

  it('holds only the account with an unexplained cash difference: every other difference was posted', async () => {
    const held = [...results].filter(([, r]) => r.openBreaks > 0).map(([id]) => id);
    assert.deepEqual(held, ['ACC009']);
    const open = await t
      .db('breaks')
      .whereIn('status', ['OPEN', 'INVESTIGATING'])
      .orderBy(['account_id', 'type']);
    assert.deepEqual(
      open.map((b: Record<string, unknown>) => [b.account_id, b.type, b.category, b.hold]),
      [['ACC009', 'CASH', 'CASH', 'ACCOUNT']],
    );
    assert.equal(results.get('ACC006')!.synced?.failingSettlements, 0, 'not due yet on D1');
  });

  it('posts each kind of cash line with its type, once, audited with file and line', async () => {
    const posted = await t
      .db('cash_flows')
      .where({ source: 'CUSTODIAN' })
      .orderBy(['account_id', 'source_ref']);
    assert.deepEqual(
      posted.map((c: Record<string, unknown>) => [c.account_id, c.type, c.amount, c.status]),
      [
        ['ACC001', 'DIVIDEND', '412.30', 'POSTED'],
        ['ACC002', 'WITHDRAWAL', '-2500.00', 'POSTED'],
        ['ACC003', 'INTEREST', '1.25', 'POSTED'],
        ['ACC003', 'FEE', '-30.00', 'POSTED'],
        ['ACC004', 'CASH_IN_LIEU', '455.00', 'POSTED'],
        ['ACC007', 'MERGER_CASH', '3000.00', 'POSTED'],
      ],
    );
    const unexpected = await t
      .db('audit_log')
      .where({ action: 'UNEXPECTED_WITHDRAWAL_POSTED', entity_id: 'ACC002' });
    assert.equal(unexpected.length, 1);
    assert.match(unexpected[0].details.file, /^EXT869/);
    const cash = await cashOf('ACC003');
    await recon(D1, 'ACC003');
    assert.equal(await cashOf('ACC003'), cash, 'a second run posts nothing');
  });

  it("pays the book's own withdrawal with the line that carries its transfer id", async () => {
    const [wd] = await flows('ACC005');
    assert.deepEqual(
      [wd.id, wd.status, wd.source_ref, wd.posted_date],
      ['WD-ACC005-1', 'PAID', `EXT869/${D1}/5`, D1],
    );
    assert.equal((await t.db('cash_flows').where({ account_id: 'ACC005' })).length, 1, 'no second flow');
  });

  it('a reverse split of a whole-share security: lots ÷10, costs ×10, the fraction realized against the cash in lieu', async () => {
    const lots = await t.db('tax_lots').where({ account_id: 'ACC004', symbol: 'VNQ' }).orderBy('id');
    assert.deepEqual(
      lots.map((l: Record<string, unknown>) => [l.id, l.open_date, l.qty, l.unit_cost]),
      [
        ['LOT-VNQ-A', '2025-02-03', '1.20000', '800.000000'],
        ['LOT-VNQ-B', '2026-06-01', '0.80000', '950.000000'],
      ],
    );
    assert.equal(
      (await t.db('positions').where({ account_id: 'ACC004', symbol: 'VNQ' }).first()).qty,
      '2.00000',
    );
    const [fraction] = await t.db('realized_lots').where({ account_id: 'ACC004', source: 'CASH_IN_LIEU' });
    assert.deepEqual(
      [fraction.lot_id, fraction.qty, fraction.cost, fraction.proceeds, fraction.gain, fraction.term],
      ['LOT-VNQ-B', '0.50000', '475.00', '455.00', '-20.00', 'ST'],
    );
  });

  it('a cash merger closes the lots, realizes their gains and zeroes the position', async () => {
    const [gain] = await t.db('realized_lots').where({ account_id: 'ACC007', source: 'CASH_MERGER' });
    assert.deepEqual(
      [gain.qty, gain.cost, gain.proceeds, gain.gain, gain.term],
      ['100.00000', '2500.00', '3000.00', '500.00', 'LT'],
    );
    const pos = await t.db('positions').where({ account_id: 'ACC007', symbol: 'SCHB' }).first();
    assert.ok(!pos || dec(pos.qty).isZero());
  });

  it('a symbol change renames the security: positions, lots, prices follow; models read it as the new one', async () => {
    assert.equal(await t.db('securities').where({ symbol: 'BND' }).first(), undefined);
    const bndx = await t.db('securities').where({ symbol: 'BNDX' }).first();
    assert.deepEqual([bndx.symbol_old, bndx.cusip], ['BND', '921937835']);
    assert.equal((await t.db('positions').where({ symbol: 'BND' })).length, 0);
    assert.equal(
      (await t.db('positions').where({ symbol: 'BNDX' })).length,
      [...before1.keys()].filter((k) => k.endsWith('|BND')).length,
    );
    // A published model version is immutable: it still names BND, and is read as BNDX.
    const withBnd: { model_id: string; version: number }[] = await t
      .db('model_targets')
      .where({ symbol: 'BND' })
      .select('model_id', 'version');
    assert.ok(withBnd.length > 0, 'the published versions are unchanged');
    const layer = await loadModelLayer(t.db, withBnd[0]!.model_id, withBnd[0]!.version);
    const symbols = layer!.targets.map((x) => x.symbol);
    assert.ok(symbols.includes('BNDX') && !symbols.includes('BND'), symbols.join(','));
    const alt = await t.db('securities').where({ symbol: 'AGG' }).first();
    assert.ok(alt.tlh_alternates.includes('BNDX') && !alt.tlh_alternates.includes('BND'));
  });

  it("the custodian's closes of the previous day become the book's prices", async () => {
    const row = await t.db('prices').where({ symbol: 'VTI', date: D }).first();
    assert.ok(row, `a VTI close for ${D} from the EXT747 of ${D1}`);
  });

  it('ops ADOPT a cash break: the difference posted as an adjustment; next morning nothing', async () => {
    const before = await cashOf('ACC009');
    await acts.resolveBreaks({
      tradeDate: D1,
      accountId: 'ACC009',
      by: 'ops-jane',
      note: 'custodian is right',
      resolution: 'ADOPT',
    });
    assert.equal(await cashOf('ACC009'), cashStr(dec(before).minus(75)));
    const [adj] = await t.db('cash_flows').where({ account_id: 'ACC009', type: 'ADJUSTMENT' });
    assert.deepEqual([adj.amount, adj.source, adj.status], ['-75.00', 'OPS', 'POSTED']);
    const [b] = await t.db('breaks').where({ account_id: 'ACC009', type: 'CASH' });
    assert.deepEqual([b.status, b.resolution], ['RESOLVED_MANUAL', 'ADOPTED']);
  });

  it('next morning: a purchase past its settlement date is a SETTLEMENT break; the missed morning is caught up', async () => {
    const f = filesFromBook(await readBook(t.db, D2), D2);
    const vti6 = positionOf(f, number('ACC006'), 'VTI');
    vti6.settleQuantity = qtyStr(dec(vti6.tradeQuantity).minus(10));
    // ACC008 did not run on D1: its $5,000 deposit is in the custodian's cash, not yet in the book.
    moveCash(f, 'ACC008', '5000.00');
    await writeSet(dropDir, D2, f);
    await env.run(acts.ingestMorningFiles, { processDate: D2 });
    const r6 = await recon(D2, 'ACC006');
    assert.equal(r6.synced?.failingSettlements, 1);
    assert.equal(r6.openBreaks, 0, 'a settlement break holds the sale of the shares, not the account');
    const [b] = await t.db('breaks').where({ account_id: 'ACC006', type: 'SETTLEMENT' });
    assert.deepEqual(
      [b.key, b.symbol, b.diff, b.hold, b.age_days, b.first_seen_date, b.status],
      ['20261201-ACC006-L1-AL', 'VTI', '-10.00000', 'NO_SELL', 1, D1, 'OPEN'],
    );
    assert.match(b.cause, /fail to receive/);
    const snap = await loadSnapshot(t.db, D2, 'ACC006');
    assert.ok(snap.restrictions.some((r) => r.symbol === 'VTI' && r.kind === 'NO_SELL'));
    const r8 = await recon(D2, 'ACC008');
    assert.equal(r8.openBreaks, 0);
    assert.equal(r8.synced?.cashPosted, 1);
    assert.equal(
      (await t.db('cash_flows').where({ account_id: 'ACC008', type: 'DEPOSIT', source: 'CUSTODIAN' })).length,
      1,
    );
    const r9 = await recon(D2, 'ACC009');
    assert.equal(r9.openBreaks, 0, 'the adopted difference does not come back');
  });

  it('the morning after that the trade has settled: the break is resolved and the trade marked settled', async () => {
    await writeSet(dropDir, D3, filesFromBook(await readBook(t.db, D3), D3));
    await env.run(acts.ingestMorningFiles, { processDate: D3 });
    const r6 = await recon(D3, 'ACC006');
    assert.equal(r6.synced?.tradesSettled, 1);
    const [b] = await t.db('breaks').where({ account_id: 'ACC006', type: 'SETTLEMENT' });
    assert.equal(b.status, 'RESOLVED_AUTO');
    assert.equal(
      (await t.db('orders').where({ client_order_id: '20261201-ACC006-L1-AL' }).first()).settled_on,
      D3,
    );
    const snap = await loadSnapshot(t.db, D3, 'ACC006');
    assert.ok(!snap.restrictions.some((r) => r.kind === 'NO_SELL'));
    assert.equal(previousTradingDay(D3), D2);
  });
});
