/**
 * A day through a flaky custodian: 30% of order-API calls fail with 503 and half of the order
 * creations are carried out but their answer is lost. Activities retry; since every order is
 * looked up by its client order id before it is created, no order reaches the custodian twice,
 * and the day completes with every fill matched the next morning.
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
    const ours = await db('orders').where({ trade_date: tradeDate });
    const theirs = await db('sim.orders');
    assert.ok(ours.length > 0);
    assert.equal(theirs.length, ours.length, 'every order of ours is exactly one order at the custodian');
    for (const o of ours) {
      const t = theirs.find((x: { client_order_id: string }) => x.client_order_id === o.client_order_id);
      assert.ok(t, `${o.client_order_id} at the custodian`);
      assert.equal(
        dec(o.filled_qty).toFixed(5),
        dec(t.filled_quantity).toFixed(5),
        `${o.client_order_id} fill recorded`,
      );
    }
    const filled = ours.filter((o: { filled_qty: string }) => dec(o.filled_qty).gt(0)).length;
    assert.equal(result.confirms.matched + result.confirms.matchedWithinTolerance, filled);
    assert.equal(
      result.confirms.unmatchedOurs + result.confirms.unmatchedTheirs + result.confirms.mismatched,
      0,
    );
  });
});
