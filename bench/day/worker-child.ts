/**
 * A worker process for the benchmark (started by bench/day/main.ts with `fork`), so that its
 * memory and CPU are its own and it does not share an event loop with the simulator.
 *   mode "day":  createTradingWorker (src/workflows, every activity) on the day's task queue
 *   mode "noop": Worker.create with bench/day/noop-workflows.ts and one no-op activity
 * Every activity is timed by an inbound interceptor (schedule-to-start and execution); the
 * Rust core's metrics are exported to Prometheus on a free port and scraped at the end.
 * Messages to the parent: ready, progress (every 5 s), report (after `stop`).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { HttpCustodian } from '../../src/custodian/http-client';
import { createKnex } from '../../src/db/knex';
import { freePort } from '../../src/infra/postgres';
import { createTradingWorker } from '../../src/workers/worker';
import type { ActivityStats, ChildConfig, ChildMessage, CoreMetrics } from './protocol';

const MiB = 1024 * 1024;

class Stats {
  readonly byType = new Map<
    string,
    {
      count: number;
      failed: number;
      errors: Map<string, number>;
      execMs: number[];
      s2sMs: number[];
      first: number;
      last: number;
    }
  >();
  /** When each account got past review (proposal NONE or a decision recorded). */
  readonly pastReview = new Map<string, number>();
  readonly tradingDone = new Map<string, number>();
  readonly accountRuns = new Map<string, Map<string, number>>();

  ran(type: string, account: string): void {
    const m = this.accountRuns.get(type) ?? new Map<string, number>();
    this.accountRuns.set(type, m);
    m.set(account, (m.get(account) ?? 0) + 1);
  }

  /** One attempt: `error` is the failed attempt's message, undefined when it succeeded. */
  record(type: string, start: number, end: number, scheduled: number, error?: string): void {
    let s = this.byType.get(type);
    if (!s) {
      s = { count: 0, failed: 0, errors: new Map(), execMs: [], s2sMs: [], first: start, last: end };
      this.byType.set(type, s);
    }
    s.count++;
    if (error !== undefined) {
      s.failed++;
      const m = error.slice(0, 120);
      if (s.errors.has(m) || s.errors.size < 5) s.errors.set(m, (s.errors.get(m) ?? 0) + 1);
    }
    s.execMs.push(end - start);
    s.s2sMs.push(Math.max(0, start - scheduled));
    s.first = Math.min(s.first, start);
    s.last = Math.max(s.last, end);
  }

  summary(): Record<string, ActivityStats> {
    const pct = (xs: number[], p: number) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length ? (s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0) : 0;
    };
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    const out: Record<string, ActivityStats> = {};
    for (const [type, s] of [...this.byType.entries()].sort((a, b) => a[1].first - b[1].first)) {
      out[type] = {
        count: s.count,
        failed: s.failed,
        ...(s.errors.size ? { errors: Object.fromEntries(s.errors) } : {}),
        execMeanMs: Math.round(mean(s.execMs) * 10) / 10,
        execP95Ms: pct(s.execMs, 0.95),
        execMaxMs: pct(s.execMs, 1),
        execTotalS: Math.round(s.execMs.reduce((a, b) => a + b, 0)) / 1000,
        scheduleToStartMeanMs: Math.round(mean(s.s2sMs)),
        scheduleToStartP95Ms: pct(s.s2sMs, 0.95),
        first: s.first,
        last: s.last,
      };
    }
    return out;
  }
}

const WANTED_METRICS = [
  'temporal_workflow_task_schedule_to_start_latency',
  'temporal_workflow_task_execution_latency',
  'temporal_workflow_task_replay_latency',
  'temporal_workflow_task_execution_failed',
  'temporal_activity_schedule_to_start_latency',
  'temporal_sticky_cache_hit',
  'temporal_sticky_cache_miss',
  'temporal_sticky_cache_total_forced_eviction',
  'temporal_sticky_cache_size',
  'temporal_workflow_completed',
];

/** Sums of the core's Prometheus series we care about (histograms: count and mean). */
async function scrapeCoreMetrics(port: number): Promise<CoreMetrics> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const name = m[1]!;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    sums.set(name, (sums.get(name) ?? 0) + value);
  }
  const out: CoreMetrics = {};
  for (const name of WANTED_METRICS) {
    const short = name.replace(/^temporal_/, '');
    if (sums.has(`${name}_count`)) {
      const count = sums.get(`${name}_count`) ?? 0;
      const sum = sums.get(`${name}_sum`) ?? 0;
      out[short] = { count, meanMs: count ? Math.round((sum / count) * 10) / 10 : 0 };
    } else if (sums.has(name)) out[short] = sums.get(name)!;
  }
  return out;
}

/**
 * BENCH_WORKER_PROFILE=file.cpuprofile: a CPU profile of the worker's main thread (activities, the
 * SDK's core bridge) from start to report, for Chrome DevTools or any .cpuprofile reader.
 */
async function startProfile(): Promise<(() => Promise<void>) | undefined> {
  const file = process.env.BENCH_WORKER_PROFILE;
  if (!file) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

async function main(): Promise<void> {
  const stopProfile = await startProfile();
  const cfg = JSON.parse(process.env.BENCH_WORKER_CONFIG ?? '{}') as ChildConfig;
  const send = (m: ChildMessage) => process.send?.(m);
  const { Runtime, NativeConnection, Worker, DefaultLogger } = await import('@temporalio/worker');
  const metricsPort = await freePort();
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}` } } },
  });
  const stats = new Stats();
  let peakRss = process.memoryUsage().rss;
  let peakRssAt = Date.now();
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) {
      peakRss = m.rss;
      peakRssAt = Date.now();
    }
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 200);

  const connection = await NativeConnection.connect({ address: cfg.address });
  const timing: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      async execute(input, next) {
        const type = ctx.info.activityType;
        const scheduled = ctx.info.currentAttemptScheduledTimestampMs;
        const start = Date.now();
        try {
          const r = await next(input);
          const end = Date.now();
          stats.record(type, start, end, scheduled);
          observe(type, input.args[0], r, end);
          return r;
        } catch (e) {
          stats.record(type, start, Date.now(), scheduled, e instanceof Error ? e.message : String(e));
          throw e;
        }
      },
    },
  });
  const interceptors = { activity: [timing] };
  const observe = (type: string, arg: unknown, result: unknown, at: number) => {
    const a = (arg ?? {}) as { accountId?: string; proposalId?: string };
    const accountOf = (proposalId?: string) => proposalId?.replace(/^P\d{8}-/, '');
    const account = a.accountId ?? accountOf(a.proposalId);
    if (account) stats.ran(type, account);
    if (type === 'proposeTrades' && (result as { action?: string }).action === 'NONE' && a.accountId)
      stats.pastReview.set(a.accountId, at);
    if (type === 'recordDecision') {
      const acct = accountOf(a.proposalId);
      if (acct && !stats.pastReview.has(acct)) stats.pastReview.set(acct, at);
    }
    // An account's fills booked: by its own day (bookFills, before `batch-books-fills`) or in its
    // batch's one bookBatchFills (since it; an account it could not book comes back with an error).
    if (type === 'bookFills') {
      const acct = accountOf(a.proposalId);
      if (acct) stats.tradingDone.set(acct, at);
    }
    // The batch steps work for many accounts: each account done (no error in its result) counts as
    // one run for it, so that "no account runs twice" covers them too.
    if (type === 'bookBatchFills' || type === 'matchBatchConfirms')
      for (const r of Array.isArray(result) ? (result as { accountId?: string; error?: string }[]) : []) {
        if (!r.accountId || r.error !== undefined) continue;
        stats.ran(type, r.accountId);
        if (type === 'bookBatchFills') stats.tradingDone.set(r.accountId, at);
      }
  };

  let worker: import('@temporalio/worker').Worker;
  let db: import('knex').Knex | undefined;
  const concurrency = {
    maxConcurrentActivityTaskExecutions: cfg.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions: cfg.maxConcurrentWorkflowTaskExecutions,
    ...(cfg.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: cfg.maxCachedWorkflows } : {}),
  };
  if (cfg.mode === 'day') {
    db = createKnex(cfg.databaseUrl!, { max: cfg.dbPool });
    worker = await createTradingWorker({
      connection,
      namespace: cfg.namespace,
      taskQueue: cfg.taskQueue,
      deps: {
        db,
        custodian: new HttpCustodian(cfg.custodianUrl!, cfg.custodianToken!),
        dropDir: cfg.dropDir!,
        correspondent: 'ZOE',
      },
      ...concurrency,
      extra: { interceptors },
    });
  } else {
    worker = await Worker.create({
      connection,
      namespace: cfg.namespace,
      taskQueue: cfg.taskQueue,
      workflowsPath: require.resolve('./noop-workflows'),
      activities: { noop: async () => {} },
      interceptors,
      ...concurrency,
    });
  }
  const effective = worker.options as unknown as {
    maxCachedWorkflows: number;
    workflowThreadPoolSize: number;
    reuseV8Context: boolean;
    tuner: {
      workflowTaskSlotSupplier: { numSlots?: number };
      activityTaskSlotSupplier: { numSlots?: number };
    };
    workflowTaskPollerBehavior: { maximum?: number };
    activityTaskPollerBehavior: { maximum?: number };
  };
  const settings = {
    taskQueue: cfg.taskQueue,
    maxConcurrentWorkflowTaskExecutions: effective.tuner?.workflowTaskSlotSupplier?.numSlots,
    maxConcurrentActivityTaskExecutions: effective.tuner?.activityTaskSlotSupplier?.numSlots,
    maxCachedWorkflows: effective.maxCachedWorkflows,
    workflowThreadPoolSize: effective.workflowThreadPoolSize,
    reuseV8Context: effective.reuseV8Context,
    workflowTaskPollers: effective.workflowTaskPollerBehavior?.maximum,
    activityTaskPollers: effective.activityTaskPollerBehavior?.maximum,
    dbPoolMax: cfg.mode === 'day' ? cfg.dbPool : undefined,
    v8HeapLimitMiB: Math.round((await import('node:v8')).getHeapStatistics().heap_size_limit / MiB),
  };
  const running = worker.run();
  const progress = setInterval(() => {
    const counts: Record<string, number> = {};
    for (const [k, v] of stats.byType) counts[k] = v.count;
    send({
      type: 'progress',
      counts,
      pastReview: stats.pastReview.size,
      rssMiB: Math.round(process.memoryUsage().rss / MiB),
    });
  }, 5000);
  send({ type: 'ready', pid: process.pid, settings });

  process.on('message', async (m: { type: string }) => {
    if (m.type !== 'stop') return;
    clearInterval(progress);
    let core: CoreMetrics = {};
    try {
      core = await scrapeCoreMetrics(metricsPort);
    } catch (e) {
      core = { error: String(e) };
    }
    worker.shutdown();
    await running.catch(() => undefined);
    clearInterval(sampler);
    await stopProfile?.();
    const cpu = process.cpuUsage();
    send({
      type: 'report',
      settings,
      peakRssMiB: Math.round(peakRss / MiB),
      peakRssAt,
      peakHeapUsedMiB: Math.round(peakHeap / MiB),
      cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
      activities: stats.summary(),
      pastReview: Object.fromEntries(stats.pastReview),
      tradingDone: Object.fromEntries(stats.tradingDone),
      accountRuns: Object.fromEntries(
        [...stats.accountRuns].map(([type, m]) => [type, Object.fromEntries(m)]),
      ),
      core,
    });
    await db?.destroy().catch(() => undefined);
    await connection.close().catch(() => undefined);
    setTimeout(() => process.exit(0), 100);
  });
}

main().catch((e) => {
  console.error('[bench worker]', e);
  process.exit(1);
});
