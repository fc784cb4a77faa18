/**
 * A day through a flaky custodian: 30% of order and allocation calls fail with 503 and half of
 * the creations (block orders, allocations) are carried out but their answer is lost. Activities
 * retry; every block order is looked up by its client order id before it is created and every
 * allocation is idempotent by its own, so nothing reaches the custodian twice, and the day
 * completes with every fill allocated and matched the next morning.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { dec } from '../../src/domain/money';
import { tradingDayWorkflowId } from '../../src/workflows/ids';
import type { TradingDayResult } from '../../src/workflows/types';
import { type DayFixture, type Stack, skipToEt, timeSkippingDay } from '../support/harness';

const AUTO_ACCOUNTS = ['ACC001', 'ACC003', 'ACC005', 'ACC007'];

describe('a flaky custodian', () => {
  let day: DayFixture;
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let tradeDate: string;

  before(async () => {
    day = await timeSkippingDay('faults-test', { partialFillRate: 0.5 });
    ({ env, stack, tradeDate } = day);
  });
  after(async () => day?.close());

  it('sends no order twice, loses no fill, and completes the day', async () => {
    await skipToEt(env, tradeDate, '06:30');
    stack.sim.setFaults({ errorRate: 0.3, dropResponseRate: 0.5 });

    const result: TradingDayResult = await env.client.workflow.execute('DailyTradingDay', {
      taskQueue: 'faults-test',
      workflowId: tradingDayWorkflowId(tradeDate),
      args: [{ tradeDate, accountIds: AUTO_ACCOUNTS, fillPollSeconds: 300 }],
    });
    assert.deepEqual(result.failedAccounts, []);
    assert.ok(stack.sim.injected.errors > 0, 'errors were injected');
    assert.ok(stack.sim.injected.droppedResponses > 0, 'answers were lost');

    const db = stack.t.db;
    const dupes = await db.raw('SELECT client_order_id FROM sim.orders GROUP BY 1 HAVING count(*) > 1');
    assert.equal(dupes.rows.length, 0, 'no order sent twice');
    // Ours at the custodian: the block orders (average-price account) and each account's
    // allocation, booked as a trade on its account. Unfilled shares are never sent.
    const blockOrders = await db('block_orders');
    const allocated = await db('orders').where({ trade_date: tradeDate }).where('filled_qty', '>', 0);
    const ours = [...blockOrders, ...allocated];
    const theirs = await db('sim.orders');
    assert.ok(blockOrders.length > 0 && allocated.length > 0);
    assert.equal(theirs.length, ours.length, 'every order of ours is exactly one order at the custodian');
    const simAllocs = await db('sim.allocations');
    assert.equal(simAllocs.length, allocated.length, 'every allocation booked exactly once');
    for (const b of await db('blocks').where({ trade_date: tradeDate })) {
      const sum = (await db('allocations').where({ block_id: b.id })).reduce(
        (a: ReturnType<typeof dec>, x: { qty: string }) => a.plus(dec(x.qty)),
        dec('0'),
      );
      assert.equal(sum.toFixed(5), dec(b.filled_qty).toFixed(5), `${b.id}: Σ allocations = filled`);
    }
    for (const o of ours) {
      const t = theirs.find((x: { client_order_id: string }) => x.client_order_id === o.client_order_id);
      assert.ok(t, `${o.client_order_id} at the custodian`);
      assert.equal(
        dec(o.filled_qty).toFixed(5),
        dec(t.filled_quantity).toFixed(5),
        `${o.client_order_id} fill recorded`,
      );
    }
    assert.equal(result.confirms.matched + result.confirms.matchedWithinTolerance, allocated.length);
    assert.equal(
      result.confirms.unmatchedOurs + result.confirms.unmatchedTheirs + result.confirms.mismatched,
      0,
    );
  });
});
