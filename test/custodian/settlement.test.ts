/**
 * Settlement at the simulated custodian: EXT871's SettleQuantity is the settled quantity (a trade
 * of T settles on T+1 and counts from the morning after), EXT981's settled cash and EXT869's TR rows
 * follow the same dates, and settlement faults (`fail`, `delay`) move them, never the trade-date
 * quantities or cash. Every morning asked again is what it was.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type Ext869Row,
  type Ext871Row,
  type Ext981Row,
  type FileCode,
  fileName,
} from '../../src/custodian/files';
import { writeStartOfDayFiles } from '../../src/custodian/sim/files';
import { type RunningSim, startSimServer } from '../../src/custodian/sim/server';
import { type TestDb, createTestDb } from '../support/db';
import { fileRows, simPost } from './sim-support';

const A1 = '5ZO00001';
const A2 = '5ZO00002';
const HOUSE = 'ZOEAVG01';
const T = '2026-11-23'; // Monday: settles Tuesday the 24th
const SELL_ID = 'T-a1-sell-bnd';
const ALLOC_ID = '20261123-5ZO00002-L1-AL';

describe('settlement at the simulated custodian, with fail and delay faults', () => {
  let t: TestDb;
  let sim: RunningSim;
  let dropDir: string;

  const rowsOf = <C extends FileCode>(code: C, date: string) => fileRows(dropDir, code, date);
  const post = (route: string, body?: unknown) => simPost(sim, route, body);
  const morning = async (date: string) => {
    const r = await post(`/sim/v1/sod-files/${date}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  /** [symbol, trade quantity, settled quantity] of an account's EXT871 rows. */
  const positions = (account: string, date: string) =>
    (rowsOf('EXT871', date) as Ext871Row[])
      .filter((r) => r.accountNumber === account)
      .map((r) => [r.symbol, r.tradeQuantity, r.settleQuantity]);
  const balance = (account: string, date: string) => {
    const b = (rowsOf('EXT981', date) as Ext981Row[]).find((r) => r.accountNumber === account) as Ext981Row;
    return [b.cashTradeBalance, b.cashSettleBalance, b.availableToWithdraw];
  };
  /** EXT869's settlement rows: [account, amount in, entry (settlement) date, trade date]. */
  const settlements = (date: string) =>
    (rowsOf('EXT869', date) as Ext869Row[])
      .filter((r) => r.batchCode === 'TR')
      .map((r) => [r.accountNumber, r.amountIn, r.entryDate, r.tradeDate]);

  before(async () => {
    t = await createTestDb();
    dropDir = mkdtempSync(path.join(os.tmpdir(), 'zoe-settlement-'));
    await t.db('sim.securities').insert([
      {
        symbol: 'BND',
        cusip: '921937835',
        description: 'VANGUARD TOTAL BOND MARKET ETF',
        fractionable: true,
      },
      { symbol: 'VTI', cusip: '922908769', description: 'VANGUARD TOTAL STOCK MKT, ETF', fractionable: true },
    ]);
    for (const date of ['2026-11-20', T, '2026-11-24', '2026-11-25', '2026-11-27', '2026-11-30'])
      await t.db('sim.prices').insert([
        { symbol: 'VTI', date, close: '250.00' },
        { symbol: 'BND', date, close: '72.50' },
      ]);
    await t.db('sim.accounts').insert([
      { account_number: A1, cash: '10000.00' },
      { account_number: A2, cash: '5000.00' },
      { account_number: HOUSE, cash: '0.00', average_price_account: true },
    ]);
    await t.db('sim.positions').insert({ account_number: A1, symbol: 'BND', qty: '10.00000' });
    await t.db('sim.lots').insert({
      lot_id: 'SEED-A1-BND-1',
      account_number: A1,
      symbol: 'BND',
      open_date: '2025-06-02',
      qty: '10.00000',
      unit_cost: '70.000000',
    });
    sim = await startSimServer({
      db: t.db,
      port: 0,
      dropDir,
      correspondent: 'ZOE',
      fillModel: { seed: 'settlement', partialFillRate: 0, rejectRate: 0 },
      clock: () => new Date('2026-11-23T15:05:00Z'), // 10:05 ET on T
    });
    const order = async (
      clientOrderId: string,
      account: string,
      symbol: string,
      side: 'BUY' | 'SELL',
      q: string,
    ) => {
      const o = await sim.sim.createOrder(account, {
        clientOrderId,
        identifier: symbol,
        side,
        quantity: q,
        orderDate: T,
      });
      assert.equal(o.orderStatus, 'FILLED');
    };
    await order('T-a1-buy-vti', A1, 'VTI', 'BUY', '4'); // no fault: settles on the 24th
    await order(SELL_ID, A1, 'BND', 'SELL', '4'); // will fail
    // A block bought in the average-price account, 2 VTI allocated to A2: to be delayed 2 days.
    await order('B20261123-VTI-BUY', HOUSE, 'VTI', 'BUY', '2');
    await sim.sim.allocate({
      clientOrderId: ALLOC_ID,
      fromAccountId: HOUSE,
      toAccountId: A2,
      identifier: 'VTI',
      toSide: 'BUY',
      quantity: '2',
      price: '250.00',
      tradeDate: T,
    });
  });

  after(async () => {
    await sim?.close();
    await t?.drop();
    rmSync(dropDir, { recursive: true, force: true });
  });

  it('refuses settlement faults it cannot play, naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [[{ clientOrderId: ALLOC_ID, kind: 'delay' }], /settlements\.0\.days: is required for kind delay/],
      [[{ clientOrderId: SELL_ID, kind: 'fail', days: 2 }], /settlements\.0\.days: is for kind delay only/],
      [[{ clientOrderId: SELL_ID, kind: 'late' }], /settlements\.0\.kind: Invalid enum value/],
      [
        [{ clientOrderId: ALLOC_ID, kind: 'delay', days: 0 }],
        /settlements\.0\.days: Number must be greater than or equal to 1/,
      ],
      [
        [
          { clientOrderId: SELL_ID, kind: 'fail' },
          { clientOrderId: SELL_ID, kind: 'delay', days: 1 },
        ],
        /settlements\.1\.clientOrderId: T-a1-sell-bnd is listed twice/,
      ],
      [[{ clientOrderId: SELL_ID, kind: 'fail', extra: 1 }], /settlements\.0: Unrecognized key/],
    ];
    for (const [settlements, re] of cases) {
      const r = await post('/sim/v1/faults', { settlements });
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.match(String(r.json.message), re);
    }
    assert.equal(await t.db('sim.settlement_faults').first(), undefined, 'nothing kept');
  });

  it('plants a fail and a delay through the fault switch; GET lists them', async () => {
    const r = await post('/sim/v1/faults', {
      settlements: [
        { clientOrderId: SELL_ID, kind: 'fail' },
        { clientOrderId: ALLOC_ID, kind: 'delay', days: 2 },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const got = (await (
      await fetch(`${sim.url}/sim/v1/faults`, { headers: { authorization: `Bearer ${sim.token}` } })
    ).json()) as {
      faults: { settlements: unknown };
    };
    assert.deepEqual(got.faults.settlements, [
      { clientOrderId: ALLOC_ID, kind: 'delay', days: 2 },
      { clientOrderId: SELL_ID, kind: 'fail' },
    ]);
  });

  it('the morning after T: nothing has settled yet, whatever the faults', async () => {
    await morning('2026-11-24');
    assert.deepEqual(positions(A1, '2026-11-24'), [
      ['BND', '6.00000', '10.00000'],
      ['VTI', '4.00000', '0.00000'],
    ]);
    assert.deepEqual(positions(A2, '2026-11-24'), [['VTI', '2.00000', '0.00000']]);
    assert.deepEqual(positions(HOUSE, '2026-11-24'), [], 'the block was allocated away');
    // A1: 10000 − 1000 + 290 on trade date; settled, none of it.
    assert.deepEqual(balance(A1, '2026-11-24'), ['9290.00', '10000.00', '9290.00']);
    assert.deepEqual(balance(A2, '2026-11-24'), ['4500.00', '5000.00', '4500.00']);
    assert.deepEqual(settlements('2026-11-24'), []);
  });

  it('T+2 morning: the trade without a fault settled; the failed and the delayed ones did not', async () => {
    await morning('2026-11-25');
    assert.deepEqual(positions(A1, '2026-11-25'), [
      ['BND', '6.00000', '10.00000'], // the sale failed: 4 BND not delivered
      ['VTI', '4.00000', '4.00000'], // settled on the 24th
    ]);
    assert.deepEqual(positions(A2, '2026-11-25'), [['VTI', '2.00000', '0.00000']]);
    // The failed sale's 290.00 is not in settled cash; the buy's 1000.00 is out of it.
    assert.deepEqual(balance(A1, '2026-11-25'), ['9290.00', '9000.00', '9000.00']);
    assert.deepEqual(balance(A2, '2026-11-25'), ['4500.00', '5000.00', '4500.00']);
    // The block settled with the street in the average-price account; the allocation's delay is A2's.
    assert.deepEqual(settlements('2026-11-25'), [
      [A1, '-1000.00', '2026-11-24', T],
      [HOUSE, '-500.00', '2026-11-24', T],
    ]);
  });

  it('the delayed trade settles two settlement days late (the 27th: Thanksgiving does not settle)', async () => {
    await morning('2026-11-27');
    assert.deepEqual(positions(A2, '2026-11-27'), [['VTI', '2.00000', '0.00000']]);
    assert.deepEqual(settlements('2026-11-27'), []);
    await morning('2026-11-30');
    assert.deepEqual(positions(A2, '2026-11-30'), [['VTI', '2.00000', '2.00000']]);
    assert.deepEqual(balance(A2, '2026-11-30'), ['4500.00', '4500.00', '4500.00']);
    assert.deepEqual(settlements('2026-11-30'), [[A2, '-500.00', '2026-11-27', T]]);
    // The failed sale still has not.
    assert.deepEqual(positions(A1, '2026-11-30'), [
      ['BND', '6.00000', '10.00000'],
      ['VTI', '4.00000', '4.00000'],
    ]);
  });

  it('a fail removed settles the next morning; the mornings before stay what they were', async () => {
    const kept = await sim.setSettlementFaults([{ clientOrderId: ALLOC_ID, kind: 'delay', days: 2 }]);
    assert.deepEqual(kept, [{ clientOrderId: ALLOC_ID, kind: 'delay', days: 2 }]);
    const row = await t.db('sim.settlement_faults').where({ client_order_id: SELL_ID }).first();
    assert.equal(row.released_on, '2026-11-30', 'released on the business date: the latest morning built');
    await morning('2026-12-01');
    assert.deepEqual(positions(A1, '2026-12-01'), [
      ['BND', '6.00000', '6.00000'],
      ['VTI', '4.00000', '4.00000'],
    ]);
    assert.deepEqual(balance(A1, '2026-12-01'), ['9290.00', '9290.00', '9290.00']);
    assert.deepEqual(settlements('2026-12-01'), [[A1, '290.00', '2026-11-30', T]]);

    // Every morning built again elsewhere is byte for byte what was delivered.
    const other = mkdtempSync(path.join(os.tmpdir(), 'zoe-settlement-again-'));
    try {
      for (const date of ['2026-11-24', '2026-11-25', '2026-11-27', '2026-11-30', '2026-12-01']) {
        await writeStartOfDayFiles(t.db, sim.sim, date, { dropDir: other, correspondent: 'ZOE' });
        for (const code of ['EXT871', 'EXT869', 'EXT981'] as const) {
          const name = fileName(code, date, 'ZOE');
          assert.equal(
            readFileSync(path.join(other, name), 'utf8'),
            readFileSync(path.join(dropDir, name), 'utf8'),
            name,
          );
        }
      }
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('without faults every trade settles on T+1 (the same trades on a second date)', async () => {
    await sim.setSettlementFaults([]);
    const D = '2026-12-01';
    await sim.sim.createOrder(A1, {
      clientOrderId: 'T-d-sell',
      identifier: 'BND',
      side: 'SELL',
      quantity: '1',
      orderDate: D,
    });
    await sim.sim.createOrder(A2, {
      clientOrderId: 'T-d-buy',
      identifier: 'VTI',
      side: 'BUY',
      quantity: '1',
      orderDate: D,
    });
    await morning('2026-12-02');
    assert.deepEqual(positions(A1, '2026-12-02'), [
      ['BND', '5.00000', '6.00000'],
      ['VTI', '4.00000', '4.00000'],
    ]);
    await morning('2026-12-03');
    assert.deepEqual(positions(A1, '2026-12-03'), [
      ['BND', '5.00000', '5.00000'],
      ['VTI', '4.00000', '4.00000'],
    ]);
    assert.deepEqual(positions(A2, '2026-12-03'), [['VTI', '3.00000', '3.00000']]);
    assert.deepEqual(settlements('2026-12-03'), [
      [A1, '72.50', '2026-12-02', D],
      [A2, '-250.00', '2026-12-02', D],
    ]);
  });
});
