/**
 * Since `batch-books-fills`: an approved account's day ends at once (`Approved`); its AccountBatch
 * waits for the day's blocks (stage AwaitingBlocks), takes ops' `skipAccount` until then (the
 * proposal withdrawn; a malformed or pointless skip refused, each outcome in the memo), books the
 * approved accounts' fills in one activity, parks in Failed for an account it cannot book until
 * ops send `retry` (only that account booked again), and matches the confirms.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import type { BatchBookRef } from '../../src/contracts';
import { nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { createTradingWorker } from '../../src/workers/worker';
import { accountBatchWorkflowId, accountDayWorkflowId, tradingDayWorkflowId } from '../../src/workflows/ids';
import { retrySignal, skipAccountSignal, statusQuery } from '../../src/workflows/messages';
import type { TradingDayResult } from '../../src/workflows/types';
import { type Stack, skipToEt, startStack } from '../support/harness';
import { recordHistories } from '../support/histories';
import { timeSkippingEnv } from '../support/temporal';

describe('fills booked by the batch', () => {
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
      taskQueue: 'batch-booking-test',
      deps: stack.deps,
      extra: {
        activities: {
          ...real,
          // The first call cannot book ACC001 (as if the book refused it); the others are real.
          async bookBatchFills(input: { tradeDate: string; proposals: BatchBookRef[] }) {
            calls.push(input.proposals.map((p) => p.accountId));
            if (calls.length > 1) return real.bookBatchFills(input);
            const [acc001, rest] = [
              input.proposals.filter((p) => p.accountId === 'ACC001'),
              input.proposals.filter((p) => p.accountId !== 'ACC001'),
            ];
            return [
              ...(await real.bookBatchFills({ ...input, proposals: rest })),
              ...acc001.map((p) => ({ ...p, error: 'simulated: the book refused the fill' })),
            ];
          },
        },
      },
    });
    run = worker.run();
  });
  after(async () => {
    await worker?.shutdown();
    await run?.catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  it('holds approved accounts until the blocks, takes a skip, books them all and retries the one that failed', async () => {
    await skipToEt(env, tradeDate, '06:30');
    const handle = await env.client.workflow.start('DailyTradingDay', {
      taskQueue: 'batch-booking-test',
      workflowId: tradingDayWorkflowId(tradeDate),
      // Three auto accounts that trade (ACC001, ACC003, ACC007) and one with nothing to do (ACC005).
      args: [{ tradeDate, accountIds: ['ACC001', 'ACC003', 'ACC005', 'ACC007'], fillPollSeconds: 300 }],
    });
    const batch = env.client.workflow.getHandle(accountBatchWorkflowId(tradeDate, 0));
    const memo = async () => (await batch.describe()).memo ?? {};
    const until = async (what: string, ok: (m: Record<string, unknown>) => boolean) => {
      const deadline = Date.now() + 120_000;
      let last: Record<string, unknown> = {};
      while (!ok(last)) {
        if (Date.now() > deadline) assert.fail(`the batch never ${what}: ${JSON.stringify(last)}`);
        await new Promise((r) => setTimeout(r, 200));
        last = await memo().catch((e: Error) => ({ notYet: e.message }));
      }
      return last;
    };
    // The morning: every account reviewed, the traders' days ended Approved, the batch waits.
    await until('waited for the blocks', (m) => m.stage === 'AwaitingBlocks');
    for (const a of ['ACC001', 'ACC003', 'ACC007']) {
      const day = env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, a));
      for (let i = 0; i < 100 && (await day.describe()).status.name !== 'COMPLETED'; i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.equal((await day.describe()).status.name, 'COMPLETED', a);
      assert.equal((await day.query(statusQuery)).stage, 'Approved', a);
    }
    await batch.signal(skipAccountSignal, { accountId: 'not an id!', by: 'ops-jane' });
    await batch.signal(skipAccountSignal, { accountId: 'ACC007', by: 'ops-jane', note: 'client called' });
    await batch.signal(skipAccountSignal, { accountId: 'ACC005', by: 'ops-jane' });
    const skipped = await until('took the skips', (m) => Array.isArray(m.skips) && m.skips.length === 2);
    assert.deepEqual(skipped.skips, [
      { accountId: 'ACC007', by: 'ops-jane', outcome: 'skipped: proposal withdrawn' },
      { accountId: 'ACC005', by: 'ops-jane', outcome: 'refused: its day ended NoAction' },
    ]);
    const withdrawn = await stack.t
      .db('proposals')
      .where({ account_id: 'ACC007', trade_date: tradeDate })
      .first();
    assert.equal(withdrawn.status, 'EXPIRED');

    // Through the window to the next morning: the first booking cannot book ACC001.
    await skipToEt(env, nextTradingDay(tradeDate), '07:00');
    const failed = await until('reached Failed', (m) => m.stage === 'Failed');
    assert.deepEqual(failed.failed, [{ accountId: 'ACC001', error: 'simulated: the book refused the fill' }]);
    assert.deepEqual([...(calls[0] ?? [])].sort(), ['ACC001', 'ACC003'], 'the skipped account is not booked');
    await batch.signal(retrySignal, { by: 'ops-test', note: 'book fixed' });

    const day = (await handle.result()) as TradingDayResult;
    assert.deepEqual(calls[1], ['ACC001'], 'only the account that failed is booked again');
    assert.equal(day.byStage.Confirmed, 2, JSON.stringify(day.byStage));
    assert.equal(day.byStage.Skipped, 1);
    assert.equal(day.byStage.NoAction, 1);
    assert.equal(day.byStage.Approved, undefined);
    assert.equal((await memo()).stage, 'Confirmed');
    const db = stack.t.db;
    const filled = await db('orders').where({ trade_date: tradeDate }).where('filled_qty', '>', 0);
    assert.ok(filled.length > 0);
    assert.ok(
      filled.every((o: { booked: boolean }) => o.booked),
      'every fill booked',
    );
    assert.deepEqual([...new Set(filled.map((o: { account_id: string }) => o.account_id))].sort(), [
      'ACC001',
      'ACC003',
    ]);
    const matches = await db('confirm_matches').where({ trade_date: tradeDate });
    assert.equal(matches.length, filled.length, 'every fill matched once');
    const audits = await db('audit_log').where({ entity_id: 'ACC007', action: 'SKIP_TODAY' });
    assert.equal(audits.length, 1);
    await recordHistories(env.client, {
      'AccountBatch-booking-retried': accountBatchWorkflowId(tradeDate, 0),
      'AccountDay-auto-approved': accountDayWorkflowId(tradeDate, 'ACC003'),
    });
  });
});
