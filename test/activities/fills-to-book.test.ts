/**
 * One account's fills applied to the book at once (src/activities/fills-to-book.ts): positions,
 * cash (each trade's amount rounded to the cent on its own), lots opened by buys, lots relieved by
 * sells (the engine's instructions first, then oldest first, a lot opened by an earlier buy of the
 * same call included) with each closed part's gain; a fill that would make the account short is
 * refused and nothing is written.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { type Fill, applyFills } from '../../src/activities/fills-to-book';
import { seedDemoData } from '../../src/demo/seed';
import { dec } from '../../src/domain/money';
import { type TestDb, createTestDb } from '../support/db';

const D = '2026-12-01';

describe('applyFills', () => {
  let t: TestDb;
  let account: string;
  let symbol: string;

  before(async () => {
    t = await createTestDb();
    await seedDemoData(t.db, { asOf: D });
    account = (await t.db('accounts').where({ status: 'ACTIVE' }).orderBy('id').first('id')).id;
    symbol = (await t.db('securities').orderBy('symbol').first('symbol')).symbol;
  });
  after(async () => {
    await t?.drop();
  });
  beforeEach(async () => {
    await t.db('realized_lots').where({ account_id: account }).delete();
    await t.db('tax_lots').where({ account_id: account, symbol }).delete();
    await t.db('positions').where({ account_id: account, symbol }).delete();
    await t.db('positions').insert({ account_id: account, symbol, qty: '30' });
    await t.db('tax_lots').insert(
      [
        ['L1', '2024-01-02', '100'],
        ['L2', '2025-03-03', '200'],
        ['L3', '2026-06-01', '300'],
      ].map(([id, open_date, unit_cost]) => ({
        id,
        account_id: account,
        symbol,
        open_date,
        qty: '10',
        unit_cost,
        source: 'SEED',
      })),
    );
    await t.db('cash_balances').where({ account_id: account }).update({ amount: '1000.00' });
  });

  const fill = (
    clientOrderId: string,
    side: 'BUY' | 'SELL',
    qty: string,
    price: string,
    lots: string[] = [],
  ) =>
    ({
      symbol,
      side,
      qty: dec(qty),
      price: dec(price),
      clientOrderId,
      lotInstructions: lots.map((lotId) => ({ lotId })),
    }) as Fill;
  const book = (fills: Fill[]) =>
    t.db.transaction((trx: Knex.Transaction) => applyFills(trx, account, D, fills));
  const state = async () => ({
    position: (await t.db('positions').where({ account_id: account, symbol }).first('qty')).qty,
    cash: (await t.db('cash_balances').where({ account_id: account }).first('amount')).amount,
    lots: (
      await t
        .db('tax_lots')
        .where({ account_id: account, symbol })
        .orderBy('id')
        .select('id', 'qty', 'unit_cost')
    ).map((l) => [l.id, l.qty, l.unit_cost]),
    realized: (
      await t
        .db('realized_lots')
        .where({ account_id: account })
        .orderBy([{ column: 'source_ref' }, { column: 'lot_id' }])
        .select('source_ref', 'lot_id', 'qty', 'cost', 'proceeds', 'gain', 'term')
    ).map((r) => [r.source_ref, r.lot_id, r.qty, r.cost, r.proceeds, r.gain, r.term]),
  });

  it('applies sells and buys in order: instructed lots first, then oldest first; each amount to the cent', async () => {
    await book([
      fill('S1', 'SELL', '15', '250.005', ['L3']),
      fill('B1', 'BUY', '4', '12.345'),
      fill('S2', 'SELL', '6', '250.005'),
    ]);
    const s = await state();
    assert.equal(s.position, '13.00000');
    // 1000 + 3750.08 (3750.075, half to even) - 49.38 + 1500.03
    assert.equal(s.cash, '6200.73');
    assert.deepEqual(s.lots, [
      ['L-B1', '4.00000', '12.345000'],
      ['L1', '0.00000', '100.000000'],
      ['L2', '9.00000', '200.000000'],
      ['L3', '0.00000', '300.000000'],
    ]);
    assert.deepEqual(s.realized, [
      ['S1', 'L1', '5.00000', '500.00', '1250.02', '750.02', 'LT'],
      ['S1', 'L3', '10.00000', '3000.00', '2500.05', '-499.95', 'ST'],
      ['S2', 'L1', '5.00000', '500.00', '1250.02', '750.02', 'LT'],
      ['S2', 'L2', '1.00000', '200.00', '250.00', '50.00', 'LT'],
    ]);
  });

  it('relieves a lot a buy of the same call opened, once the older ones are gone', async () => {
    await book([fill('B2', 'BUY', '4', '50'), fill('S3', 'SELL', '34', '60')]);
    const s = await state();
    assert.equal(s.position, '0.00000');
    assert.equal(s.cash, (1000 - 200 + 2040).toFixed(2));
    assert.deepEqual(
      s.lots.map(([id, qty]) => [id, qty]),
      [
        ['L-B2', '0.00000'],
        ['L1', '0.00000'],
        ['L2', '0.00000'],
        ['L3', '0.00000'],
      ],
    );
    assert.deepEqual(
      s.realized.map(([ref, lot, qty]) => [ref, lot, qty]),
      [
        ['S3', 'L-B2', '4.00000'],
        ['S3', 'L1', '10.00000'],
        ['S3', 'L2', '10.00000'],
        ['S3', 'L3', '10.00000'],
      ],
    );
  });

  it('refuses a fill that would make the account short, and writes nothing of the others', async () => {
    const before = await state();
    await assert.rejects(
      book([fill('B3', 'BUY', '1', '10'), fill('S4', 'SELL', '32', '10')]),
      /would make .* short/,
    );
    assert.deepEqual(await state(), before);
  });
});
