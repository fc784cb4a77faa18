/**
 * The simulated custodian applies the corporate actions it reports (EXT235), at the start of their
 * process date P: a 2-for-1 split of VTI (fractionable) and a 1-for-10 reverse split of VNQ (whole
 * shares: the fraction paid as cash in lieu). The files of P and P+1 show the result (EXT871
 * quantities and prices, EXT_TAXLOT lots and costs, EXT869 cash in lieu, EXT981 cash, EXT235), the
 * files of P−1 asked again are what they were, and a second build applies nothing twice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Ext235Row, Ext747Row, FileCode } from '../../src/custodian/files';
import { type RunningSim, startSimServer } from '../../src/custodian/sim/server';
import { addCorporateAction, lotsAsOf } from '../../src/custodian/sim/sod';
import { type TestDb, createTestDb } from '../support/db';
import { assertSameFilesAgain, fileRows, morningView, seedSim, simPost } from './sim-support';

const A1 = '5ZO00001';
const A2 = '5ZO00002';
const VTI_CUSIP = '922908769';
const VNQ_CUSIP = '922908553';
const BEFORE = '2026-11-24'; // P−1 (T: the trading day before P)
const P = '2026-11-25';
const AFTER = '2026-11-27'; // P+1 (the 26th is Thanksgiving)

const CLOSES: Record<string, Record<string, string>> = {
  VTI: {
    '2026-11-20': '248.00',
    '2026-11-23': '249.00',
    [BEFORE]: '250.00',
    [P]: '251.00',
    [AFTER]: '253.00',
  },
  VNQ: { '2026-11-20': '88.00', '2026-11-23': '89.00', [BEFORE]: '90.00', [P]: '91.00', [AFTER]: '92.00' },
};

describe('the simulator applies splits and reverse splits it reports', () => {
  let t: TestDb;
  let sim: RunningSim;
  let dropDir: string;
  let buyBefore = '';
  let buyOnP = '';

  const rowsOf = <C extends FileCode>(code: C, date: string) => fileRows(dropDir, code, date);
  const view = () => morningView(dropDir);
  const positions = (account: string, date: string) => view().positions(account, date);
  const lots = (account: string, date: string) => view().lots(account, date);
  const balance = (account: string, date: string) => view().balance(account, date);
  const cashLines = (date: string) => view().cashLines(date);
  const morning = async (date: string) => {
    const r = await simPost(sim, `/sim/v1/sod-files/${date}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  const simCash = async (account: string) =>
    ((await t.db('sim.accounts').where({ account_number: account }).first()) as { cash: string }).cash;
  const order = async (key: string, account: string, symbol: string, quantity: string, orderDate: string) => {
    const o = await sim.sim.createOrder(account, {
      clientOrderId: `T-${key}`,
      identifier: symbol,
      side: 'BUY',
      quantity,
      orderDate,
    });
    assert.equal(o.orderStatus, 'FILLED', `${key}: ${o.orderRejectedReason ?? ''}`);
    return o.executions[0]!.executionId;
  };

  before(async () => {
    t = await createTestDb();
    dropDir = mkdtempSync(path.join(os.tmpdir(), 'zoe-sim-ca-'));
    await seedSim(t.db, {
      securities: [
        { symbol: 'VTI', cusip: VTI_CUSIP, description: 'VANGUARD TOTAL STOCK MKT, ETF', fractionable: true },
        { symbol: 'VNQ', cusip: VNQ_CUSIP, description: 'VANGUARD REAL ESTATE ETF', fractionable: false },
      ],
      closes: CLOSES,
      cash: { [A1]: '10000.00', [A2]: '5000.00' },
      // A1: 10 VTI in one lot, 25 VNQ in two; A2: 17 VNQ, 2 of them outside its only lot.
      positions: [
        [A1, 'VTI', '10.00000'],
        [A1, 'VNQ', '25.00000'],
        [A2, 'VNQ', '17.00000'],
      ],
      lots: [
        ['A1-VTI-1', A1, 'VTI', '2025-06-02', '10', '200.000000'],
        ['A1-VNQ-A', A1, 'VNQ', '2025-02-03', '12', '80.000000'],
        ['A1-VNQ-B', A1, 'VNQ', '2026-06-01', '13', '95.000000'],
        ['A2-VNQ-A', A2, 'VNQ', '2025-03-03', '15', '85.000000'],
      ],
    });
    sim = await startSimServer({
      db: t.db,
      port: 0,
      dropDir,
      correspondent: 'ZOE',
      fillModel: { seed: 'sim-ca', partialFillRate: 0, rejectRate: 0 },
      clock: () => new Date('2026-11-24T15:05:00Z'),
    });
    // 4 VTI bought on T at 250, settling on P: not settled at the start of P.
    buyBefore = await order('a1-vti-t', A1, 'VTI', '4', BEFORE);
    await morning(BEFORE);
    const split = await simPost(sim, '/sim/v1/corporate-actions', {
      processDate: P,
      action: 'SPLIT',
      symbol: 'VTI',
      cusip: VTI_CUSIP,
      stockFactor: '2',
      recordDate: BEFORE,
      payableDate: P,
    });
    assert.equal(split.status, 200, JSON.stringify(split.json));
    await addCorporateAction(t.db, {
      processDate: P,
      action: 'REVERSE_SPLIT',
      symbol: 'VNQ',
      cusip: VNQ_CUSIP,
      stockFactor: '0.1',
    });
    await morning(P);
    // Bought on P, in new shares at the adjusted price.
    buyOnP = await order('a1-vti-p', A1, 'VTI', '2', P);
    await morning(AFTER);
  });

  after(async () => {
    await sim?.close();
    await t?.drop();
    rmSync(dropDir, { recursive: true, force: true });
  });

  it('P: positions ×factor at the adjusted previous close; an unsettled buy counts in new shares', () => {
    assert.deepEqual(positions(A1, P), [
      ['VNQ', VNQ_CUSIP, '2.00000', '2.00000', '900.000000'],
      ['VTI', VTI_CUSIP, '28.00000', '20.00000', '125.000000'],
    ]);
    // 1.5 lotted → 1 whole share; the 2 outside the lot → 0.2.
    assert.deepEqual(positions(A2, P), [['VNQ', VNQ_CUSIP, '1.20000', '1.20000', '900.000000']]);
    const master = rowsOf('EXT747', P) as Ext747Row[];
    assert.deepEqual(
      master.map((s) => [s.marketSymbol, s.closingPrice, s.previousPrice]),
      [
        ['VNQ', '900.000000', '89.000000'],
        ['VTI', '125.000000', '249.000000'],
      ],
    );
    assert.deepEqual(
      (rowsOf('EXT235', P) as Ext235Row[]).map((a) => [a.action, a.symbol, a.stockFactor]),
      [
        ['SPLIT', 'VTI', '2'],
        ['REVERSE_SPLIT', 'VNQ', '0.1'],
      ],
    );
  });

  it('P: lots keep their ids and open dates, quantity ×factor, unit cost ÷factor; the fraction comes off the newest lot', () => {
    assert.deepEqual(lots(A1, P), [
      ['VNQ', 'A1-VNQ-A', '2025-02-03', '1.20000', '800.000000', '960.00'],
      ['VNQ', 'A1-VNQ-B', '2026-06-01', '0.80000', '950.000000', '760.00'],
      ['VTI', 'A1-VTI-1', '2025-06-02', '20.00000', '100.000000', '2000.00'],
      ['VTI', buyBefore, BEFORE, '8.00000', '125.000000', '1000.00'],
    ]);
    assert.deepEqual(lots(A2, P), [['VNQ', 'A2-VNQ-A', '2025-03-03', '1.00000', '850.000000', '850.00']]);
  });

  it('P: the fraction is paid as cash in lieu at the adjusted close, on an EXT869 line with the CUSIP and no trade date', async () => {
    assert.deepEqual(cashLines(P), [
      [A1, 'CASH IN LIEU VNQ', '450.00', 'CA', VNQ_CUSIP, null],
      [A2, 'CASH IN LIEU VNQ', '450.00', 'CA', VNQ_CUSIP, null],
    ]);
    // A1: 10000 − 4 × 250 + 450; the buy of T not settled yet; 28 VTI at 125 + 2 VNQ at 900.
    assert.deepEqual(balance(A1, P), ['9450.00', '10450.00', '5300.00', '14750.00']);
    assert.deepEqual(balance(A2, P), ['5450.00', '5450.00', '1080.00', '6530.00']);
  });

  it('P+1: fills from P on are in new shares; the lot replay keeps the split lots', async () => {
    assert.deepEqual(positions(A1, AFTER), [
      ['VNQ', VNQ_CUSIP, '2.00000', '2.00000', '910.000000'],
      ['VTI', VTI_CUSIP, '30.00000', '28.00000', '125.500000'],
    ]);
    assert.deepEqual(lots(A1, AFTER), [
      ['VNQ', 'A1-VNQ-A', '2025-02-03', '1.20000', '800.000000', '960.00'],
      ['VNQ', 'A1-VNQ-B', '2026-06-01', '0.80000', '950.000000', '760.00'],
      ['VTI', 'A1-VTI-1', '2025-06-02', '20.00000', '100.000000', '2000.00'],
      ['VTI', buyBefore, BEFORE, '8.00000', '125.000000', '1000.00'],
      ['VTI', buyOnP, P, '2.00000', '125.500000', '251.00'],
    ]);
    // Only the settlement of T's buy: the cash in lieu was P's.
    assert.deepEqual(cashLines(AFTER), [
      [A1, 'BOUGHT 4.00000 VTI SETTLEMENT', '-1000.00', 'TR', VTI_CUSIP, BEFORE],
    ]);
    assert.deepEqual(balance(A1, AFTER), ['9199.00', '9450.00', '5585.00', '14784.00']);
    assert.equal(await simCash(A1), '9199.00');
  });

  it('P−1 asked again is what it was; P asked again applies nothing twice', async () => {
    await assertSameFilesAgain(t.db, sim.sim, dropDir, [BEFORE, P]);
    assert.deepEqual(positions(A1, BEFORE), [
      ['VNQ', VNQ_CUSIP, '25.00000', '25.00000', '89.000000'],
      ['VTI', VTI_CUSIP, '10.00000', '10.00000', '249.000000'],
    ]);
    assert.equal((await t.db('sim.cash_activity').where({ kind: 'CORPORATE_ACTION' })).length, 2);
    assert.equal((await t.db('sim.corporate_action_effects')).length, 3);
    const older = (await lotsAsOf(t.db, BEFORE)).filter((l) => l.accountNumber === A2);
    assert.deepEqual(
      older.map((l) => [l.lotId, l.qty.toFixed(5), l.unitCost.toFixed(6)]),
      [['A2-VNQ-A', '15.00000', '85.000000']],
    );
    // The prices from T on are in new shares, the history before it as it was.
    const vti = await t.db('sim.prices').where({ symbol: 'VTI' }).orderBy('date');
    assert.deepEqual(
      vti.map((r: { close: string }) => r.close),
      ['248.000000', '249.000000', '125.000000', '125.500000', '126.500000'],
    );
  });

  it('refuses a corporate action for a morning already delivered', async () => {
    const r = await simPost(sim, '/sim/v1/corporate-actions', {
      processDate: P,
      action: 'SPLIT',
      symbol: 'VTI',
      cusip: VTI_CUSIP,
      stockFactor: '3',
    });
    assert.equal(r.status, 409, JSON.stringify(r.json));
    assert.match(
      String(r.json.message),
      /processDate 2026-11-25: the morning files of 2026-11-27 were built already/,
    );
  });
});
