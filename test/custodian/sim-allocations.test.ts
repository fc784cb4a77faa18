/**
 * Allocations at the simulated custodian (src/custodian/sim/allocations.ts): a client account's cash
 * moves by the trade's own amount rounded to the cent (what the book books and what the files undo),
 * concurrent allocations leave the average-price account exactly what it gave, and a refused
 * allocation moves nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SimError } from '../../src/custodian/sim/errors';
import { SimCustodian } from '../../src/custodian/sim/state';
import { dec, sum } from '../../src/domain/money';
import { type TestDb, createTestDb } from '../support/db';

const HOUSE = 'ZOEAVG01';
const T = '2026-11-23';
const CLIENTS = Array.from({ length: 24 }, (_, i) => `5ZO${String(i + 1).padStart(5, '0')}`);

describe('allocations at the simulated custodian', () => {
  let t: TestDb;
  let sim: SimCustodian;
  const cash = async (account: string) =>
    (await t.db('sim.accounts').where({ account_number: account }).first('cash')).cash as string;
  const qty = async (account: string, symbol: string) =>
    ((await t.db('sim.positions').where({ account_number: account, symbol }).first('qty'))?.qty as string) ??
    'none';
  const alloc = (n: number, to: string, side: 'BUY' | 'SELL', quantity: string, price: string) =>
    sim.allocate({
      clientOrderId: `${T}-${to}-L${n}-AL`,
      fromAccountId: HOUSE,
      toAccountId: to,
      identifier: 'VTI',
      toSide: side,
      quantity,
      price,
      tradeDate: T,
    });

  before(async () => {
    t = await createTestDb();
    await t.db('sim.securities').insert({
      symbol: 'VTI',
      cusip: '922908769',
      description: 'VANGUARD TOTAL STOCK MKT, ETF',
      fractionable: true,
    });
    await t
      .db('sim.accounts')
      .insert([
        { account_number: HOUSE, cash: '0.00', average_price_account: true },
        ...CLIENTS.map((account_number) => ({ account_number, cash: '100.01' })),
      ]);
    sim = new SimCustodian(t.db, { seed: 'alloc', partialFillRate: 0, rejectRate: 0 }, () => new Date());
  });

  after(async () => {
    await t?.drop();
  });

  it("moves a client's cash by the trade's amount rounded on its own (a tie rounds to even)", async () => {
    // 1 x 12.345 = 12.345: the trade's amount is 12.34 (half to even); 100.01 - 12.34 = 87.67.
    // Rounding the new balance instead (100.01 - 12.345 = 87.665 -> 87.66) would be a cent off the book.
    await alloc(1, CLIENTS[0]!, 'BUY', '1', '12.345');
    assert.equal(await cash(CLIENTS[0]!), '87.67');
    assert.equal(await cash(HOUSE), '12.34');
    assert.equal(await qty(CLIENTS[0]!, 'VTI'), '1.00000');
    assert.equal(await qty(HOUSE, 'VTI'), '-1.00000');
    const order = await t.db('sim.orders').where({ account_number: CLIENTS[0] }).first();
    assert.equal(order.order_status, 'FILLED');
    assert.equal(order.filled_quantity, '1.00000');
    assert.equal(order.average_price, '12.34'); // an average price above $1: 2 places, half to even
    const execs = await t.db('sim.executions').where({ order_id: order.order_id });
    assert.deepEqual(
      execs.map((e) => [e.quantity, e.price]),
      [['1.00000', '12.345000']],
    );
  });

  it('leaves the average-price account exactly what it gave when allocations run at once', async () => {
    const houseBefore = dec(await cash(HOUSE));
    const qtyBefore = dec(await qty(HOUSE, 'VTI'));
    const lines = CLIENTS.slice(1).map((to, i) => ({ to, quantity: `0.${String(i + 1).padStart(5, '0')}` }));
    await Promise.all(lines.map((l, i) => alloc(100 + i, l.to, 'BUY', l.quantity, '250.125')));
    const given = sum(lines.map((l) => dec(l.quantity)));
    assert.equal(dec(await qty(HOUSE, 'VTI')).toFixed(5), qtyBefore.minus(given).toFixed(5));
    const paid = sum(await Promise.all(lines.map(async (l) => dec('100.01').minus(dec(await cash(l.to))))));
    assert.equal(dec(await cash(HOUSE)).toFixed(2), houseBefore.plus(paid).toFixed(2));
  });

  it('refuses a sell of more than the client holds, and moves nothing', async () => {
    const before = [
      await cash(CLIENTS[2]!),
      await qty(CLIENTS[2]!, 'VTI'),
      await cash(HOUSE),
      await qty(HOUSE, 'VTI'),
    ];
    await assert.rejects(alloc(900, CLIENTS[2]!, 'SELL', '5', '250.00'), (e: unknown) => {
      assert.ok(e instanceof SimError);
      assert.equal(e.code, 'INSUFFICIENT_POSITION');
      return true;
    });
    assert.deepEqual(
      [await cash(CLIENTS[2]!), await qty(CLIENTS[2]!, 'VTI'), await cash(HOUSE), await qty(HOUSE, 'VTI')],
      before,
    );
    assert.equal(
      await t
        .db('sim.orders')
        .where({ client_order_id: `${T}-${CLIENTS[2]}-L900-AL` })
        .first(),
      undefined,
    );
  });

  it('answers the same request again with the allocation booked, and refuses another under its id', async () => {
    const first = await alloc(1, CLIENTS[0]!, 'BUY', '1', '12.345');
    assert.equal(first.duplicate, true);
    assert.equal(await cash(CLIENTS[0]!), '87.67');
    await assert.rejects(alloc(1, CLIENTS[0]!, 'BUY', '2', '12.345'), /already used for another allocation/);
  });

  it('refuses a source that is not an average-price account, and an unknown client', async () => {
    await assert.rejects(
      sim.allocate({
        clientOrderId: 'x-1',
        fromAccountId: CLIENTS[3]!,
        toAccountId: CLIENTS[4]!,
        identifier: 'VTI',
        toSide: 'BUY',
        quantity: '1',
        price: '1',
        tradeDate: T,
      }),
      /is not an average-price account/,
    );
    await assert.rejects(alloc(901, '5ZO99999', 'BUY', '1', '1'), /toAccountId 5ZO99999 does not exist/);
  });
});
