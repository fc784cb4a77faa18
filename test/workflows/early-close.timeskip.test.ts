/**
 * An early-close day (13:00 ET): the window shortens to 11:30–12:45 ET and the cut-off to 11:15,
 * and the orders go out inside that window (the simulator stamps executions with the clock).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { EARLY_CLOSES, dayClock, etToUtc, utcToEtDate } from '../../src/domain/calendar';
import { tradingDayWorkflowId } from '../../src/workflows/ids';
import type { TradingDayResult } from '../../src/workflows/types';
import { type Stack, startStack, workerFor } from '../support/harness';
import { timeSkippingEnv } from '../support/temporal';

describe('an early-close day', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let worker: Worker;
  let run: Promise<void>;
  let tradeDate: string;

  before(async () => {
    env = await timeSkippingEnv();
    const today = utcToEtDate(new Date(await env.currentTimeMs()).toISOString());
    const next = Object.keys(EARLY_CLOSES)
      .sort()
      .find((d) => d > today);
    assert.ok(next, 'an early close ahead in the calendar');
    tradeDate = next;
    // The simulator stamps executions with the test server's (skipped) clock.
    stack = await startStack({ asOf: tradeDate, simClock: () => new Date(lastServerTime) });
    worker = await workerFor(env, stack, 'early-close');
    run = worker.run();
  });
  let lastServerTime = Date.now();
  after(async () => {
    worker?.shutdown();
    await run?.catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  it('trades between 11:30 and 12:45 ET', async () => {
    const clock = dayClock(tradeDate);
    assert.equal(clock.windowOpen, etToUtc(tradeDate, '11:30'));
    assert.equal(clock.windowClose, etToUtc(tradeDate, '12:45'));
    assert.equal(clock.approvalCutoff, etToUtc(tradeDate, '11:15'));
    const start = Date.parse(etToUtc(tradeDate, '06:30'));
    const now = await env.currentTimeMs();
    if (start > now) await env.sleep(start - now);
    const ticker = setInterval(async () => {
      lastServerTime = await env.currentTimeMs().catch(() => lastServerTime);
    }, 20);
    try {
      const result: TradingDayResult = await env.client.workflow.execute('DailyTradingDay', {
        taskQueue: 'early-close',
        workflowId: tradingDayWorkflowId(tradeDate),
        args: [{ tradeDate, accountIds: ['ACC001', 'ACC003'], fillPollSeconds: 300 }],
      });
      assert.deepEqual(result.failedAccounts, []);
      assert.ok(result.ordersFilled > 0);
    } finally {
      clearInterval(ticker);
    }
    const orders = await stack.t.db('orders').where({ trade_date: tradeDate });
    assert.ok(orders.length > 0);
    const execs = await stack.t.db('sim.executions').where({ trade_date: tradeDate });
    assert.ok(execs.length > 0);
    for (const e of execs) {
      const t = new Date(e.executed_time).getTime();
      assert.ok(
        t >= Date.parse(clock.windowOpen) && t <= Date.parse(clock.windowClose),
        `execution at ${new Date(t).toISOString()} inside ${clock.windowOpen}–${clock.windowClose}`,
      );
    }
  });
});
