/**
 * The simulator's full morning file set (EXT871, EXT747, EXT872, EXT869, EXT981, EXT_TAXLOT, EXT235)
 * written after orders, fills, cash activity and corporate actions, read back with the real parsers;
 * quirks on demand; file faults (missing, late, corrupt).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type Ext235Row,
  type Ext747Row,
  type Ext869Row,
  type Ext871Row,
  type Ext872Row,
  type Ext981Row,
  type ExtTaxlotRow,
  type FileCode,
  type ParseResult,
  type RowOf,
  fileName,
  formatFileError,
  parseCustodianFile,
} from '../../src/custodian/files';
import { corrupt, writeStartOfDayFiles } from '../../src/custodian/sim/files';
import { type RunningSim, startSimServer } from '../../src/custodian/sim/server';
import { addCashActivity, addCorporateAction, termCode } from '../../src/custodian/sim/sod';
import { type TestDb, createTestDb } from '../support/db';

const A1 = '5ZO00001';
const A2 = '5ZO00002';
const VTI_CUSIP = '922908769';
const BND_CUSIP = '921937835';
const BND_NEW_CUSIP = '921937999';

const CLOSES: Record<string, Record<string, string>> = {
  VTI: {
    '2026-11-20': '248.00',
    '2026-11-23': '250.00',
    '2026-11-24': '252.00',
    '2026-11-25': '251.00',
    '2026-11-27': '253.00',
    '2026-11-30': '254.00',
    '2026-12-01': '255.00',
  },
  BND: {
    '2026-11-20': '72.00',
    '2026-11-23': '72.50',
    '2026-11-24': '72.40',
    '2026-11-25': '72.60',
    '2026-11-27': '72.70',
    '2026-11-30': '72.80',
    '2026-12-01': '72.90',
  },
};

function okRows<R>(res: ParseResult<R>): R[] {
  if (!res.ok) assert.fail(`expected ok, got errors:\n${res.errors.map(formatFileError).join('\n')}`);
  return res.rows;
}

describe('the simulator writes the full morning file set', () => {
  let t: TestDb;
  let sim: RunningSim;
  let dropDir: string;
  const orderIds: Record<string, string> = {};
  const execIds: Record<string, string> = {};

  const read = (code: FileCode, date: string) =>
    readFileSync(path.join(dropDir, fileName(code, date, 'ZOE')), 'utf8');
  const parsed = <C extends FileCode>(code: C, date: string, dir = dropDir): ParseResult<RowOf<C>> => {
    const name = fileName(code, date, 'ZOE');
    return parseCustodianFile(code, readFileSync(path.join(dir, name)), name);
  };
  const rowsOf = <C extends FileCode>(code: C, date: string): RowOf<C>[] => okRows(parsed(code, date));
  const exists = (code: FileCode, date: string) =>
    existsSync(path.join(dropDir, fileName(code, date, 'ZOE')));
  const post = async (route: string, body?: unknown) => {
    const res = await fetch(`${sim.url}${route}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${sim.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const sodFiles = async (date: string, query = '', body?: unknown) => {
    const r = await post(`/sim/v1/sod-files/${date}${query}`, body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as { files: string[]; pending: string[]; missing: string[] };
  };
  const order = async (
    key: string,
    account: string,
    symbol: string,
    side: 'BUY' | 'SELL',
    quantity: string,
    orderDate: string,
  ) => {
    const o = await sim.sim.createOrder(account, {
      clientOrderId: `T-${key}`,
      identifier: symbol,
      side,
      quantity,
      orderDate,
    });
    assert.equal(o.orderStatus, 'FILLED', `${key}: ${o.orderStatus} ${o.orderRejectedReason ?? ''}`);
    orderIds[key] = o.orderId;
    execIds[key] = o.executions[0]?.executionId ?? '';
  };
  const simCash = async (account: string) =>
    ((await t.db('sim.accounts').where({ account_number: account }).first()) as { cash: string }).cash;

  before(async () => {
    t = await createTestDb();
    dropDir = mkdtempSync(path.join(os.tmpdir(), 'zoe-sim-files-'));
    await t.db('sim.securities').insert([
      { symbol: 'BND', cusip: BND_CUSIP, description: 'VANGUARD TOTAL BOND MARKET ETF', fractionable: true },
      { symbol: 'VTI', cusip: VTI_CUSIP, description: 'VANGUARD TOTAL STOCK MKT, ETF', fractionable: true },
    ]);
    for (const [symbol, byDate] of Object.entries(CLOSES))
      for (const [date, close] of Object.entries(byDate))
        await t.db('sim.prices').insert({ symbol, date, close });
    await t.db('sim.accounts').insert([
      { account_number: A1, cash: '10000.00' },
      { account_number: A2, cash: '5000.00' },
    ]);
    // A1 holds 10 BND from before the simulator's order flow: one lot, opened 2025-06-02 at 70.
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
      fillModel: { seed: 'sim-files', partialFillRate: 0, rejectRate: 0 },
      clock: () => new Date('2026-11-23T15:05:00Z'), // 10:05 ET
    });

    // Trade date 2026-11-23 (settles 2026-11-24) and 2026-11-24 (settles 2026-11-25).
    await order('a1-buy-vti', A1, 'VTI', 'BUY', '4', '2026-11-23');
    await order('a1-sell-bnd', A1, 'BND', 'SELL', '4', '2026-11-23');
    await order('a2-buy-vti', A2, 'VTI', 'BUY', '2.5', '2026-11-23');
    await order('a2-sell-vti', A2, 'VTI', 'SELL', '1', '2026-11-24');
    // Cash reported on the morning of 2026-11-24 (moved on the 23rd).
    await addCashActivity(t.db, { accountNumber: A1, processDate: '2026-11-24', amountIn: '500.00' });
    await addCashActivity(t.db, { accountNumber: A2, processDate: '2026-11-24', amountIn: '-250.00' });
  });

  after(async () => {
    await sim?.close();
    await t?.drop();
    rmSync(dropDir, { recursive: true, force: true });
  });

  it('writes all seven files for a process date, each read by its parser', async () => {
    const r = await sodFiles('2026-11-24');
    assert.deepEqual(r.files, [
      'EXT871_ZOE_20261124.csv',
      'EXT747_ZOE_20261124.txt',
      'EXT872_ZOE_20261124.csv',
      'EXT869_ZOE_20261124.csv',
      'EXT981_ZOE_20261124.csv',
      'EXT_TAXLOT_ZOE_20261124.csv',
      'EXT235_ZOE_20261124.txt',
    ]);
    assert.deepEqual(r.pending, []);
    assert.deepEqual(r.missing, []);
    for (const name of r.files) assert.ok(existsSync(path.join(dropDir, name)), name);
    // EXT872 as before: the previous trading day's three trades.
    const trades = rowsOf('EXT872', '2026-11-24') as Ext872Row[];
    assert.deepEqual(
      trades.map((x) => [x.accountNumber, x.buySellCode, x.symbol, x.quantity, x.price]).sort(),
      [
        [A1, 'B', 'VTI', '4.00000', '250.00'],
        [A1, 'S', 'BND', '4.00000', '72.50'],
        [A2, 'B', 'VTI', '2.50000', '250.00'],
      ],
    );
    assert.equal(rowsOf('EXT235', '2026-11-24').length, 0, 'no corporate actions');
  });

  it('EXT869: a deposit is written negative (Apex sign) and read as money in; a withdrawal positive', () => {
    const text = read('EXT869', '2026-11-24');
    assert.ok(text.startsWith(`${A1},1,-500.00,ACH DEPOSIT,USD,20261124,9C,,20261124,C,ACH,,`), text);
    const rows = rowsOf('EXT869', '2026-11-24') as Ext869Row[];
    assert.equal(rows.length, 2, 'the 2026-11-23 trades settle on the 24th: not reported yet');
    const [dep, wd] = rows as [Ext869Row, Ext869Row];
    assert.deepEqual(
      [dep.accountNumber, dep.amount, dep.amountIn, dep.payTypeCode, dep.batchCode, dep.enteredBy],
      [A1, '-500.00', '500.00', 'C', '9C', 'ACH'],
    );
    assert.deepEqual(
      [wd.accountNumber, wd.amount, wd.amountIn, wd.payTypeCode, wd.batchCode, wd.description],
      [A2, '250.00', '-250.00', 'D', '9D', 'ACH WITHDRAWAL'],
    );
  });

  it('EXT981: trade-date and settled cash at the start of the date, market value at the previous close', async () => {
    const rows = rowsOf('EXT981', '2026-11-24') as Ext981Row[];
    const a1 = rows.find((r) => r.accountNumber === A1) as Ext981Row;
    const a2 = rows.find((r) => r.accountNumber === A2) as Ext981Row;
    // A1: 10000 + 500 deposit - 4 VTI @ 250 + 4 BND @ 72.50; the trades settle on the 24th.
    assert.deepEqual(a1, {
      accountNumber: A1,
      processDate: '2026-11-24',
      totalEquity: '11225.00', // 9790 + 4 VTI @ 250 + 6 BND @ 72.50
      cashEquity: '9790.00',
      netBalance: '9790.00',
      availableToWithdraw: '9790.00',
      positionMarketValue: '1435.00',
      cashTradeBalance: '9790.00',
      cashSettleBalance: '10500.00',
    });
    assert.equal(a1.cashTradeBalance, await simCash(A1), 'A1 traded nothing after the 23rd: the sim cash');
    // A2: the sale of the 24th is not in the morning's cash yet.
    assert.equal(await simCash(A2), '4377.00');
    assert.deepEqual(
      [a2.cashTradeBalance, a2.cashSettleBalance, a2.availableToWithdraw, a2.positionMarketValue],
      ['4125.00', '4750.00', '4125.00', '625.00'],
    );
  });

  it('EXT_TAXLOT: a BUY opens a lot with its execution, a SELL closes the oldest lot first', () => {
    const rows = rowsOf('EXT_TAXLOT', '2026-11-24') as ExtTaxlotRow[];
    assert.deepEqual(
      rows.map((r) => [r.accountNumber, r.symbol, r.lotId, r.quantity]),
      [
        [A1, 'BND', 'SEED-A1-BND-1', '6.00000'],
        [A1, 'VTI', execIds['a1-buy-vti'], '4.00000'],
        [A2, 'VTI', execIds['a2-buy-vti'], '2.50000'],
      ],
    );
    const vti = rows[1] as ExtTaxlotRow;
    assert.deepEqual(vti, {
      accountNumber: A1,
      processDate: '2026-11-24',
      cusip: VTI_CUSIP,
      symbol: 'VTI',
      lotId: execIds['a1-buy-vti'],
      openTradeDate: '2026-11-23',
      openSettleDate: '2026-11-24',
      quantity: '4.00000',
      unitCost: '250.000000',
      totalCost: '1000.00',
      adjustedCost: '1000.00',
      washSaleDisallowedAdj: '0.00',
      termCode: 'S',
      coveredFlag: 'COVERED',
      acquisitionMethod: 'BUY',
      closingPrice: '250.000000',
      marketValue: '1000.00',
      unrealizedGL: '0.00',
    });
    const bnd = rows[0] as ExtTaxlotRow;
    assert.deepEqual(
      [bnd.totalCost, bnd.termCode, bnd.marketValue, bnd.unrealizedGL, bnd.openSettleDate],
      ['420.00', 'L', '435.00', '15.00', '2025-06-03'],
    );
  });

  it('the next morning: settlement cash in EXT869, corporate actions in EXT235 and a new CUSIP everywhere', async () => {
    await addCorporateAction(t.db, {
      processDate: '2026-11-25',
      action: 'CUSIP_CHANGE',
      symbol: 'BND',
      cusip: BND_NEW_CUSIP,
      cusipOld: BND_CUSIP,
    });
    const split = await post('/sim/v1/corporate-actions', {
      processDate: '2026-11-25',
      action: 'SPLIT',
      symbol: 'VTI',
      cusip: VTI_CUSIP,
      stockFactor: '2',
      recordDate: '2026-11-24',
      payableDate: '2026-11-25',
    });
    assert.equal(split.status, 200, JSON.stringify(split.json));
    const dividend = await post('/sim/v1/cash-activity', {
      accountNumber: A1,
      processDate: '2026-11-25',
      amountIn: '12.34',
      kind: 'DIVIDEND',
      symbol: 'BND',
    });
    assert.equal(dividend.status, 200, JSON.stringify(dividend.json));
    await sodFiles('2026-11-25');

    const cash = rowsOf('EXT869', '2026-11-25') as Ext869Row[];
    assert.deepEqual(
      cash.map((r) => [
        r.accountNumber,
        r.batchCode,
        r.amount,
        r.amountIn,
        r.payTypeCode,
        r.cusip,
        r.tradeNumber,
      ]),
      [
        [A1, '$+', '-12.34', '12.34', 'C', BND_NEW_CUSIP, ''],
        [A1, 'TR', '-290.00', '290.00', 'C', BND_NEW_CUSIP, orderIds['a1-sell-bnd']],
        [A1, 'TR', '1000.00', '-1000.00', 'D', VTI_CUSIP, orderIds['a1-buy-vti']],
        [A2, 'TR', '625.00', '-625.00', 'D', VTI_CUSIP, orderIds['a2-buy-vti']],
      ].sort((a, b) => (String(a[0]) + a[6] < String(b[0]) + b[6] ? -1 : 1)),
    );
    const buy = cash.find((r) => r.tradeNumber === orderIds['a1-buy-vti']) as Ext869Row;
    assert.deepEqual([buy.tradeDate, buy.entryDate, buy.enteredBy], ['2026-11-23', '2026-11-24', 'TRD']);

    const actions = rowsOf('EXT235', '2026-11-25') as Ext235Row[];
    assert.deepEqual(
      actions.map((a) => [a.action, a.symbol, a.cusip, a.cusipOld, a.stockFactor]),
      [
        ['CUSIP_CHANGE', 'BND', BND_NEW_CUSIP, BND_CUSIP, null],
        ['SPLIT', 'VTI', VTI_CUSIP, null, '2'],
      ],
    );
    const master = rowsOf('EXT747', '2026-11-25') as Ext747Row[];
    const bnd = master.find((s) => s.marketSymbol === 'BND') as Ext747Row;
    assert.deepEqual([bnd.cusip, bnd.oldSecurityNumber], [BND_NEW_CUSIP, BND_CUSIP]);
    const positions = rowsOf('EXT871', '2026-11-25') as Ext871Row[];
    assert.equal(positions.find((p) => p.symbol === 'BND')?.cusip, BND_NEW_CUSIP);

    // Balances: every trade is before the date, so trade-date cash is the sim's cash.
    const balances = rowsOf('EXT981', '2026-11-25') as Ext981Row[];
    for (const b of balances)
      assert.equal(b.cashTradeBalance, await simCash(b.accountNumber), b.accountNumber);
    const a2 = balances.find((b) => b.accountNumber === A2) as Ext981Row;
    // The sale of the 24th settles on the 25th: not in settled cash yet.
    assert.deepEqual([a2.cashTradeBalance, a2.cashSettleBalance], ['4377.00', '4125.00']);

    // The sale of 1 VTI on the 24th closed part of A2's only lot (1.5 left), and the split of the
    // 25th doubled it at half the cost and half the close (the simulator applies what it reports).
    const lots = rowsOf('EXT_TAXLOT', '2026-11-25') as ExtTaxlotRow[];
    const a2lot = lots.find((l) => l.accountNumber === A2) as ExtTaxlotRow;
    assert.deepEqual(
      [
        a2lot.quantity,
        a2lot.unitCost,
        a2lot.totalCost,
        a2lot.closingPrice,
        a2lot.marketValue,
        a2lot.unrealizedGL,
      ],
      ['3.00000', '125.000000', '375.00', '126.000000', '378.00', '3.00'],
    );
    assert.equal(lots.find((l) => l.symbol === 'BND')?.cusip, BND_NEW_CUSIP);
  });

  it('is deterministic: the same state gives the same bytes in another drop folder', async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'zoe-sim-files-2-'));
    try {
      const names = await writeStartOfDayFiles(t.db, sim.sim, '2026-11-25', {
        dropDir: other,
        correspondent: 'ZOE',
      });
      assert.equal(names.length, 7);
      for (const n of names)
        assert.equal(
          readFileSync(path.join(other, n), 'utf8'),
          readFileSync(path.join(dropDir, n), 'utf8'),
          n,
        );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('refuses a corporate action without the factor it needs, naming the field', async () => {
    const r = await post('/sim/v1/corporate-actions', {
      processDate: '2026-11-25',
      action: 'REVERSE_SPLIT',
      symbol: 'VTI',
      cusip: VTI_CUSIP,
      stockFactor: '2',
    });
    assert.equal(r.status, 400);
    assert.match(String(r.json.message), /stockFactor: must be less than 1/);
    await assert.rejects(
      addCorporateAction(t.db, {
        processDate: '2026-11-25',
        action: 'SYMBOL_CHANGE',
        symbol: 'VTI',
        cusip: VTI_CUSIP,
      }),
      /symbolOld/,
    );
  });

  it('quirks on demand: lower-case symbols, old CUSIPs and header lines, read back by the parsers', async () => {
    const set = await post('/sim/v1/file-quirks', { lowerCaseSymbols: true, oldCusips: true, header: true });
    assert.equal(set.status, 200, JSON.stringify(set.json));
    try {
      await sodFiles('2026-11-27', '', { quirks: { crlf: true } });
    } finally {
      await post('/sim/v1/file-quirks', { lowerCaseSymbols: false, oldCusips: false, header: false });
    }
    const text = read('EXT871', '2026-11-27');
    assert.ok(text.startsWith('AccountNumber,ProcessDate,Firm,'), 'header line');
    assert.ok(text.includes(`,bnd,${BND_CUSIP},`), 'lower-case symbol and the pre-change CUSIP');
    assert.ok(text.includes('\r\n'));
    const res = parsed('EXT871', '2026-11-27');
    const rows = okRows(res) as Ext871Row[];
    assert.ok(res.ok && res.quirks.header && res.quirks.crlf && res.quirks.lowerCaseSymbols === rows.length);
    assert.deepEqual(
      rows.map((r) => [r.accountNumber, r.symbol, r.cusip]),
      [
        [A1, 'BND', BND_CUSIP],
        [A1, 'VTI', VTI_CUSIP],
        [A2, 'VTI', VTI_CUSIP],
      ],
    );
    // The old CUSIP only where asked (EXT871); the security master says new and old.
    const master = okRows(parsed('EXT747', '2026-11-27')) as Ext747Row[];
    assert.ok(
      parsed('EXT747', '2026-11-27').ok && read('EXT747', '2026-11-27').startsWith('CUSIP|MarketSymbol|'),
    );
    assert.deepEqual(
      master.map((s) => [s.marketSymbol, s.cusip, s.oldSecurityNumber]),
      [
        ['BND', BND_NEW_CUSIP, BND_CUSIP],
        ['VTI', VTI_CUSIP, null],
      ],
    );
    const lots = okRows(parsed('EXT_TAXLOT', '2026-11-27')) as ExtTaxlotRow[];
    assert.equal(lots.find((l) => l.symbol === 'BND')?.cusip, BND_NEW_CUSIP);
    assert.ok(read('EXT872', '2026-11-27').startsWith('AccountNumber,ProcessDate,AccType,BuySellCode'));

    // Off again: no header, upper case, the new CUSIP (query parameters still work).
    await sodFiles('2026-11-30', '?lowerCase=1');
    const plain = read('EXT871', '2026-11-30');
    assert.ok(plain.startsWith(`${A1},20261130,`), 'no header');
    assert.ok(plain.includes(`,bnd,${BND_NEW_CUSIP.toLowerCase()},`));
    assert.equal(okRows(parsed('EXT871', '2026-11-30')).length, 3);
  });

  it('faults: a file missing, a file late until the next request, a corrupt field named by the parser', async () => {
    const set = await post('/sim/v1/faults', {
      files: [
        { code: 'EXT981', kind: 'missing', processDate: '2026-12-01' },
        { code: 'EXT_TAXLOT', kind: 'late', processDate: '2026-12-01' },
        { code: 'EXT871', kind: 'corrupt', processDate: '2026-12-01', row: 2 },
        { code: 'EXT869', kind: 'corrupt', processDate: '2026-12-01', row: 5, value: 'GARBAGE' },
      ],
    });
    assert.equal(set.status, 200, JSON.stringify(set.json));
    // The order-API switches are unchanged, and setting them keeps the file faults.
    const again = await post('/sim/v1/faults', { latencyMs: 0 });
    assert.equal((again.json.faults as { files: unknown[] }).files.length, 4);
    try {
      const first = await sodFiles('2026-12-01');
      assert.deepEqual(first.missing, ['EXT981_ZOE_20261201.csv']);
      assert.deepEqual(first.pending, ['EXT_TAXLOT_ZOE_20261201.csv']);
      assert.equal(first.files.length, 5);
      assert.ok(!exists('EXT981', '2026-12-01') && !exists('EXT_TAXLOT', '2026-12-01'));

      const bad = parsed('EXT871', '2026-12-01');
      assert.ok(!bad.ok);
      assert.equal(bad.errors.length, 1);
      assert.deepEqual(
        { file: bad.errors[0]?.file, line: bad.errors[0]?.line, field: bad.errors[0]?.field },
        { file: 'EXT871_ZOE_20261201.csv', line: 2, field: 'TradeQuantity' },
      );
      assert.match(bad.errors[0]?.message ?? '', /decimal.*"#N\/A"/);
      // EXT869 has no fifth row: a line of garbage is appended instead.
      const cashErrors = parsed('EXT869', '2026-12-01');
      assert.ok(!cashErrors.ok);
      assert.match(
        formatFileError(cashErrors.errors[0]!),
        /^EXT869_ZOE_20261201\.csv line 1: expected 13 fields/,
      );

      const second = await sodFiles('2026-12-01');
      assert.deepEqual(second.pending, []);
      assert.ok(exists('EXT_TAXLOT', '2026-12-01'), 'the late file arrives with the second request');
      assert.ok(!exists('EXT981', '2026-12-01'), 'the missing file never does');
      assert.equal(okRows(parsed('EXT_TAXLOT', '2026-12-01')).length, 3);
    } finally {
      await post('/sim/v1/faults', { files: [] });
    }
    // Without the fault, the missing file is delivered at the next request.
    await sodFiles('2026-12-01');
    assert.ok(exists('EXT981', '2026-12-01'));
  });

  it('faults: a file late by N seconds is written by itself after N seconds', async () => {
    const r = await sodFiles('2026-12-02', '', {
      faults: [{ code: 'EXT235', kind: 'late', lateSeconds: 1 }],
    });
    assert.deepEqual(r.pending, ['EXT235_ZOE_20261202.txt']);
    assert.ok(!exists('EXT235', '2026-12-02'));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.ok(exists('EXT235', '2026-12-02'), 'written by the timer, without another request');
  });

  it('refuses a file fault naming a column the file does not have', async () => {
    const r = await post('/sim/v1/faults', { files: [{ code: 'EXT871', kind: 'corrupt', column: 'Nope' }] });
    assert.equal(r.status, 400);
    assert.match(String(r.json.message), /files\.0\.column: EXT871 has no column Nope/);
  });
});

describe('corrupt() and termCode()', () => {
  it('spoils the chosen field of a header file, quoting as the writers do, and keeps CRLF and BOM', () => {
    const content = '\uFEFFAccountNumber,ProcessDate\r\nA,20261124\r\nB,20261124\r\n';
    const out = corrupt('EXT981', content, {
      code: 'EXT981',
      kind: 'corrupt',
      row: 2,
      column: 'ProcessDate',
      value: '1,5',
    });
    assert.equal(out, '\uFEFFAccountNumber,ProcessDate\r\nA,20261124\r\nB,"1,5"\r\n');
  });

  it('long-term after more than one year', () => {
    assert.equal(termCode('2025-11-24', '2026-11-24'), 'S');
    assert.equal(termCode('2025-11-24', '2026-11-25'), 'L');
  });
});
