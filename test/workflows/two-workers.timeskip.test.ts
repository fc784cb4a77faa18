/**
 * Two worker processes on the same task queue share one day: both take work (each
 * ActivityTaskStarted and WorkflowTaskCompleted event names the worker's identity), and the day
 * completes as with one, nothing done twice.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { etToUtc, nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { createTradingWorker } from '../../src/workers/worker';
import { accountDayWorkflowId, tradingDayWorkflowId } from '../../src/workflows/ids';
import type { TradingDayResult } from '../../src/workflows/types';
import { type Stack, startStack } from '../support/harness';
import { timeSkippingEnv } from '../support/temporal';

describe('two workers on one task queue', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let worker: Worker;
  let run: Promise<void>;
  let child: ChildProcess;
  let tradeDate: string;

  before(async () => {
    env = await timeSkippingEnv();
    tradeDate = nextTradingDay(utcToEtDate(new Date(await env.currentTimeMs()).toISOString()));
    stack = await startStack({ asOf: tradeDate, partialFillRate: 0.5 });
    worker = await createTradingWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: 'two-workers',
      deps: stack.deps,
      maxConcurrentActivityTaskExecutions: 4,
      extra: { identity: 'worker-A' },
    });
    run = worker.run();
    const args = {
      address: env.address,
      databaseUrl: stack.t.url,
      custodianUrl: stack.sim.url,
      custodianToken: stack.sim.token,
      dropDir: stack.dropDir,
      taskQueue: 'two-workers',
      identity: 'worker-B',
    };
    child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, '..', 'support', 'worker-process.ts'), JSON.stringify(args)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d) => String(d).includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`worker-B exited with ${code}`)));
    });
  });
  after(async () => {
    child?.kill('SIGTERM');
    worker?.shutdown();
    await run?.catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  it('both take work and the day completes once', async () => {
    const start = Date.parse(etToUtc(tradeDate, '06:30'));
    const now = await env.currentTimeMs();
    if (start > now) await env.sleep(start - now);
    const accountIds = ['ACC001', 'ACC003', 'ACC005', 'ACC007', 'ACC009', 'ACC013', 'ACC015', 'ACC019'];
    const result: TradingDayResult = await env.client.workflow.execute('DailyTradingDay', {
      taskQueue: 'two-workers',
      workflowId: tradingDayWorkflowId(tradeDate),
      args: [{ tradeDate, accountIds, fillPollSeconds: 300, batchSize: 3 }],
    });
    assert.equal(result.accounts, accountIds.length);
    assert.deepEqual(result.failedAccounts, []);
    const byWorker: Record<string, number> = {};
    for (const id of accountIds) {
      const history = await env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, id)).fetchHistory();
      // Activities name their worker when they start; workflow tasks (and the local activities
      // that run inside them: the book's steps) when they complete.
      for (const e of history.events ?? []) {
        const who =
          e.activityTaskStartedEventAttributes?.identity ?? e.workflowTaskCompletedEventAttributes?.identity;
        if (who) byWorker[who] = (byWorker[who] ?? 0) + 1;
      }
    }
    assert.ok(
      (byWorker['worker-A'] ?? 0) > 0 && (byWorker['worker-B'] ?? 0) > 0,
      `both workers took work: ${JSON.stringify(byWorker)}`,
    );
    const dupes = await stack.t.db.raw(
      'SELECT client_order_id FROM sim.orders GROUP BY 1 HAVING count(*) > 1',
    );
    assert.equal(dupes.rows.length, 0);
  });
});
