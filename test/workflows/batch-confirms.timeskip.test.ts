/**
 * Since `batch-matches-confirms` (and `batch-books-fills`): a trading account's day ends before
 * the confirms (`Approved`, no timer left in it) and its AccountBatch matches the next morning's confirms. An
 * account whose matching cannot run parks the batch in stage Failed (the memo says which and why)
 * until ops send `retry`; a malformed retry is refused and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { createTradingWorker } from '../../src/workers/worker';
import { accountBatchWorkflowId, accountDayWorkflowId, tradingDayWorkflowId } from '../../src/workflows/ids';
import { retrySignal, statusQuery } from '../../src/workflows/messages';
import type { TradingDayResult } from '../../src/workflows/types';
import { type Stack, skipToEt, startStack } from '../support/harness';
import { recordHistories } from '../support/histories';
import { timeSkippingEnv } from '../support/temporal';

describe('confirms matched by the batch', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let worker: Worker;
  let run: Promise<void>;
  let tradeDate: string;
  const calls: string[][] = [];

  before(async () => {
    env = await timeSkippingEnv();
    tradeDate = nextTradingDay(utcToEtDate(new Date(await env.currentTimeMs()).toISOString()));
    stack = await startStack({ asOf: tradeDate });
    const real = createActivities(stack.deps);
    worker = await createTradingWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: 'batch-confirms-test',
      deps: stack.deps,
      extra: {
        activities: {
          ...real,
          // The first call cannot match ACC001 (as if its rows did not parse); the others are real.
          async matchBatchConfirms(input: { tradeDate: string; accountIds: string[] }) {
            calls.push(input.accountIds);
            if (calls.length > 1) return real.matchBatchConfirms(input);
            const rest = input.accountIds.filter((a) => a !== 'ACC001');
            return [
              ...(await real.matchBatchConfirms({ ...input, accountIds: rest })),
              { accountId: 'ACC001', error: 'simulated: a trade row that does not parse' },
            ];
          },
        },
      },
    });
    run = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await run?.catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  it('parks the batch in Failed for an account it cannot match, and matches it on retry', async () => {
    await skipToEt(env, tradeDate, '06:30');
    const handle = await env.client.workflow.start('DailyTradingDay', {
      taskQueue: 'batch-confirms-test',
      workflowId: tradingDayWorkflowId(tradeDate),
      // Two auto accounts that trade (ACC001, ACC003) and one with nothing to do (ACC005).
      args: [{ tradeDate, accountIds: ['ACC001', 'ACC003', 'ACC005'], fillPollSeconds: 300 }],
    });
    // Through the window to the next morning, past the confirms (06:30 ET): the batch parks there.
    await skipToEt(env, nextTradingDay(tradeDate), '07:00');
    const batch = env.client.workflow.getHandle(accountBatchWorkflowId(tradeDate, 0));
    const memo = async () => (await batch.describe()).memo ?? {};
    const deadline = Date.now() + 120_000;
    let last: Record<string, unknown> = {};
    while (last.stage !== 'Failed') {
      if (Date.now() > deadline) assert.fail(`the batch never reached Failed: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 200));
      last = await memo().catch((e: Error) => ({ notYet: e.message }));
    }
    const failed = await memo();
    assert.deepEqual(failed.failed, [
      { accountId: 'ACC001', error: 'simulated: a trade row that does not parse' },
    ]);
    // The account's day itself ended at its approval (Approved, without a timer); the batch booked it.
    const accountDay = env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, 'ACC001'));
    // (Its status, not its result: awaiting a result lets the test server skip time, and the
    // batch, waiting for ops without a timer, would be skipped past.)
    assert.equal((await accountDay.describe()).status.name, 'COMPLETED');
    assert.equal((await accountDay.query(statusQuery)).stage, 'Approved');
    const T = temporal.api.enums.v1.EventType;
    const events = (await accountDay.fetchHistory()).events ?? [];
    assert.equal(events.filter((e) => e.eventType === T.EVENT_TYPE_TIMER_STARTED).length, 0);

    // A retry without its name is refused: still Failed, nothing called again.
    await batch.signal(retrySignal, { note: 'no name' } as never);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await memo()).stage, 'Failed');
    assert.equal(calls.length, 1);
    await batch.signal(retrySignal, { by: 'ops-test', note: 'file fixed' });

    const day = (await handle.result()) as TradingDayResult;
    assert.deepEqual(calls[1], ['ACC001'], 'only the account that failed is matched again');
    assert.equal(day.byStage.Confirmed, 2, JSON.stringify(day.byStage));
    assert.equal(day.byStage.NoAction, 1);
    assert.equal(day.byStage.Traded, undefined);
    const done = await memo();
    assert.equal(done.stage, 'Confirmed');
    // An empty list removes the memo's key: no break listed, the failure no longer shown.
    assert.deepEqual(done.confirmBreaks ?? [], []);
    assert.equal(done.failed, undefined, JSON.stringify(done));
    const filled = await stack.t.db('orders').where({ trade_date: tradeDate }).where('filled_qty', '>', 0);
    const matches = await stack.t.db('confirm_matches').where({ trade_date: tradeDate });
    assert.ok(filled.length > 0);
    assert.equal(matches.length, filled.length, 'every fill matched once');
    assert.equal(day.confirms.matched + day.confirms.matchedWithinTolerance, filled.length);
    await recordHistories(env.client, {
      'AccountBatch-confirms-retried': accountBatchWorkflowId(tradeDate, 0),
    });
  });
});
