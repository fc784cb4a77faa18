/**
 * The block activities against a real database and the simulator:
 * - buys scaled to the cash an account really has when its sells come in short, and left alone
 *   when the engine's cash buffer covers the shortfall;
 * - buys prepared at the deadline while a sell is still working: funded by cash only, the audit
 *   names the open sell, and a retried call after the sell is allocated scales nothing again;
 * - a block order recorded before a crash is not sent once the window has closed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { lotsToClose } from '../../src/activities/allocation';
import { BUY_SCALE_PRICE_BUFFER } from '../../src/domain/block-pricing';
import { dec, qtyStr } from '../../src/domain/money';
import { type Stack, startStack } from '../support/harness';

const tradeDate = '2026-12-02';

async function proposal(
  stack: Stack,
  account: string,
  legs: { symbol: string; side: 'BUY' | 'SELL'; qty: string; price: string }[],
  date = tradeDate,
): Promise<string> {
  const id = `P${date.replaceAll('-', '')}-${account}`;
  await stack.t.db('proposals').insert({
    id,
    account_id: account,
    trade_date: date,
    status: 'APPROVED',
    model_id: 'M6040',
    model_version: 1,
    reasons: '[]',
    plan: '{}',
    expires_at: `${date}T16:45:00Z`,
  });
  await stack.t.db('proposal_legs').insert(
    legs.map((l, i) => ({
      proposal_id: id,
      leg_no: i + 1,
      symbol: l.symbol,
      side: l.side,
      qty: l.qty,
      est_price: l.price,
      est_notional: dec(l.qty).times(dec(l.price)).toFixed(2),
      reasons: '[]',
    })),
  );
  return id;
}

/** MockActivityEnvironment.run, typed by the activity it runs. */
function run<A, R>(env: MockActivityEnvironment, fn: (a: A) => Promise<R>, a: A): Promise<R> {
  return env.run(fn, a) as Promise<R>;
}

describe('block activities', () => {
  let stack: Stack;
  let act: ReturnType<typeof createActivities>;
  const env = new MockActivityEnvironment();

  before(async () => {
    // Every first order fills partly (40–79%) and stops.
    stack = await startStack({ asOf: tradeDate, partialFillRate: 1 });
    act = createActivities(stack.deps);
  });
  after(async () => stack?.close());

  it('scales buys down to the cash an account has when its sells come in short, and only then', async () => {
    const db = stack.t.db;
    const held = async (acct: string, symbol: string) =>
      (await db('positions').where({ account_id: acct, symbol }).first())?.qty as string;
    // ACC001 sells a lot of VTI to buy BND with the proceeds; ACC003 sells a little VTI and buys
    // BND mostly with cash it already has.
    await db('cash_balances').where({ account_id: 'ACC001' }).update({ amount: '100.00' });
    await db('cash_balances').where({ account_id: 'ACC003' }).update({ amount: '50000.00' });
    const vti1 = dec(await held('ACC001', 'VTI'))
      .div(2)
      .toFixed(5);
    const vti3 = dec(await held('ACC003', 'VTI'))
      .div(10)
      .toFixed(5);
    const px = (await db('prices').where({ symbol: 'VTI' }).orderBy('date', 'desc').first()).close;
    const bndPx = (await db('prices').where({ symbol: 'BND' }).orderBy('date', 'desc').first()).close;
    const proceeds1 = dec(vti1).times(dec(px));
    const bnd1 = proceeds1.div(dec(bndPx)).toDecimalPlaces(5, 1).toFixed(5); // spends all of it
    await proposal(stack, 'ACC001', [
      { symbol: 'VTI', side: 'SELL', qty: vti1, price: px },
      { symbol: 'BND', side: 'BUY', qty: bnd1, price: bndPx },
    ]);
    await proposal(stack, 'ACC003', [
      { symbol: 'VTI', side: 'SELL', qty: vti3, price: px },
      { symbol: 'BND', side: 'BUY', qty: '10.00000', price: bndPx },
    ]);

    const blocks = await run(env, act.buildBlocks, { tradeDate });
    assert.deepEqual(blocks.map((b) => `${b.symbol}/${b.side}/${b.accounts}`).sort(), [
      'BND/BUY/2',
      'VTI/SELL/2',
    ]);
    // The sell block fills partly and stops; cancelled; allocated pro rata.
    const sell = blocks.find((b) => b.side === 'SELL')!;
    const o = await run(env, act.submitBlockOrder, { blockId: sell.blockId, attempt: 1 });
    assert.ok(o && o.status === 'PARTIALLY_FILLED');
    await run(env, act.cancelBlockOrders, { clientOrderIds: [o.clientOrderId], reason: 'test' });
    await run(env, act.pollBlockOrders, { clientOrderIds: [o.clientOrderId] });
    const sold = await run(env, act.allocateBlock, { blockId: sell.blockId });
    assert.ok(dec(sold.filledQty).lt(dec(sell.requestedQty)));

    const buyBlock = blocks.find((b) => b.side === 'BUY')!.blockId;
    await run(env, act.prepareBuyBlocks, { tradeDate });
    const once = await db('allocations').where({ block_id: buyBlock }).orderBy('account_id');
    // A retried call (the activity's answer lost) scales nothing twice.
    await run(env, act.prepareBuyBlocks, { tradeDate });
    const lines = await db('allocations').where({ block_id: buyBlock }).orderBy('account_id');
    assert.deepEqual(
      lines.map((l: { requested_qty: string }) => l.requested_qty),
      once.map((l: { requested_qty: string }) => l.requested_qty),
    );
    const line = (acct: string) => lines.find((l: { account_id: string }) => l.account_id === acct);
    // ACC001: cash 100 + what its sells brought in; its buy is cut to fit, to 5 dp.
    const sold1 = await db('allocations').where({ block_id: sell.blockId, account_id: 'ACC001' }).first();
    // Less the price buffer the scaled buys keep back (fills may come above the last close).
    const budget = dec(sold1.qty)
      .times(dec(sold.avgPrice!))
      .plus('100')
      .times(dec('1').minus(BUY_SCALE_PRICE_BUFFER));
    const scaled = dec(line('ACC001').requested_qty);
    assert.ok(scaled.lt(dec(bnd1)), 'ACC001 buys less than planned');
    assert.ok(scaled.times(dec(bndPx)).lte(budget.plus('0.01')), 'and no more than its cash');
    assert.ok(scaled.times(dec(bndPx)).gt(budget.minus('1')), 'but all of that, within a dollar');
    // ACC003: its cash covers the shortfall: the buy is untouched.
    assert.equal(dec(line('ACC003').requested_qty).toFixed(5), '10.00000');
    const audit = await db('audit_log').where({ action: 'BUY_SCALED_TO_CASH' });
    assert.deepEqual(
      audit.map((a: { entity_id: string }) => a.entity_id),
      [`P${tradeDate.replaceAll('-', '')}-ACC001`],
    );
  });

  it('funds buys prepared while a sell still works with cash only, names the open sell, and prepares once', async () => {
    const db = stack.t.db;
    const day = '2026-12-03';
    const px = async (symbol: string) =>
      (await db('prices').where({ symbol }).orderBy('date', 'desc').first()).close as string;
    const [vtiPx, bndPx] = [await px('VTI'), await px('BND')];
    // ACC005 sells VTI to buy BND with the proceeds and $500 of its own; ACC007 buys BND with its cash.
    await db('cash_balances').where({ account_id: 'ACC005' }).update({ amount: '500.00' });
    await db('cash_balances').where({ account_id: 'ACC007' }).update({ amount: '50000.00' });
    const vti = dec((await db('positions').where({ account_id: 'ACC005', symbol: 'VTI' }).first()).qty)
      .div(2)
      .toFixed(5);
    const bnd = dec(vti).times(dec(vtiPx)).plus(500).div(dec(bndPx)).toDecimalPlaces(5, 1).toFixed(5);
    const pId = await proposal(
      stack,
      'ACC005',
      [
        { symbol: 'VTI', side: 'SELL', qty: vti, price: vtiPx },
        { symbol: 'BND', side: 'BUY', qty: bnd, price: bndPx },
      ],
      day,
    );
    await proposal(stack, 'ACC007', [{ symbol: 'BND', side: 'BUY', qty: '10.00000', price: bndPx }], day);
    const blocks = await run(env, act.buildBlocks, { tradeDate: day });
    const sell = blocks.find((b) => b.side === 'SELL')!;
    const buy = blocks.find((b) => b.side === 'BUY')!;
    // The sell is out and partly filled, still working (a halted security's would not fill at all).
    const o = await run(env, act.submitBlockOrder, { blockId: sell.blockId, attempt: 1 });
    assert.ok(o?.open, 'the sell is still working');

    // The deadline: the buys are prepared with the sell open; its allocation lines are still qty 0.
    const first = await run(env, act.prepareBuyBlocks, { tradeDate: day });
    assert.deepEqual(
      first.map((b) => b.blockId),
      [buy.blockId],
    );
    const line = async (acct: string) =>
      db('allocations').where({ block_id: buy.blockId, account_id: acct }).first();
    const scaled = dec((await line('ACC005')).requested_qty);
    assert.ok(scaled.gt(0), 'ACC005 still buys with its own cash');
    assert.ok(
      scaled.times(dec(bndPx)).lte(dec('500.00')),
      'no more than its $500: the open sell funds nothing',
    );
    assert.ok(scaled.times(dec(bndPx)).gt(dec('500.00').minus(dec(bndPx))), 'but all of it, within a share');
    assert.equal(dec((await line('ACC007')).requested_qty).toFixed(5), '10.00000', 'ACC007 has the cash');
    const [audit, ...more] = await db('audit_log').where({ action: 'BUY_SCALED_TO_CASH', entity_id: pId });
    assert.equal(more.length, 0);
    assert.deepEqual(audit.details.openSells, ['VTI'], 'the audit says which sell had not finished');
    assert.equal(audit.details.now, qtyStr(scaled));
    const prepared = await db('audit_log').where({ action: 'BUYS_PREPARED', entity_id: day });
    assert.equal(prepared.length, 1);
    assert.deepEqual(prepared[0].details.openSells, ['VTI']);
    assert.deepEqual(prepared[0].details.scaledAccounts, ['ACC005']);

    // The sell ends and is allocated; then the call is retried (its first answer lost): same blocks,
    // nothing scaled again, though ACC005 now has its proceeds.
    await run(env, act.cancelBlockOrders, { clientOrderIds: [o!.clientOrderId], reason: 'test' });
    await run(env, act.pollBlockOrders, { clientOrderIds: [o!.clientOrderId] });
    await run(env, act.allocateBlock, { blockId: sell.blockId });
    assert.ok(
      dec((await db('allocations').where({ block_id: sell.blockId, account_id: 'ACC005' }).first()).qty).gt(
        0,
      ),
    );
    const again = await run(env, act.prepareBuyBlocks, { tradeDate: day });
    assert.deepEqual(again, first);
    assert.equal(dec((await line('ACC005')).requested_qty).toFixed(5), scaled.toFixed(5));
    assert.equal((await db('audit_log').where({ action: 'BUYS_PREPARED', entity_id: day })).length, 1);
  });

  it('does not send a block order once the window has closed', async () => {
    const db = stack.t.db;
    await db('blocks').insert({
      id: 'B20261202-SGOV-BUY',
      trade_date: tradeDate,
      symbol: 'SGOV',
      side: 'BUY',
      requested_qty: '3.00000',
      status: 'STATEMENT',
      accounts: 1,
    });
    const closed = new Date(Date.now() - 60_000).toISOString();
    const late = new MockActivityEnvironment({ currentAttemptScheduledTimestampMs: Date.now() });
    const sent = await run(late, act.submitBlockOrder, {
      blockId: 'B20261202-SGOV-BUY',
      attempt: 1,
      notAfter: closed,
    });
    assert.equal(sent, undefined, 'nothing sent after the close');
    assert.equal((await db('sim.orders').where({ client_order_id: 'B20261202-SGOV-BUY-A1' })).length, 0);
    // Recorded before a crash, retried after the close: ended without reaching the custodian.
    await db('block_orders').insert({
      client_order_id: 'B20261202-SGOV-BUY-A2',
      block_id: 'B20261202-SGOV-BUY',
      attempt: 2,
      qty: '3.00000',
      status: 'PENDING_NEW',
    });
    const ended = await run(late, act.submitBlockOrder, {
      blockId: 'B20261202-SGOV-BUY',
      attempt: 2,
      notAfter: closed,
    });
    assert.equal(ended?.status, 'REJECTED');
    assert.equal(ended?.rejectReason, 'WINDOW_CLOSED_NOT_SENT');
    assert.equal((await db('sim.orders').where({ client_order_id: 'B20261202-SGOV-BUY-A2' })).length, 0);
    // Inside the window it goes out.
    const open = new Date(Date.now() + 3_600_000).toISOString();
    await db('block_orders').where({ block_id: 'B20261202-SGOV-BUY' }).del();
    const out = await run(env, act.submitBlockOrder, {
      blockId: 'B20261202-SGOV-BUY',
      attempt: 1,
      notAfter: open,
    });
    assert.ok(out);
    assert.equal((await db('sim.orders').where({ client_order_id: 'B20261202-SGOV-BUY-A1' })).length, 1);
  });
});

describe('lotsToClose', () => {
  const lot = (lotId: string, qty: string) => ({
    lotId,
    qty,
    unitCost: '100.000000',
    openDate: '2025-03-03',
    term: 'LT' as const,
    estGain: '0.00',
  });
  it("cuts the engine's lots, in its order, to the allocated quantity: whole lots, then part of one", () => {
    const lots = [lot('L-B', '10.00000'), lot('L-A', '5.50000'), lot('L-C', '2.00000')];
    assert.deepEqual(
      lotsToClose(lots, dec('12.25')).map((l) => [l.lotId, l.qty]),
      [
        ['L-B', '10.00000'],
        ['L-A', '2.25000'],
      ],
    );
    assert.deepEqual(
      lotsToClose(lots, dec('17.5')).map((l) => l.qty),
      ['10.00000', '5.50000', '2.00000'],
    );
    assert.deepEqual(lotsToClose(lots, dec('0')), []);
  });
});
