/**
 * The simulated custodian applies the symbol changes and mergers it reports (EXT235) at the start
 * of their process date P: BND renamed BNDX (same CUSIP), a cash merger of SCHB at $30.00, and a
 * stock merger of VNQ (whole shares) into a new security RLTY, 0.5 new shares and $2.00 per old
 * share. The files of P and P+1 show the result, the files of P−1 asked again are what they were,
 * and orders for what no longer trades are refused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Ext235Row, Ext747Row, Ext872Row, FileCode } from '../../src/custodian/files';
import { writeStartOfDayFiles } from '../../src/custodian/sim/files';
import { type RunningSim, startSimServer } from '../../src/custodian/sim/server';
import { addCorporateAction } from '../../src/custodian/sim/sod';
import { type TestDb, createTestDb } from '../support/db';
import { assertSameFilesAgain, fileRows, morningView, seedSim } from './sim-support';

const A1 = '5ZO00001';
const A2 = '5ZO00002';
const BND_CUSIP = '921937835';
const SCHB_CUSIP = '808524607';
const VNQ_CUSIP = '922908553';
const RLTY_CUSIP = '75970R101';
const BEFORE = '2026-11-24';
const P = '2026-11-25';
const AFTER = '2026-11-27';

const CLOSES: Record<string, Record<string, string>> = {
  BND: { '2026-11-23': '72.40', [BEFORE]: '72.50', [P]: '72.60', [AFTER]: '72.70' },
  SCHB: { '2026-11-23': '29.40', [BEFORE]: '29.50', [P]: '29.60', [AFTER]: '29.70' },
  VNQ: { '2026-11-23': '89.00', [BEFORE]: '90.00', [P]: '91.00', [AFTER]: '92.00' },
};

describe('the simulator applies the symbol changes and mergers it reports', () => {
  let t: TestDb;
  let sim: RunningSim;
  let dropDir: string;
  let buyBefore = '';
  let buyOnP = '';
  const refused: Record<string, string | null> = {};

  const rowsOf = <C extends FileCode>(code: C, date: string) => fileRows(dropDir, code, date);
  const view = () => morningView(dropDir);
  const positions = (account: string, date: string) => view().positions(account, date);
  const lots = (account: string, date: string) =>
    view()
      .lots(account, date)
      .map((l) => l.slice(0, 5));
  const balance = (account: string, date: string) => view().balance(account, date).slice(0, 3);
  const cashLines = (date: string) => view().cashLines(date);
  const order = async (key: string, account: string, symbol: string, quantity: string, orderDate: string) => {
    const o = await sim.sim.createOrder(account, {
      clientOrderId: `T-${key}`,
      identifier: symbol,
      side: 'BUY',
      quantity,
      orderDate,
    });
    refused[key] = o.orderStatus === 'REJECTED' ? o.orderRejectedReason : null;
    return o.executions[0]?.executionId ?? '';
  };

  before(async () => {
    t = await createTestDb();
    dropDir = mkdtempSync(path.join(os.tmpdir(), 'zoe-sim-merger-'));
    await seedSim(t.db, {
      securities: [
        {
          symbol: 'BND',
          cusip: BND_CUSIP,
          description: 'VANGUARD TOTAL BOND MARKET ETF',
          fractionable: true,
        },
        { symbol: 'SCHB', cusip: SCHB_CUSIP, description: 'SCHWAB US BROAD MARKET ETF', fractionable: true },
        { symbol: 'VNQ', cusip: VNQ_CUSIP, description: 'VANGUARD REAL ESTATE ETF', fractionable: false },
      ],
      closes: CLOSES,
      cash: { [A1]: '10000.00', [A2]: '5000.00' },
      positions: [
        [A1, 'BND', '10.00000'],
        [A1, 'SCHB', '100.00000'],
        [A1, 'VNQ', '25.00000'],
        [A2, 'VNQ', '7.00000'],
      ],
      lots: [
        ['A1-BND-1', A1, 'BND', '2025-06-02', '10', '70.000000'],
        ['A1-SCHB-1', A1, 'SCHB', '2025-01-06', '100', '25.000000'],
        ['A1-VNQ-A', A1, 'VNQ', '2025-02-03', '12', '80.000000'],
        ['A1-VNQ-B', A1, 'VNQ', '2026-06-01', '13', '95.000000'],
        ['A2-VNQ-A', A2, 'VNQ', '2025-03-03', '5', '85.000000'],
      ],
    });
    sim = await startSimServer({
      db: t.db,
      port: 0,
      dropDir,
      correspondent: 'ZOE',
      fillModel: { seed: 'sim-merger', partialFillRate: 0, rejectRate: 0 },
      clock: () => new Date('2026-11-24T15:05:00Z'),
    });
    buyBefore = await order('a1-bnd-t', A1, 'BND', '4', BEFORE); // settles on P
    await writeStartOfDayFiles(t.db, sim.sim, BEFORE, { dropDir, correspondent: 'ZOE' });
    await addCorporateAction(t.db, {
      processDate: P,
      action: 'SYMBOL_CHANGE',
      symbol: 'BNDX',
      symbolOld: 'BND',
      cusip: BND_CUSIP,
    });
    await addCorporateAction(t.db, {
      processDate: P,
      action: 'CASH_MERGER',
      symbol: 'SCHB',
      cusip: SCHB_CUSIP,
      cashFactor: '30',
    });
    await addCorporateAction(t.db, {
      processDate: P,
      action: 'STOCK_MERGER',
      symbol: 'RLTY',
      symbolOld: 'VNQ',
      cusip: RLTY_CUSIP,
      cusipOld: VNQ_CUSIP,
      stockFactor: '0.5',
      cashFactor: '2',
    });
    await writeStartOfDayFiles(t.db, sim.sim, P, { dropDir, correspondent: 'ZOE' });
    buyOnP = await order('a1-bndx-p', A1, 'BNDX', '2', P);
    await order('a1-bnd-p', A1, 'BND', '1', P);
    await order('a1-schb-p', A1, 'SCHB', '1', P);
    await order('a1-vnq-p', A1, 'VNQ', '1', P);
    await writeStartOfDayFiles(t.db, sim.sim, AFTER, { dropDir, correspondent: 'ZOE' });
  });

  after(async () => {
    await sim?.close();
    await t?.drop();
    rmSync(dropDir, { recursive: true, force: true });
  });

  it('P: BND is BNDX (same CUSIP, an unsettled buy carried), SCHB paid out, VNQ is RLTY at 0.5 in whole shares', () => {
    assert.deepEqual(positions(A1, P), [
      ['BNDX', BND_CUSIP, '14.00000', '10.00000', '72.500000'],
      ['RLTY', RLTY_CUSIP, '12.00000', '12.00000', '180.000000'],
    ]);
    // 2.5 lotted → 2 whole shares; the 2 outside the lot → 1.
    assert.deepEqual(positions(A2, P), [['RLTY', RLTY_CUSIP, '3.00000', '3.00000', '180.000000']]);
    const master = rowsOf('EXT747', P) as Ext747Row[];
    assert.deepEqual(
      master.map((s) => [s.marketSymbol, s.cusip, s.closingPrice, s.description]),
      [
        ['BNDX', BND_CUSIP, '72.500000', 'VANGUARD TOTAL BOND MARKET ETF'],
        ['RLTY', RLTY_CUSIP, '180.000000', 'RLTY (merged from VNQ)'],
        ['SCHB', SCHB_CUSIP, '29.500000', 'SCHWAB US BROAD MARKET ETF'],
        ['VNQ', VNQ_CUSIP, '90.000000', 'VANGUARD REAL ESTATE ETF'],
      ],
    );
    assert.deepEqual(
      (rowsOf('EXT235', P) as Ext235Row[]).map((a) => [a.action, a.symbol, a.symbolOld]),
      [
        ['SYMBOL_CHANGE', 'BNDX', 'BND'],
        ['CASH_MERGER', 'SCHB', null],
        ['STOCK_MERGER', 'RLTY', 'VNQ'],
      ],
    );
    // The trade of T is reported under the symbol it was traded under, with the security's CUSIP.
    const trades = rowsOf('EXT872', P) as Ext872Row[];
    assert.deepEqual(
      trades.map((x) => [x.symbol, x.cusip, x.quantity]),
      [['BND', BND_CUSIP, '4.00000']],
    );
  });

  it('P: lots keep ids and open dates: renamed, closed for cash, moved to the new security at the factor', () => {
    assert.deepEqual(lots(A1, P), [
      ['BNDX', 'A1-BND-1', '2025-06-02', '10.00000', '70.000000'],
      ['BNDX', buyBefore, BEFORE, '4.00000', '72.500000'],
      ['RLTY', 'A1-VNQ-A', '2025-02-03', '6.00000', '160.000000'],
      ['RLTY', 'A1-VNQ-B', '2026-06-01', '6.00000', '190.000000'],
    ]);
    assert.deepEqual(lots(A2, P), [['RLTY', 'A2-VNQ-A', '2025-03-03', '2.00000', '170.000000']]);
  });

  it('P: the merger cash and the cash in lieu on EXT869 lines with the CUSIP and no trade date; EXT981 has them', () => {
    assert.deepEqual(cashLines(P), [
      [A1, 'CASH MERGER SCHB', '3000.00', 'CA', SCHB_CUSIP, null],
      [A1, 'CASH MERGER VNQ', '50.00', 'CA', VNQ_CUSIP, null],
      [A1, 'CASH IN LIEU RLTY', '90.00', 'CA', RLTY_CUSIP, null],
      [A2, 'CASH MERGER VNQ', '14.00', 'CA', VNQ_CUSIP, null],
      [A2, 'CASH IN LIEU RLTY', '90.00', 'CA', RLTY_CUSIP, null],
    ]);
    // A1: 10000 − 4 × 72.50 + 3000 + 50 + 90; T's buy not settled; 14 BNDX at 72.50 + 12 RLTY at 180.
    assert.deepEqual(balance(A1, P), ['12850.00', '13140.00', '3175.00']);
    assert.deepEqual(balance(A2, P), ['5104.00', '5104.00', '540.00']);
  });

  it('P+1: orders go under the new symbol; what no longer trades is refused', () => {
    assert.deepEqual(refused, {
      'a1-bnd-t': null,
      'a1-bndx-p': null,
      'a1-bnd-p': 'SYMBOL_NOT_TRADEABLE',
      'a1-schb-p': 'SYMBOL_NOT_TRADEABLE',
      'a1-vnq-p': 'SYMBOL_NOT_TRADEABLE',
    });
    assert.deepEqual(positions(A1, AFTER), [
      ['BNDX', BND_CUSIP, '16.00000', '14.00000', '72.600000'],
      ['RLTY', RLTY_CUSIP, '12.00000', '12.00000', '182.000000'],
    ]);
    assert.deepEqual(lots(A1, AFTER), [
      ['BNDX', 'A1-BND-1', '2025-06-02', '10.00000', '70.000000'],
      ['BNDX', buyBefore, BEFORE, '4.00000', '72.500000'],
      ['BNDX', buyOnP, P, '2.00000', '72.600000'],
      ['RLTY', 'A1-VNQ-A', '2025-02-03', '6.00000', '160.000000'],
      ['RLTY', 'A1-VNQ-B', '2026-06-01', '6.00000', '190.000000'],
    ]);
    assert.deepEqual(cashLines(AFTER), [
      [A1, 'BOUGHT 4.00000 BND SETTLEMENT', '-290.00', 'TR', BND_CUSIP, BEFORE],
    ]);
    assert.deepEqual(
      (rowsOf('EXT872', AFTER) as Ext872Row[]).map((x) => [x.symbol, x.cusip, x.quantity]),
      [['BNDX', BND_CUSIP, '2.00000']],
    );
  });

  it('P−1 asked again is what it was (old symbols, no merged security); P asked again is the same', async () => {
    await assertSameFilesAgain(t.db, sim.sim, dropDir, [BEFORE, P, AFTER]);
    assert.deepEqual(positions(A1, BEFORE), [
      ['BND', BND_CUSIP, '10.00000', '10.00000', '72.400000'],
      ['SCHB', SCHB_CUSIP, '100.00000', '100.00000', '29.400000'],
      ['VNQ', VNQ_CUSIP, '25.00000', '25.00000', '89.000000'],
    ]);
    assert.deepEqual(
      (rowsOf('EXT747', BEFORE) as Ext747Row[]).map((s) => s.marketSymbol),
      ['BND', 'SCHB', 'VNQ'],
    );
    assert.equal((await t.db('sim.cash_activity').where({ kind: 'CORPORATE_ACTION' })).length, 5);
  });
});
