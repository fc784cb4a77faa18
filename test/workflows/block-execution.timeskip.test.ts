/**
 * Block execution through the window on the time-skipping server, against the simulator:
 * - a LULD halt on one symbol that lasts past the window's end: its block stays open, is
 *   cancelled at the close and nothing is allocated; its accounts' legs are carried, flagged;
 * - a non-retryable reject (the custodian will not trade a security today): no second order;
 * - the cancel race: every partly filled block order fills before its cancel lands
 *   (TOO_LATE_TO_CANCEL), so no residual order is sent and the block is allocated in full;
 * - the custodian down for a while at the window: activities retry, no order twice;
 * - gradual fills (a block still filling is not cancelled), and sells that close the engine's lots
 *   at the custodian too (tomorrow's lot file equals the book);
 * - an overfill: a break, the excess never allocated.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { lotsAsOf } from '../../src/custodian/sim/sod';
import { nextTradingDay } from '../../src/domain/calendar';
import { dec } from '../../src/domain/money';
import {
  accountBatchWorkflowId,
  accountDayWorkflowId,
  blockOrderWorkflowId,
  tradingDayWorkflowId,
} from '../../src/workflows/ids';
import type { TradingDayResult } from '../../src/workflows/types';
import { approvedLegs, resultOrDiagnose as diagnosed } from '../support/block-day';
import { type DayFixture, type Stack, skipToEt, timeSkippingDay } from '../support/harness';
import { recordHistories } from '../support/histories';

const AUTO_ACCOUNTS = ['ACC001', 'ACC003', 'ACC005', 'ACC007'];

type D = ReturnType<typeof dec>;
const total = (rows: { qty: string }[]): D => rows.reduce((a: D, r) => a.plus(dec(r.qty)), dec('0'));

/** The day's result, or after 150 s an error listing what is still running (the auto accounts'). */
function resultOrDiagnose(
  env: TestWorkflowEnvironment,
  stack: Stack,
  tradeDate: string,
  result: Promise<TradingDayResult>,
): Promise<TradingDayResult> {
  return diagnosed(env, stack, tradeDate, result, { accounts: AUTO_ACCOUNTS });
}

/** Runs the day for the auto accounts from 06:30 (fills polled every 5 minutes) and returns its result. */
async function runAutoDay(f: DayFixture, taskQueue: string): Promise<TradingDayResult> {
  await skipToEt(f.env, f.tradeDate, '06:30');
  return resultOrDiagnose(
    f.env,
    f.stack,
    f.tradeDate,
    f.env.client.workflow.execute('DailyTradingDay', {
      taskQueue,
      workflowId: tradingDayWorkflowId(f.tradeDate),
      args: [{ tradeDate: f.tradeDate, accountIds: AUTO_ACCOUNTS, fillPollSeconds: 300 }],
    }),
  );
}

describe('block execution: halt, non-retryable reject, cancel race', () => {
  let day: DayFixture;
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let tradeDate: string;

  before(async () => {
    day = await timeSkippingDay('blocks-test', { partialFillRate: 1, cancelRaceRate: 1 });
    ({ env, stack, tradeDate } = day);
  });
  after(async () => day?.close());

  it('carries a halted block, does not retry a non-retryable reject, and loses no cancel race', async () => {
    await skipToEt(env, tradeDate, '06:30');
    const handle = await env.client.workflow.start('DailyTradingDay', {
      taskQueue: 'blocks-test',
      workflowId: tradingDayWorkflowId(tradeDate),
      args: [{ tradeDate, accountIds: AUTO_ACCOUNTS, fillPollSeconds: 300 }],
    });
    // The time-skipping server does not move while nothing awaits a result: set the market up.
    const legs = await approvedLegs(stack, tradeDate, 3);
    const symbols = [...new Set(legs.map((l: { symbol: string }) => l.symbol))].sort();
    assert.ok(symbols.length >= 3, `legs in at least 3 symbols: ${symbols.join(', ')}`);
    const halted = symbols[0]!;
    const unknown = symbols[1]!;
    await stack.sim.sim.setHalt({ symbol: halted, reason: 'LULD' });
    await stack.t.db('sim.securities').where({ symbol: unknown }).update({ tradeable: false });

    const result = await resultOrDiagnose(env, stack, tradeDate, handle.result());
    assert.equal(result.status, 'COMPLETED');
    assert.deepEqual(result.failedAccounts, []);
    assert.ok(result.blocks, 'the day reports its blocks');
    assert.deepEqual(result.blocks.failed, []);

    const db = stack.t.db;
    const blocks = await db('blocks').where({ trade_date: tradeDate });
    for (const b of blocks) {
      const orders = await db('block_orders').where({ block_id: b.id }).orderBy('attempt');
      const allocs = await db('allocations').where({ block_id: b.id });
      assert.equal(b.status, 'ALLOCATED', b.id);
      assert.equal(total(allocs).toFixed(5), dec(b.filled_qty).toFixed(5), `${b.id}: Σ allocations = filled`);
      for (const a of allocs)
        assert.ok(dec(a.qty).lte(dec(a.requested_qty)), `${b.id}: allocated ≤ requested`);
      if (b.symbol === halted) {
        // Held through the window, cancelled at the close, nothing filled or allocated; flagged.
        assert.equal(orders.length, 1, `${b.id}: one order, never retried`);
        assert.equal(orders[0].status, 'CANCELED');
        assert.equal(dec(orders[0].filled_qty).toFixed(5), '0.00000');
        assert.ok(allocs.every((a: { status: string }) => a.status === 'UNFILLED'));
        assert.match(b.note ?? '', /carried to the next day/);
      } else if (b.symbol === unknown) {
        assert.equal(orders.length, 1, `${b.id}: a non-retryable reject is not re-sent`);
        assert.equal(orders[0].status, 'REJECTED');
        assert.equal(orders[0].reject_reason, 'SYMBOL_NOT_TRADEABLE');
      } else {
        // Partly filled at first; the cancel lost the race to the rest of the fill.
        assert.equal(orders.length, 1, `${b.id}: no residual order after a lost cancel race`);
        assert.equal(orders[0].status, 'FILLED');
        assert.equal(dec(b.filled_qty).toFixed(5), dec(b.requested_qty).toFixed(5));
        const execs = await db('block_executions').where({ client_order_id: orders[0].client_order_id });
        assert.equal(execs.length, 2, `${b.id}: the partial fill and the fill that beat the cancel`);
      }
    }
    assert.ok(blocks.some((b: { symbol: string }) => b.symbol === halted));
    assert.ok(blocks.some((b: { symbol: string }) => b.symbol === unknown));
    // The accounts' legs in the halted symbol: not filled, flagged as carried.
    const carried = await db('orders').where({ trade_date: tradeDate, symbol: halted });
    assert.ok(carried.length > 0);
    for (const o of carried) {
      assert.equal(o.status, 'CANCELED');
      assert.equal(o.reject_reason, 'BLOCK_NOT_FILLED');
    }
    assert.ok(result.blocks.carried >= carried.length);
    const dupes = await db.raw('SELECT client_order_id FROM sim.orders GROUP BY 1 HAVING count(*) > 1');
    assert.equal(dupes.rows.length, 0);
    const race = blocks.find((b: { symbol: string }) => b.symbol !== halted && b.symbol !== unknown)!;
    const haltedBlock = blocks.find((b: { symbol: string }) => b.symbol === halted)!;
    await recordHistories(env.client, {
      'BlockOrder-halted-carried': blockOrderWorkflowId(tradeDate, haltedBlock.symbol, haltedBlock.side),
      'BlockOrder-cancel-race': blockOrderWorkflowId(tradeDate, race.symbol, race.side),
    });
  });
});

describe('the custodian down at the window', () => {
  let day: DayFixture;
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let tradeDate: string;

  before(async () => {
    day = await timeSkippingDay('down-test', { partialFillRate: 0.5 });
    ({ env, stack, tradeDate } = day);
  });
  after(async () => day?.close());

  it('retries through an outage, sends nothing twice and completes the day', async () => {
    await skipToEt(env, tradeDate, '06:30');
    const handle = await env.client.workflow.start('DailyTradingDay', {
      taskQueue: 'down-test',
      workflowId: tradingDayWorkflowId(tradeDate),
      args: [{ tradeDate, accountIds: AUTO_ACCOUNTS, fillPollSeconds: 300 }],
    });
    await approvedLegs(stack, tradeDate, 3);
    // The custodian goes down at the window: the next 40 order and allocation calls all fail
    // (each activity retries with back-off, minutes of the day's time); and half of the
    // creations after it are carried out but their answer is lost.
    stack.sim.setFaults({ downForCalls: 40, dropResponseRate: 0.5 });
    const result = handle.result() as Promise<TradingDayResult>;
    const r = await resultOrDiagnose(env, stack, tradeDate, result);
    assert.equal(r.status, 'COMPLETED');
    assert.deepEqual(r.failedAccounts, []);
    assert.equal(stack.sim.injected.errors, 40, 'the whole outage was felt');
    assert.ok(stack.sim.injected.droppedResponses > 0, 'answers were lost');

    const db = stack.t.db;
    const dupes = await db.raw('SELECT client_order_id FROM sim.orders GROUP BY 1 HAVING count(*) > 1');
    assert.equal(dupes.rows.length, 0, 'no order twice at the custodian');
    const blockOrders = await db('block_orders');
    assert.ok(blockOrders.length > 0);
    assert.ok(
      blockOrders.every(
        (o: { reject_reason: string | null }) => o.reject_reason !== 'WINDOW_CLOSED_NOT_SENT',
      ),
      'the outage ended inside the window: every block order went out',
    );
    const theirBlocks = await db('sim.orders').where({ account_number: 'ZOEAVG01' });
    assert.equal(theirBlocks.length, blockOrders.length, 'each block order exactly once at the custodian');
    const allocated = await db('orders').where({ trade_date: tradeDate }).where('filled_qty', '>', 0);
    assert.ok(allocated.length > 0);
    assert.equal((await db('sim.allocations')).length, allocated.length, 'each allocation booked once');
    for (const b of await db('blocks').where({ trade_date: tradeDate })) {
      const allocs = await db('allocations').where({ block_id: b.id });
      assert.equal(total(allocs).toFixed(5), dec(b.filled_qty).toFixed(5));
    }
    assert.equal(r.confirms.unmatchedOurs + r.confirms.unmatchedTheirs + r.confirms.mismatched, 0);
  });
});

describe('a day through the official Ascend SDK', () => {
  let day: DayFixture;
  let stack: Stack;
  let tradeDate: string;

  before(async () => {
    // The simulator serves only its authenticated Ascend routes: every call must come through the SDK.
    day = await timeSkippingDay('sdk-test', { partialFillRate: 0.5, client: 'ascend' });
    ({ stack, tradeDate } = day);
  });
  after(async () => day?.close());

  it('orders, cancels, retries and allocates through the SDK, and the confirms match', async () => {
    // Half of the creations (block orders, allocations) are carried out but their answer is lost:
    // the SDK client finds the order, and takes Apex's ALREADY_EXISTS for a booked allocation.
    stack.sim.setFaults({ dropResponseRate: 0.5 });
    const r = await runAutoDay(day, 'sdk-test');
    assert.equal(r.status, 'COMPLETED');
    assert.deepEqual(r.failedAccounts, []);
    const db = stack.t.db;
    const blockOrders = await db('block_orders');
    assert.ok(
      blockOrders.some((o: { attempt: number }) => o.attempt === 2),
      'a residual re-sent after a cancel',
    );
    const theirs = await db('sim.orders').where({ account_number: 'ZOEAVG01' });
    assert.equal(theirs.length, blockOrders.length, 'each block order once at the custodian');
    const allocated = await db('orders').where({ trade_date: tradeDate }).where('filled_qty', '>', 0);
    assert.ok(
      allocated.length > 0,
      JSON.stringify(await db('audit_log').where({ action: 'ALLOCATION_REFUSED' }).first()),
    );
    assert.equal((await db('sim.allocations')).length, allocated.length, 'each allocation booked once');
    for (const b of await db('blocks').where({ trade_date: tradeDate })) {
      assert.equal(b.status, 'ALLOCATED');
      const allocs = await db('allocations').where({ block_id: b.id });
      assert.equal(total(allocs).toFixed(5), dec(b.filled_qty).toFixed(5));
    }
    assert.equal(r.confirms.matched + r.confirms.matchedWithinTolerance, allocated.length);
    assert.equal(r.confirms.unmatchedOurs + r.confirms.unmatchedTheirs + r.confirms.mismatched, 0);
  });
});

describe('a transient reject', () => {
  let day: DayFixture;
  let stack: Stack;
  let tradeDate: string;

  before(async () => {
    // Every first order is rejected SYSTEM_ERROR (transient); re-sent orders fill.
    day = await timeSkippingDay('reject-test', { rejectRate: 1 });
    ({ stack, tradeDate } = day);
  });
  after(async () => day?.close());

  it('re-sends a block rejected for a transient reason once, and it fills', async () => {
    const r = await runAutoDay(day, 'reject-test');
    assert.equal(r.status, 'COMPLETED');
    const db = stack.t.db;
    const blocks = await db('blocks').where({ trade_date: tradeDate });
    assert.ok(blocks.length > 0);
    for (const b of blocks) {
      const orders = await db('block_orders').where({ block_id: b.id }).orderBy('attempt');
      assert.equal(orders.length, 2, `${b.id}: the rejected order and its re-send`);
      assert.equal(orders[0].status, 'REJECTED');
      assert.equal(orders[0].reject_reason, 'SYSTEM_ERROR');
      assert.equal(orders[1].status, 'FILLED');
      assert.equal(dec(b.filled_qty).toFixed(5), dec(b.requested_qty).toFixed(5), `${b.id} filled in full`);
    }
    assert.equal(r.blocks?.carried, 0);
  });
});

/** Σ qty per (account number, symbol, open date, unit cost) of open lots: the custodian's and the book's. */
async function lotBooks(stack: Stack, processDate: string) {
  const db = stack.t.db;
  const key = (acct: string, symbol: string, open: string, cost: string) =>
    `${acct}|${symbol}|${open}|${dec(cost).toFixed(6)}`;
  const add = (m: Map<string, string>, k: string, q: string) =>
    m.set(
      k,
      dec(m.get(k) ?? '0')
        .plus(dec(q))
        .toFixed(5),
    );
  const theirs = new Map<string, string>();
  for (const l of await lotsAsOf(db, processDate))
    add(theirs, key(l.accountNumber, l.symbol, l.openTradeDate, l.unitCost.toFixed(6)), l.qty.toFixed(5));
  const ours = new Map<string, string>();
  const rows = await db('tax_lots as t')
    .join('accounts as a', 'a.id', 't.account_id')
    .where('t.qty', '>', 0)
    .select('a.custodian_account_number', 't.symbol', 't.open_date', 't.unit_cost', 't.qty');
  for (const r of rows) add(ours, key(r.custodian_account_number, r.symbol, r.open_date, r.unit_cost), r.qty);
  const sorted = (m: Map<string, string>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return { theirs: sorted(theirs), ours: sorted(ours) };
}

describe('gradual fills, and the lots a sell closes', () => {
  let day: DayFixture;
  let stack: Stack;
  let tradeDate: string;

  before(async () => {
    // Every first order fills in 4 slices, one per read.
    day = await timeSkippingDay('gradual-test', { gradualFillRate: 1, gradualSlices: 4 });
    ({ stack, tradeDate } = day);
  });
  after(async () => day?.close());

  it('follows a block that fills over several polls without cancelling it', async () => {
    const r = await runAutoDay(day, 'gradual-test');
    assert.equal(r.status, 'COMPLETED');
    assert.deepEqual(r.failedAccounts, []);
    const db = stack.t.db;
    const blocks = await db('blocks').where({ trade_date: tradeDate });
    assert.ok(blocks.length > 0);
    let multiSlice = 0;
    for (const b of blocks) {
      const orders = await db('block_orders').where({ block_id: b.id });
      // Still filling is not stalled: no cancel, no residual order.
      assert.equal(orders.length, 1, `${b.id}: one order, never cancelled for a residual`);
      assert.equal(orders[0].status, 'FILLED', b.id);
      assert.equal(dec(b.filled_qty).toFixed(5), dec(b.requested_qty).toFixed(5), `${b.id} filled in full`);
      const sim = await db('sim.orders').where({ client_order_id: orders[0].client_order_id }).first();
      assert.equal(sim.planned_outcome, 'GRADUAL');
      const execs = await db('block_executions').where({ client_order_id: orders[0].client_order_id });
      if (execs.length >= 3) multiSlice++;
      const allocs = await db('allocations').where({ block_id: b.id });
      assert.equal(total(allocs).toFixed(5), dec(b.filled_qty).toFixed(5), `${b.id}: Σ allocations = filled`);
    }
    assert.ok(multiSlice > 0, 'some blocks filled in three or more executions');
    assert.equal(r.blocks?.carried, 0);
    assert.equal(r.confirms.unmatchedOurs + r.confirms.unmatchedTheirs + r.confirms.mismatched, 0);
  });

  it("has the custodian close the lots the engine chose, so tomorrow's lot file is the book's", async () => {
    const db = stack.t.db;
    const sells = await db('sim.orders').where({ planned_outcome: 'ALLOCATION', side: 'SELL' });
    assert.ok(sells.length > 0, 'the day sold something');
    assert.ok(
      sells.every((s: { lot_matching: unknown[] | null }) => (s.lot_matching?.length ?? 0) > 0),
      'every sell allocation named its lots',
    );
    const { theirs, ours } = await lotBooks(stack, nextTradingDay(tradeDate));
    assert.ok(ours.length > 0);
    assert.deepEqual(theirs, ours);
  });
});

describe('an overfill', () => {
  let day: DayFixture;
  let stack: Stack;
  let tradeDate: string;

  before(async () => {
    // Every first order fills in full and then once more (1% of it): a custodian error.
    day = await timeSkippingDay('overfill-test', { overfillRate: 1 });
    ({ stack, tradeDate } = day);
  });
  after(async () => day?.close());

  it('is a break for ops: the excess is recorded, never allocated, and the day completes', async () => {
    const r = await runAutoDay(day, 'overfill-test');
    assert.equal(r.status, 'COMPLETED');
    assert.deepEqual(r.failedAccounts, []);
    assert.deepEqual(r.blocks?.failed, []);
    const db = stack.t.db;
    const blocks = await db('blocks').where({ trade_date: tradeDate });
    assert.ok(blocks.length > 0);
    for (const b of blocks) {
      const [o, ...more] = await db('block_orders').where({ block_id: b.id });
      assert.equal(more.length, 0, b.id);
      const execs = await db('block_executions').where({ client_order_id: o.client_order_id });
      const reported = total(execs);
      assert.ok(reported.gt(dec(o.qty)), `${b.id}: the custodian filled more than ordered`);
      // Every execution is kept; the order counts as filled at what was ordered.
      assert.equal(dec(o.filled_qty).toFixed(5), dec(o.qty).toFixed(5));
      const brk = await db('breaks').where({ type: 'EXECUTION', key: o.client_order_id });
      assert.equal(brk.length, 1, `${b.id}: one break, however often the order was polled`);
      assert.equal(brk[0].category, 'TRADE');
      assert.equal(brk[0].status, 'OPEN');
      assert.equal(brk[0].account_id, 'ZOEAVG01');
      assert.equal(dec(brk[0].diff).toFixed(5), reported.minus(dec(o.qty)).toFixed(5));
      assert.ok(dec(brk[0].materiality_usd).gt(0));
      const allocs = await db('allocations').where({ block_id: b.id });
      assert.equal(total(allocs).toFixed(5), dec(b.filled_qty).toFixed(5), `${b.id}: Σ allocations = filled`);
      assert.equal(
        dec(b.filled_qty).toFixed(5),
        dec(o.qty).toFixed(5),
        `${b.id}: the excess is not allocated`,
      );
      for (const a of allocs) assert.ok(dec(a.qty).lte(dec(a.requested_qty)));
      // The excess stays in the average-price account at the custodian.
      const pos = await db('sim.positions').where({ account_number: 'ZOEAVG01', symbol: b.symbol }).first();
      assert.equal(
        dec(pos?.qty ?? '0')
          .abs()
          .toFixed(5),
        reported.minus(dec(o.qty)).toFixed(5),
        b.id,
      );
    }
    const audits = await db('audit_log').where({ action: 'OVERFILL_BREAK' });
    assert.equal(audits.length, blocks.length);
    assert.equal(r.confirms.unmatchedOurs + r.confirms.unmatchedTheirs + r.confirms.mismatched, 0);
  });
});

describe('next-morning confirms: a mismatch and an unknown custodian trade', () => {
  let day: DayFixture;
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let tradeDate: string;

  before(async () => {
    day = await timeSkippingDay('confirms-test');
    ({ env, stack, tradeDate } = day);
  });
  after(async () => day?.close());

  it('ends the accounts concerned in ConfirmBreak with each difference recorded, the others Confirmed', async () => {
    await skipToEt(env, tradeDate, '06:30');
    const handle = await env.client.workflow.start('DailyTradingDay', {
      taskQueue: 'confirms-test',
      workflowId: tradingDayWorkflowId(tradeDate),
      args: [{ tradeDate, accountIds: AUTO_ACCOUNTS, fillPollSeconds: 300 }],
    });
    // Past the window: wait (in real time; the server's clock stands still meanwhile) until every
    // block is allocated and every allocation booked, then change the custodian's side.
    await skipToEt(env, tradeDate, '15:00');
    const db = stack.t.db;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const blocks = await db('blocks').where({ trade_date: tradeDate });
      const unbooked = await db('orders').where({ trade_date: tradeDate, booked: false });
      if (
        blocks.length > 0 &&
        blocks.every((b: { status: string }) => b.status === 'ALLOCATED') &&
        !unbooked.length
      )
        break;
      if (Date.now() > deadline) throw new Error('blocks not allocated and booked within 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    const filled = await db('orders as o')
      .join('accounts as a', 'a.id', 'o.account_id')
      .where({ 'o.trade_date': tradeDate })
      .where('o.filled_qty', '>', 0)
      .orderBy('o.client_order_id')
      .select('o.client_order_id', 'o.account_id', 'o.symbol', 'a.custodian_account_number');
    const accounts = [...new Set(filled.map((o: { account_id: string }) => o.account_id))];
    assert.ok(accounts.length >= 2, `fills in at least two accounts: ${accounts.join(', ')}`);
    // 1. The custodian booked one allocation 10 cents off our average price (tolerance ±$0.005).
    const bent = filled[0]!;
    const simOrder = await db('sim.orders').where({ client_order_id: bent.client_order_id }).first();
    await db('sim.executions')
      .where({ order_id: simOrder.order_id })
      .update({ price: db.raw('price + 0.10') });
    await db('sim.orders')
      .where({ order_id: simOrder.order_id })
      .update({ average_price: db.raw('(average_price::numeric + 0.10)::text') });
    // 2. A trade we never sent, in another account.
    const other = filled.find((o: { account_id: string }) => o.account_id !== bent.account_id)!;
    const unknown = await stack.sim.sim.createOrder(other.custodian_account_number, {
      clientOrderId: 'NOT-OURS-1',
      identifier: other.symbol,
      side: 'BUY',
      quantity: '1',
      orderDate: tradeDate,
    });
    assert.equal(unknown.orderStatus, 'FILLED');

    const r = await resultOrDiagnose(env, stack, tradeDate, handle.result());
    assert.equal(r.status, 'COMPLETED');
    assert.ok(r.confirms.mismatched >= 1, JSON.stringify(r.confirms));
    assert.ok(r.confirms.unmatchedTheirs >= 1, JSON.stringify(r.confirms));
    const rows = await db('confirm_matches').where({ trade_date: tradeDate });
    const mismatch = rows.find(
      (m: { result: string; client_order_id: string }) =>
        m.result === 'MISMATCHED' && m.client_order_id === bent.client_order_id,
    );
    assert.ok(mismatch, 'the bent allocation is MISMATCHED');
    assert.ok(
      (mismatch.diffs as string[]).some((d) => d.startsWith('price')),
      `the difference is the price: ${JSON.stringify(mismatch.diffs)}`,
    );
    const theirs = rows.find(
      (m: { result: string; account_id: string; custodian_order_id: string }) =>
        m.result === 'UNMATCHED_THEIRS' && m.account_id === other.account_id,
    );
    assert.ok(theirs, 'the unknown trade is UNMATCHED_THEIRS in its account');
    assert.equal(theirs.custodian_order_id, unknown.orderId);
    // Each account's day ended Approved; its batch booked the fills, matched the confirms and
    // names the accounts with a break (stage ConfirmBreak on the batch).
    const broken = [bent.account_id, other.account_id];
    for (const a of accounts) {
      const s = await env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, a)).query('status');
      assert.equal((s as { stage: string }).stage, 'Approved', a);
    }
    assert.equal(r.byStage.ConfirmBreak, new Set(broken).size, JSON.stringify(r.byStage));
    assert.equal(r.byStage.Confirmed, accounts.length - new Set(broken).size);
    const memo =
      (await env.client.workflow.getHandle(accountBatchWorkflowId(tradeDate, 0)).describe()).memo ?? {};
    assert.equal(memo.stage, 'ConfirmBreak');
    assert.deepEqual([...(memo.confirmBreaks as string[])].sort(), [...new Set(broken)].sort());
  });
});
