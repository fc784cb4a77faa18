/**
 * A whole stack for workflow tests: a fresh database with demo data, the simulated custodian
 * on a free port with its own drop folder, and a worker on the given Temporal environment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../src/activities';
import { custodianClient, simAuthFor, simServiceAccount } from '../../src/custodian/client';
import { HttpCustodian } from '../../src/custodian/http-client';
import { type RunningSim, startSimServer } from '../../src/custodian/sim/server';
import { seedDemoData } from '../../src/demo/seed';
import { etToUtc, nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { createTradingWorker } from '../../src/workers/worker';
import { tradingDayWorkflowId } from '../../src/workflows/ids';
import type { TradingDayResult } from '../../src/workflows/types';
import { type TestDb, createTestDb } from './db';
import { timeSkippingEnv } from './temporal';

export interface Stack {
  t: TestDb;
  sim: RunningSim;
  dropDir: string;
  deps: ActivityDeps;
  close(): Promise<void>;
}

export async function startStack(opts: {
  asOf: string;
  partialFillRate?: number;
  rejectRate?: number;
  /** Share of cancels of a partly filled order that lose the race to a fill (TOO_LATE_TO_CANCEL). */
  cancelRaceRate?: number;
  /** Share of first orders that fill in `gradualSlices` slices, one per read (the fill model). */
  gradualFillRate?: number;
  gradualSlices?: number;
  /** Share of first orders the custodian overfills (one execution too many). */
  overfillRate?: number;
  /** The simulator's clock (execution times); default the system clock. */
  simClock?: () => Date;
  /**
   * `ascend`: the workers use Apex's official SDK (service-account JWT) and the simulator serves
   * only its authenticated routes; default `http`, the hand-written client.
   */
  client?: 'ascend' | 'http';
  /** The demo day's events at the simulator too, as `npm start` seeds them (src/demo/day-events.ts). */
  demoDayEvents?: boolean;
  /** Accounts seeded (default the demo's 20). */
  accounts?: number;
}): Promise<Stack> {
  const t = await createTestDb();
  await seedDemoData(t.db, {
    asOf: opts.asOf,
    dayEvents: opts.demoDayEvents,
    ...(opts.accounts ? { accounts: opts.accounts } : {}),
  });
  const dropDir = mkdtempSync(path.join(os.tmpdir(), 'zoe-drop-'));
  const creds =
    opts.client === 'ascend' ? simServiceAccount(mkdtempSync(path.join(os.tmpdir(), 'zoe-sa-'))) : undefined;
  const sim = await startSimServer({
    ...(creds ? { auth: simAuthFor(creds), legacyRoutes: false } : {}),
    db: t.db,
    port: 0,
    dropDir,
    correspondent: 'ZOE',
    fillModel: {
      seed: 'test',
      partialFillRate: opts.partialFillRate ?? 0,
      rejectRate: opts.rejectRate ?? 0,
      cancelRaceRate: opts.cancelRaceRate ?? 0,
      gradualFillRate: opts.gradualFillRate ?? 0,
      gradualSlices: opts.gradualSlices ?? 3,
      overfillRate: opts.overfillRate ?? 0,
    },
    clock: opts.simClock,
  });
  const deps: ActivityDeps = {
    db: t.db,
    custodian: creds
      ? custodianClient('ascend', sim.url, creds, sim.token)
      : new HttpCustodian(sim.url, sim.token),
    dropDir,
    correspondent: 'ZOE',
  };
  return {
    t,
    sim,
    dropDir,
    deps,
    async close() {
      await sim.close();
      await t.drop();
      rmSync(dropDir, { recursive: true, force: true });
    },
  };
}

export async function workerFor(
  env: TestWorkflowEnvironment,
  stack: Stack,
  taskQueue: string,
  deps: Partial<ActivityDeps> = {},
): Promise<Worker> {
  return createTradingWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    deps: { ...stack.deps, ...deps },
  });
}

/** Moves the time-skipping server's clock forward to `hhmm` ET on `date` (no-op if past). */
export async function skipToEt(env: TestWorkflowEnvironment, date: string, hhmm: string): Promise<void> {
  const target = Date.parse(etToUtc(date, hhmm));
  const now = await env.currentTimeMs();
  if (target > now) await env.sleep(target - now);
}

export interface DayFixture {
  env: TestWorkflowEnvironment;
  stack: Stack;
  tradeDate: string;
  close(): Promise<void>;
}

/**
 * The usual set-up of a workflow test on the time-skipping server: the server, the next
 * trading day, a seeded stack and one worker on `taskQueue`.
 */
export async function timeSkippingDay(
  taskQueue: string,
  opts: {
    partialFillRate?: number;
    cancelRaceRate?: number;
    rejectRate?: number;
    gradualFillRate?: number;
    gradualSlices?: number;
    overfillRate?: number;
    client?: 'ascend' | 'http';
    tradeDate?: (today: string) => string;
    simClock?: () => Date;
  } = {},
): Promise<DayFixture> {
  const env = await timeSkippingEnv();
  const today = utcToEtDate(new Date(await env.currentTimeMs()).toISOString());
  const tradeDate = opts.tradeDate ? opts.tradeDate(today) : nextTradingDay(today);
  const stack = await startStack({
    asOf: tradeDate,
    partialFillRate: opts.partialFillRate,
    cancelRaceRate: opts.cancelRaceRate,
    rejectRate: opts.rejectRate,
    gradualFillRate: opts.gradualFillRate,
    gradualSlices: opts.gradualSlices,
    overfillRate: opts.overfillRate,
    client: opts.client,
    simClock: opts.simClock,
  });
  const worker = await workerFor(env, stack, taskQueue);
  const run = worker.run();
  return {
    env,
    stack,
    tradeDate,
    async close() {
      worker.shutdown();
      await run.catch(() => undefined);
      await stack.close();
      await env.teardown();
    },
  };
}

/** One DailyTradingDay of `accountIds` from 06:30 ET on `date`, to its result. */
export async function runDayFor(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  date: string,
  accountIds: string[],
): Promise<TradingDayResult> {
  await skipToEt(env, date, '06:30');
  const handle = await env.client.workflow.start('DailyTradingDay', {
    taskQueue,
    workflowId: tradingDayWorkflowId(date),
    args: [{ tradeDate: date, accountIds, fillPollSeconds: 300, batchSize: 3 }],
  });
  return (await handle.result()) as TradingDayResult;
}

/**
 * A later day on a time-skipping server of its own: once a day has completed, the server's clock
 * has run on past the next morning (it skips to the last timer), so the next day starts on a fresh
 * server with a worker of its own (the book and the custodian carry over).
 */
export async function runDayOnFreshServer(
  stack: Stack,
  taskQueue: string,
  date: string,
  accountIds: string[],
): Promise<TradingDayResult> {
  const env = await timeSkippingEnv();
  const worker = await workerFor(env, stack, taskQueue);
  const running = worker.run();
  try {
    return await runDayFor(env, taskQueue, date, accountIds);
  } finally {
    worker.shutdown();
    await running.catch(() => undefined);
    await env.teardown();
  }
}
