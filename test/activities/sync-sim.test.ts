/**
 * The book and the simulated custodian agree the morning after a corporate action: the simulator
 * applies what it reports (src/custodian/sim/corporate-action-apply.ts), the book applies it in its
 * morning sync (src/activities/sync/corporate-actions.ts), both with the rules of
 * src/domain/corporate-actions.ts. On the demo book, a 2-for-1 split of VTI (held by every account)
 * and a 1-for-10 reverse split of VNQ (whole shares only: cash in lieu) recorded for P; the morning
 * of P is built by the simulator, ingested, synced and reconciled for every account, then P+1.
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
import { type Stack, startStack } from '../support/harness';

const P = '2026-12-01';
const P1 = nextTradingDay(P);
const ACCOUNTS = Array.from({ length: 20 }, (_, i) => `ACC${String(i + 1).padStart(3, '0')}`);
const number = (id: string) => `3ZO${id.slice(3).padStart(5, '0')}`;
/** Rows in one order, whatever the database's collation. */
const sorted = (rows: string[][]) => rows.sort((a, b) => (a.join('|') < b.join('|') ? -1 : 1));

describe('the book and the simulated custodian agree after a split and a reverse split', () => {
  let s: Stack;
  let acts: ReturnType<typeof createActivities>;
  const env = new MockActivityEnvironment();
  let vtiBefore: Map<string, string>;

  const rowsOf = <C extends FileCode>(code: C, date: string) => fileRows(s.dropDir, code, date);
  const bookPositions = async () =>
    sorted(
      (await s.t.db('positions').where('qty', '>', 0)).map(
        (p: { account_id: string; symbol: string; qty: string }) => [number(p.account_id), p.symbol, p.qty],
      ),
    );
  const bookLots = async () =>
    sorted(
      (await s.t.db('tax_lots').where('qty', '>', 0)).map(
        (l: {
          id: string;
          account_id: string;
          symbol: string;
          open_date: string;
          qty: string;
          unit_cost: string;
        }) => [number(l.account_id), l.symbol, l.id, l.open_date, l.qty, l.unit_cost],
      ),
    );
  const bookCash = async () =>
    (await s.t.db('cash_balances').orderBy('account_id')).map((c: { account_id: string; amount: string }) => [
      number(c.account_id),
      c.amount,
    ]);
  const custodianPositions = (date: string) =>
    sorted((rowsOf('EXT871', date) as Ext871Row[]).map((r) => [r.accountNumber, r.symbol, r.tradeQuantity]));
  const custodianLots = (date: string) =>
    sorted(
      (rowsOf('EXT_TAXLOT', date) as ExtTaxlotRow[]).map((l) => [
        l.accountNumber,
        l.symbol,
        l.lotId,
        l.openTradeDate,
        l.quantity,
        l.unitCost,
      ]),
    );
  const custodianCash = (date: string) =>
    (rowsOf('EXT981', date) as Ext981Row[])
      .filter((b) => b.accountNumber.startsWith('3ZO'))
      .map((b) => [b.accountNumber, b.cashTradeBalance]);

  /** Ingests the simulator's morning, syncs and reconciles every account; the accounts held. */
  const morning = async (date: string) => {
    const ingested = (await env.run(acts.ingestMorningFiles, { processDate: date })) as IngestResult;
    assert.deepEqual(ingested.rejected, []);
    const held: string[] = [];
    for (const id of ACCOUNTS) {
      const r = await acts.reconcileAccount({ tradeDate: date, accountId: id });
      if (r.openBreaks > 0 || r.securityHolds.length > 0) held.push(id);
    }
    return held;
  };

  before(async () => {
    s = await startStack({ asOf: P, simClock: () => new Date(`${P}T13:00:00Z`) });
    acts = createActivities(s.deps);
    const db = s.t.db;
    // Only the actions differ: the demo's planted break (1.5 BND more at the custodian in ACC011)
    // and its pending withdrawal are left out.
    await db('sim.positions')
      .where({ account_number: number('ACC011'), symbol: 'BND' })
      .update({ qty: db.raw('qty - 1.5') });
    await db('cash_flows').where({ id: 'CF-ACC008-WD' }).del();
    // VNQ trades in whole shares: ACC004 holds 25 in two lots, ACC007 9 in one, in both records.
    const vnq = [
      { id: 'LOT-ACC004-VNQ-A', account: 'ACC004', open: '2025-02-03', qty: '12.00000', cost: '80.000000' },
      { id: 'LOT-ACC004-VNQ-B', account: 'ACC004', open: '2026-06-01', qty: '13.00000', cost: '95.000000' },
      { id: 'LOT-ACC007-VNQ-A', account: 'ACC007', open: '2025-09-02', qty: '9.00000', cost: '88.000000' },
    ];
    for (const l of vnq) {
      await db('tax_lots').insert({
        id: l.id,
        account_id: l.account,
        symbol: 'VNQ',
        open_date: l.open,
        qty: l.qty,
        unit_cost: l.cost,
        source: 'BUY',
      });
      await db('sim.lots').insert({
        lot_id: l.id,
        account_number: number(l.account),
        symbol: 'VNQ',
        open_date: l.open,
        qty: l.qty,
        unit_cost: l.cost,
      });
    }
    for (const [account, qty] of [
      ['ACC004', '25.00000'],
      ['ACC007', '9.00000'],
    ] as const) {
      await db('positions').insert({ account_id: account, symbol: 'VNQ', qty });
      await db('sim.positions').insert({ account_number: number(account), symbol: 'VNQ', qty });
    }
    vtiBefore = new Map(
      (await db('positions').where({ symbol: 'VTI' })).map((p: { account_id: string; qty: string }) => [
        p.account_id,
        p.qty,
      ]),
    );
    await addCorporateAction(db, {
      processDate: P,
      action: 'SPLIT',
      symbol: 'VTI',
      cusip: '922908769',
      stockFactor: '2',
    });
    await addCorporateAction(db, {
      processDate: P,
      action: 'REVERSE_SPLIT',
      symbol: 'VNQ',
      cusip: '922908553',
      stockFactor: '0.1',
    });
  });

  after(async () => {
    await s?.close();
  });

  it('P: no account is held and no break is open after the sync', async () => {
    assert.deepEqual(await morning(P), []);
    const open = await s.t.db('breaks').whereIn('status', ['OPEN', 'INVESTIGATING']);
    assert.deepEqual(open, []);
  });

  it("P: the book's positions, lots and cash are the custodian's", async () => {
    assert.deepEqual(await bookPositions(), custodianPositions(P));
    assert.deepEqual(await bookLots(), custodianLots(P));
    assert.deepEqual(await bookCash(), custodianCash(P));
  });

  it('P: both applied the actions: VTI doubled, VNQ ÷10 in whole shares, the fractions paid in cash', async () => {
    const db = s.t.db;
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
    const positions = await bookPositions();
    const cash = await bookCash();
    assert.deepEqual(await morning(P1), []);
    assert.deepEqual(await s.t.db('breaks').whereIn('status', ['OPEN', 'INVESTIGATING']), []);
    assert.deepEqual(await bookPositions(), positions);
    assert.deepEqual(await bookCash(), cash);
    assert.deepEqual(custodianPositions(P1), positions);
    assert.deepEqual(await bookLots(), custodianLots(P1));
    assert.deepEqual(custodianCash(P1), cash);
  });
});
