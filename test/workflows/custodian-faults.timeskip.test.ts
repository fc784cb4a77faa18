/**
 * A day through a flaky custodian: 30% of order-API calls fail with 503 and half of the order
 * creations are carried out but their answer is lost. Activities retry; since every order is
 * looked up by its client order id before it is created, no order reaches the custodian twice,
 * and the day completes with every fill matched the next morning.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { etToUtc, nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { dec } from '../../src/domain/money';
import { tradingDayWorkflowId } from '../../src/workflows/ids';
import type { TradingDayResult } from '../../src/workflows/types';
import { type Stack, startStack, workerFor } from '../support/harness';
import { timeSkippingEnv } from '../support/temporal';

const AUTO_ACCOUNTS = ['ACC001', 'ACC003', 'ACC005', 'ACC007'];

describe('a flaky custodian', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let worker: Worker;
  let run: Promise<void>;
  let tradeDate: string;

  before(async () => {
    env = await timeSkippingEnv();
    tradeDate = nextTradingDay(utcToEtDate(new Date(await env.currentTimeMs()).toISOString()));
    stack = await startStack({ asOf: tradeDate, partialFillRate: 0.5 });
    worker = await workerFor(env, stack, 'faults-test');
    run = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await run?.catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  it('sends no order twice, loses no fill, and completes the day', async () => {
    const start = Date.parse(etToUtc(tradeDate, '06:30'));
    const now = await env.currentTimeMs();
    if (start > now) await env.sleep(start - now);
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
