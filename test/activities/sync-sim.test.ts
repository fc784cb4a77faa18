/**
 * The book and the simulated custodian agree the morning after a corporate action: the simulator
 * applies what it reports (src/custodian/sim/corporate-action-apply.ts), the book applies it in its
 * morning sync (src/activities/sync/corporate-actions.ts), both with the rules of
 * src/domain/corporate-actions.ts. On the demo book: a 2-for-1 split of VTI (held by every account)
 * and a 1-for-10 reverse split of VNQ (whole shares only: cash in lieu); then, on another stack, BND
 * renamed BNDX, a cash merger of SCHB and a stock merger of VNQ into a new RLTY (0.5 share and $2.00
 * per share), each recorded for P. The morning of P is built by the simulator, ingested, synced and
 * reconciled for every account, then P+1: no break, and the book holds what the custodian reports.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import type { IngestResult } from '../../src/contracts';
import type { Ext871Row, Ext981Row, ExtTaxlotRow, FileCode } from '../../src/custodian/files';
import { addCorporateAction } from '../../src/custodian/sim/sod';
import { nextTradingDay } from '../../src/domain/calendar';
import { dec, qtyStr } from '../../src/domain/money';
import { fileRows } from '../custodian/sim-support';
import { startStack } from '../support/harness';

const P = '2026-12-01';
const P1 = nextTradingDay(P);
const ACCOUNTS = Array.from({ length: 20 }, (_, i) => `ACC${String(i + 1).padStart(3, '0')}`);
const number = (id: string) => `3ZO${id.slice(3).padStart(5, '0')}`;
/** Rows in one order, whatever the database's collation. */
const sorted = (rows: string[][]) => rows.sort((a, b) => (a.join('|') < b.join('|') ? -1 : 1));

interface Holding {
  id: string;
  account: string;
  symbol: string;
  open: string;
  qty: string;
  cost: string;
}

/**
 * The demo book and the simulator on one stack, agreeing before the actions (the demo's planted
 * break, 1.5 BND more at the custodian in ACC011, and its pending withdrawal are left out), with
 * what both sides hold read back the same way.
 */
async function agreeingStack(planted: readonly Holding[]) {
  const s = await startStack({ asOf: P, simClock: () => new Date(`${P}T13:00:00Z`) });
  const acts = createActivities(s.deps);
  const env = new MockActivityEnvironment();
  const db = s.t.db;
  await db('sim.positions')
    .where({ account_number: number('ACC011'), symbol: 'BND' })
    .update({ qty: db.raw('qty - 1.5') });
  await db('cash_flows').where({ id: 'CF-ACC008-WD' }).del();
  const positions = new Map<string, string>();
  for (const l of planted) {
    await db('tax_lots').insert({
      id: l.id,
      account_id: l.account,
      symbol: l.symbol,
      open_date: l.open,
      qty: l.qty,
      unit_cost: l.cost,
      source: 'BUY',
    });
    await db('sim.lots').insert({
      lot_id: l.id,
      account_number: number(l.account),
      symbol: l.symbol,
      open_date: l.open,
      qty: l.qty,
      unit_cost: l.cost,
    });
    const k = `${l.account}|${l.symbol}`;
    positions.set(k, qtyStr(dec(positions.get(k) ?? '0').plus(dec(l.qty))));
  }
  for (const [k, qty] of positions) {
    const [account, symbol] = k.split('|') as [string, string];
    await db('positions').insert({ account_id: account, symbol, qty });
    await db('sim.positions').insert({ account_number: number(account), symbol, qty });
  }
  const rowsOf = <C extends FileCode>(code: C, date: string) => fileRows(s.dropDir, code, date);
  return {
    s,
    db,
    async book() {
      const pos = await db('positions').where('qty', '>', 0);
      const lots = await db('tax_lots').where('qty', '>', 0);
      const cash = await db('cash_balances').orderBy('account_id');
      return {
        positions: sorted(
          pos.map((p: { account_id: string; symbol: string; qty: string }) => [
            number(p.account_id),
            p.symbol,
            p.qty,
          ]),
        ),
        lots: sorted(
          lots.map(
            (l: {
              id: string;
              account_id: string;
              symbol: string;
              open_date: string;
              qty: string;
              unit_cost: string;
            }) => [number(l.account_id), l.symbol, l.id, l.open_date, l.qty, l.unit_cost],
          ),
        ),
        cash: cash.map((c: { account_id: string; amount: string }) => [number(c.account_id), c.amount]),
      };
    },
    custodian(date: string) {
      return {
        positions: sorted(
          (rowsOf('EXT871', date) as Ext871Row[]).map((r) => [r.accountNumber, r.symbol, r.tradeQuantity]),
        ),
        lots: sorted(
          (rowsOf('EXT_TAXLOT', date) as ExtTaxlotRow[]).map((l) => [
            l.accountNumber,
            l.symbol,
            l.lotId,
            l.openTradeDate,
            l.quantity,
            l.unitCost,
          ]),
        ),
        cash: (rowsOf('EXT981', date) as Ext981Row[])
          .filter((b) => b.accountNumber.startsWith('3ZO'))
          .map((b) => [b.accountNumber, b.cashTradeBalance]),
      };
    },
    /** Ingests the simulator's morning, syncs and reconciles every account; the accounts held. */
    async morning(date: string) {
      const ingested = (await env.run(acts.ingestMorningFiles, { processDate: date })) as IngestResult;
      assert.deepEqual(ingested.rejected, []);
      const held: string[] = [];
      for (const id of ACCOUNTS) {
        const r = await acts.reconcileAccount({ tradeDate: date, accountId: id });
        if (r.openBreaks > 0 || r.securityHolds.length > 0) held.push(id);
      }
      assert.deepEqual(await db('breaks').whereIn('status', ['OPEN', 'INVESTIGATING']), [], 'no open break');
      return held;
    },
  };
}

type Agreeing = Awaited<ReturnType<typeof agreeingStack>>;

/** VNQ trades in whole shares: ACC004 holds 25 in two lots, ACC007 9 in one, in both records. */
const VNQ_HOLDINGS: Holding[] = [
  {
    id: 'LOT-ACC004-VNQ-A',
    account: 'ACC004',
    symbol: 'VNQ',
    open: '2025-02-03',
    qty: '12.00000',
    cost: '80.000000',
  },
  {
    id: 'LOT-ACC004-VNQ-B',
    account: 'ACC004',
    symbol: 'VNQ',
    open: '2026-06-01',
    qty: '13.00000',
    cost: '95.000000',
  },
  {
    id: 'LOT-ACC007-VNQ-A',
    account: 'ACC007',
    symbol: 'VNQ',
    open: '2025-09-02',
    qty: '9.00000',
    cost: '88.000000',
  },
];

describe('the book and the simulated custodian agree after a split and a reverse split', () => {
  let a: Agreeing;
  let vtiBefore: Map<string, string>;

  before(async () => {
    a = await agreeingStack(VNQ_HOLDINGS);
    vtiBefore = new Map(
      (await a.db('positions').where({ symbol: 'VTI' })).map((p: { account_id: string; qty: string }) => [
        p.account_id,
        p.qty,
      ]),
    );
    await addCorporateAction(a.db, {
      processDate: P,
      action: 'SPLIT',
      symbol: 'VTI',
      cusip: '922908769',
      stockFactor: '2',
    });
    await addCorporateAction(a.db, {
      processDate: P,
      action: 'REVERSE_SPLIT',
      symbol: 'VNQ',
      cusip: '922908553',
      stockFactor: '0.1',
    });
  });

  after(async () => {
    await a?.s.close();
  });

  it('P: no account is held and no break is open after the sync', async () => {
    assert.deepEqual(await a.morning(P), []);
  });

  it("P: the book's positions, lots and cash are the custodian's", async () => {
    assert.deepEqual(await a.book(), a.custodian(P));
  });

  it('P: both applied the actions: VTI doubled, VNQ ÷10 in whole shares, the fractions paid in cash', async () => {
    const db = a.db;
    assert.ok(vtiBefore.size > 0);
    for (const [account, qty] of vtiBefore) {
      const now = await db('positions').where({ account_id: account, symbol: 'VTI' }).first();
      assert.equal(now.qty, qtyStr(dec(qty).times(2)), account);
    }
    const vnq = await db('positions').where({ symbol: 'VNQ' }).orderBy('account_id');
    assert.deepEqual(
      vnq.map((p: { account_id: string; qty: string }) => [p.account_id, p.qty]),
      [
        ['ACC004', '2.00000'],
        ['ACC007', '0.00000'],
      ],
    );
    const inLieu = await db('cash_flows').where({ type: 'CASH_IN_LIEU' }).orderBy('account_id');
    assert.deepEqual(
      inLieu.map((c: { account_id: string }) => c.account_id),
      ['ACC004', 'ACC007'],
    );
    const lines = await db('sim.cash_activity').where({ kind: 'CORPORATE_ACTION' }).orderBy('account_number');
    assert.deepEqual(
      inLieu.map((c: { amount: string }) => c.amount),
      lines.map((l: { amount_in: string }) => l.amount_in),
    );
  });

  it('P+1: still no break, the same holdings, nothing applied twice', async () => {
    const book = await a.book();
    assert.deepEqual(await a.morning(P1), []);
    assert.deepEqual(await a.book(), book);
    assert.deepEqual(a.custodian(P1), book);
  });
});

describe('the book and the simulated custodian agree after a symbol change, a cash merger and a stock merger', () => {
  let a: Agreeing;

  before(async () => {
    a = await stackWithMergers();
  });

  async function stackWithMergers(): Promise<Agreeing> {
    const x = await agreeingStack([
      ...VNQ_HOLDINGS,
      {
        id: 'LOT-ACC004-SCHB-A',
        account: 'ACC004',
        symbol: 'SCHB',
        open: '2025-01-06',
        qty: '100.00000',
        cost: '25.000000',
      },
    ]);
    await addCorporateAction(x.db, {
      processDate: P,
      action: 'SYMBOL_CHANGE',
      symbol: 'BNDX',
      symbolOld: 'BND',
      cusip: '921937835',
    });
    await addCorporateAction(x.db, {
      processDate: P,
      action: 'CASH_MERGER',
      symbol: 'SCHB',
      cusip: '808524607',
      cashFactor: '30',
    });
    await addCorporateAction(x.db, {
      processDate: P,
      action: 'STOCK_MERGER',
      symbol: 'RLTY',
      symbolOld: 'VNQ',
      cusip: '75970R101',
      cusipOld: '922908553',
      stockFactor: '0.5',
      cashFactor: '2',
    });
    return x;
  }

  after(async () => {
    await a?.s.close();
  });

  it("P: no account is held; the book's positions, lots and cash are the custodian's", async () => {
    assert.deepEqual(await a.morning(P), []);
    const book = await a.book();
    assert.deepEqual(book, a.custodian(P));
    const symbols = new Set(book.positions.map((p) => p[1]));
    assert.ok(symbols.has('BNDX') && symbols.has('RLTY'), [...symbols].join(','));
    assert.ok(!symbols.has('BND') && !symbols.has('SCHB') && !symbols.has('VNQ'), [...symbols].join(','));
    const flows = await a
      .db('cash_flows')
      .where({ source: 'CUSTODIAN' })
      .orderBy(['account_id', 'type', 'amount']);
    assert.deepEqual(
      flows.map((f: { account_id: string; type: string; amount: string }) => [f.account_id, f.type]),
      [
        ['ACC004', 'CASH_IN_LIEU'],
        ['ACC004', 'MERGER_CASH'],
        ['ACC004', 'MERGER_CASH'],
        ['ACC007', 'CASH_IN_LIEU'],
        ['ACC007', 'MERGER_CASH'],
      ],
    );
  });

  it('P+1: still no break and the same holdings', async () => {
    const book = await a.book();
    assert.deepEqual(await a.morning(P1), []);
    assert.deepEqual(await a.book(), book);
    assert.deepEqual(a.custodian(P1), book);
  });
});
