/**
 * `npm run bench:day -- --accounts N`: one whole trading day on the Temporal dev server (or the
 * cluster server, `--server cluster`), with the day's clock set so that its phases follow each
 * other at once, and before it the same-shaped no-op workflow tree (the orchestration floor) on a
 * server of the same kind of its own, stopped before the day's server starts. Prints ONE JSON
 * object on stdout; progress goes to stderr.
 *
 * What it starts, all its own (free ports, its own data directories, removed at the end):
 * PostgreSQL (embedded, unless DATABASE_URL), the Temporal dev server (.tools/bin/temporal with
 * our search attributes), the custodian simulator (in this process), and one worker process per
 * tree (bench/day/worker-child.ts). Manual accounts are approved in bulk through the `approve`
 * Update, as their advisors would (bench/day/approver.ts); --no-approve lets them expire.
 * `npm run -s bench:day …` keeps npm's own banner off stdout, so that stdout is the JSON alone.
 */
import os from 'node:os';
import type { Knex } from 'knex';
import { seedDemoData } from '../../src/demo/seed';
import { nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { accountBatchWorkflowId, accountDayWorkflowId, tradingDayWorkflowId } from '../../src/workflows/ids';
import type { TradingDayResult } from '../../src/workflows/types';
import { type ApproverStats, startApprover } from './approver';
import { ArgError, type BenchArgs, USAGE, parseArgs } from './args';
import { benchClock, benchDayInput } from './clock';
import { CpuSampler } from './cpu';
import { createProposedIndexes, openBenchDb, resetStatements, topStatements } from './db';
import { type HistoryReport, busiestAccounts, measureHistories } from './history';
import { mergeReports } from './merge';
import type { ActivityStats } from './protocol';
import { startBenchSim } from './sim';
import { type BenchTemporal, startBenchTemporal } from './temporal';
import { type RunningWorker, spawnWorker } from './worker-process';

const log = (m: string) =>
  process.stderr.write(`[bench:day ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const secs = (ms: number) => Math.round(ms / 100) / 10;

function sampleEvenly<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs;
  return Array.from({ length: n }, (_, i) => xs[Math.floor((i * (xs.length - 1)) / Math.max(1, n - 1))]!);
}

function relative(stats: Record<string, ActivityStats>, t0: number) {
  return Object.fromEntries(
    Object.entries(stats).map(([k, s]) => [
      k,
      { ...s, first: undefined, last: undefined, firstAtS: secs(s.first - t0), lastAtS: secs(s.last - t0) },
    ]),
  );
}

async function runNoop(
  env: BenchTemporal,
  args: BenchArgs,
  cpu: CpuSampler,
  onWorker: (w: RunningWorker) => void,
) {
  const taskQueue = `bench-noop-${process.pid}`;
  const w = await spawnWorker(
    { mode: 'noop', address: env.address, namespace: env.namespace, taskQueue, dbPool: 0 },
    (p) => log(`noop: ${JSON.stringify(p.counts)} rss ${p.rssMiB} MiB`),
  );
  onWorker(w);
  cpu.roles.set(w.pid, 'noopWorker');
  const id = `noop-day/${process.pid}`;
  log(`noop tree: ${args.accounts} children in batches of ${args.batchSize}`);
  const t0 = Date.now();
  const h = await env.client.workflow.start('NoopDay', {
    taskQueue,
    workflowId: id,
    args: [{ accounts: args.accounts, batchSize: args.batchSize }],
  });
  const done = (await h.result()) as number;
  const t1 = Date.now();
  log(`noop tree done in ${secs(t1 - t0)} s`);
  const batches = Math.ceil(args.accounts / args.batchSize);
  const batchIds = Array.from({ length: batches }, (_, b) => `${id}/batch/${b}`);
  const histories = await measureHistories(env.client, [
    { kind: 'NoopDay', ids: [id] },
    { kind: 'NoopBatch', ids: sampleEvenly(batchIds, 60) },
    {
      kind: 'NoopAccount',
      ids: [`${id}/batch/0/account/0`, `${id}/batch/${batches - 1}/account/${args.accounts - 1}`],
    },
  ]);
  const report = await w.stop();
  return {
    accounts: done,
    server: `its own (${env.describe}), stopped before the day's server started`,
    totalS: secs(t1 - t0),
    accountsPerSecond: Math.round((done / ((t1 - t0) / 1000)) * 10) / 10,
    largestHistory: histories,
    worker: {
      settings: report.settings,
      peakRssMiB: report.peakRssMiB,
      peakHeapUsedMiB: report.peakHeapUsedMiB,
      cpuSeconds: report.cpuSeconds,
      core: report.core,
    },
    cpuSeconds: cpu.between(t0, t1),
  };
}

async function dbSummary(db: Knex, tradeDate: string) {
  const count = async (q: Knex.QueryBuilder) => Number(((await q) as { n: string }[])[0]?.n ?? 0);
  const group = async (table: string, col: string, where: Record<string, unknown>) =>
    Object.fromEntries(
      (
        (await db(table).where(where).groupBy(col).select(col).count('* as n')) as Record<string, string>[]
      ).map((r) => [r[col], Number(r.n)]),
    );
  const dupes = await db.raw(
    'SELECT count(*) AS n FROM (SELECT client_order_id FROM sim.orders GROUP BY 1 HAVING count(*) > 1) d',
  );
  const seq = await db.raw(`SELECT schemaname || '.' || relname AS t, seq_scan, seq_tup_read, idx_scan
    FROM pg_stat_user_tables ORDER BY seq_tup_read DESC LIMIT 8`);
  return {
    proposalsByStatus: await group('proposals', 'status', { trade_date: tradeDate }),
    ordersByStatus: await group('orders', 'status', { trade_date: tradeDate }),
    ordersPerAccountMax: Number(
      (
        await db('orders')
          .where({ trade_date: tradeDate })
          .groupBy('account_id')
          .select(db.raw('count(*) AS n'))
          .orderBy('n', 'desc')
          .first()
      )?.n ?? 0,
    ),
    confirmMatchesByResult: await group('confirm_matches', 'result', { trade_date: tradeDate }),
    duplicateClientOrderIdsAtSim: Number(dupes.rows[0]?.n ?? 0),
    breaksByStatus: await group('breaks', 'status', { trade_date: tradeDate }),
    auditRows: await count(db('audit_log').count('* as n')),
    topSeqScans: (
      seq.rows as { t: string; seq_scan: string; seq_tup_read: string; idx_scan: string | null }[]
    ).map((r) => ({
      table: r.t,
      seqScans: Number(r.seq_scan),
      rowsRead: Number(r.seq_tup_read),
      idxScans: Number(r.idx_scan ?? 0),
    })),
  };
}

async function main(): Promise<void> {
  let args: BenchArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof ArgError) {
      if (e.message) console.error(`bench:day: ${e.message}`);
      console.error(USAGE);
      process.exit(2);
    }
    throw e;
  }
  const cleanup: { name: string; fn: () => Promise<unknown> | unknown }[] = [];
  const workers: RunningWorker[] = [];
  const cpu = new CpuSampler();
  cpu.start();
  let benchPeakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => {
    benchPeakRss = Math.max(benchPeakRss, process.memoryUsage().rss);
  }, 500);
  rssTimer.unref();
  const tradeDate = nextTradingDay(utcToEtDate(new Date().toISOString()));
  const runStart = Date.now();
  let interrupted = false;
  let interrupt: () => void = () => {};
  const interruption = new Promise<void>((resolve) => {
    interrupt = resolve;
  });
  // Ctrl-C: the day (if running) is ended as on a timeout and the JSON so far is printed.
  const onSignal = () => {
    interrupted = true;
    interrupt();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    log(`${args.accounts} accounts, trade date ${tradeDate}, batches of ${args.batchSize}`);
    const bdb = await openBenchDb({ pool: 10, pgStats: args.pgStats });
    cleanup.push({ name: 'database', fn: () => bdb.stop() });
    log(`PostgreSQL: ${bdb.embedded ? `embedded, data ${bdb.dataDir}` : 'DATABASE_URL'}`);
    const proposedIndexes = args.proposedIndexes ? await createProposedIndexes(bdb.db) : [];

    const seedStart = Date.now();
    await seedDemoData(bdb.db, { asOf: tradeDate, accounts: args.accounts });
    const seedEnd = Date.now();
    log(`seeded ${args.accounts} accounts in ${secs(seedEnd - seedStart)} s`);
    if (args.pgStats) await resetStatements(bdb.db);

    const { dropDir, sim } = await startBenchSim({
      url: bdb.url,
      name: 'bench',
      seed: 'bench',
      partialFillRate: args.partialFillRate,
      cleanup,
    });
    log(`custodian simulator on ${sim.url}`);

    // The no-op tree runs on a server of its own, of the same kind, stopped before the day's starts:
    // run on the day's server it left its histories there and the day ran about 45% slower for it.
    const serverOpts = { kind: args.server, inMemory: true, pgUrl: bdb.url, embeddedPg: bdb.embedded, log };
    let noop: Awaited<ReturnType<typeof runNoop>> | undefined;
    if (!args.skipNoop) {
      const noopEnv = await startBenchTemporal({ ...serverOpts, name: 'noop' });
      log(`no-op tree's own server: ${noopEnv.describe}`);
      try {
        noop = await runNoop(noopEnv, args, cpu, (w) => {
          workers.push(w);
        });
      } finally {
        await noopEnv.stop();
      }
    }
    if (interrupted) throw new Error('interrupted');

    const serverStart = Date.now();
    const env = await startBenchTemporal(serverOpts);
    const serverReadyS = secs(Date.now() - serverStart);
    cleanup.push({ name: 'temporal', fn: () => env.stop() });
    log(`${env.describe}, ready in ${serverReadyS} s`);

    // The day.
    const taskQueue = `bench-day-${process.pid}`;
    let dayStart = Date.now();
    const dayWorkers: RunningWorker[] = [];
    for (let n = 0; n < args.workers; n++) {
      const worker = await spawnWorker(
        {
          mode: 'day',
          address: env.address,
          namespace: env.namespace,
          taskQueue,
          databaseUrl: bdb.url,
          custodianUrl: sim.url,
          custodianToken: sim.token,
          dropDir,
          dbPool: args.dbPool,
          maxCachedWorkflows: args.maxCachedWorkflows,
          maxConcurrentActivityTaskExecutions: args.maxConcurrentActivityTaskExecutions,
          maxConcurrentWorkflowTaskExecutions: args.maxConcurrentWorkflowTaskExecutions,
        },
        (p) =>
          log(
            `day +${secs(Date.now() - dayStart)} s: past review ${p.pastReview}/${args.accounts}, rss ${p.rssMiB} MiB, ${Object.entries(
              p.counts,
            )
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`,
          ),
      );
      workers.push(worker);
      dayWorkers.push(worker);
      cpu.roles.set(worker.pid, 'worker');
    }

    const { reviewMs, openMs, closeMs, confirmMs } = benchClock(
      args.reviewSeconds,
      args.windowSeconds,
      args.confirmDelaySeconds,
    );
    dayStart = Date.now();
    const input = benchDayInput(tradeDate, dayStart, { reviewMs, openMs, closeMs, confirmMs }, args);
    log(
      `day started: cut-off +${args.reviewSeconds} s, window +${secs(openMs)}–${secs(closeMs)} s, confirms +${secs(confirmMs)} s`,
    );
    const handle = await env.client.workflow.start('DailyTradingDay', {
      taskQueue,
      workflowId: tradingDayWorkflowId(tradeDate),
      args: [input],
    });
    const approver = args.approve
      ? startApprover({ db: bdb.db, client: env.client, tradeDate, concurrency: 32 })
      : undefined;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      handle.result().then((r: TradingDayResult) => ({ done: true as const, result: r })),
      new Promise<{ done: false }>((resolve) => {
        timer = setTimeout(() => resolve({ done: false }), args.timeoutMinutes * 60_000);
      }),
      interruption.then(() => ({ done: false as const })),
    ]);
    clearTimeout(timer);
    const dayEnd = Date.now();
    const approverStats: ApproverStats | undefined = await approver?.stop();
    log('collecting histories and statistics');
    if (!outcome.done) {
      log(
        `${interrupted ? 'interrupted' : `timed out after ${args.timeoutMinutes} min`}: terminating the day`,
      );
      await handle.terminate('bench timeout').catch(() => undefined);
    } else log(`day done in ${secs(dayEnd - dayStart)} s`);

    // Histories: the day, every batch (up to 60, evenly), account days with the most orders and a spread.
    const batches = Math.ceil(args.accounts / args.batchSize);
    const busiest = await busiestAccounts(bdb.db, tradeDate, 5);
    const allAccounts: string[] = (await bdb.db('accounts').orderBy('id').select('id')).map(
      (r: { id: string }) => r.id,
    );
    const sampleAccounts = [...new Set([...busiest, ...sampleEvenly(allAccounts, 8)])];
    const histories: HistoryReport = await measureHistories(env.client, [
      { kind: 'DailyTradingDay', ids: [tradingDayWorkflowId(tradeDate)] },
      {
        kind: 'AccountBatch',
        ids: sampleEvenly(
          Array.from({ length: batches }, (_, b) => accountBatchWorkflowId(tradeDate, b)),
          60,
        ),
      },
      { kind: 'AccountDay', ids: sampleAccounts.map((a) => accountDayWorkflowId(tradeDate, a)) },
    ]).catch((e) => {
      log(`history measurement failed: ${(e as Error).message}`);
      return undefined as unknown as HistoryReport;
    });
    const reports = await Promise.all(dayWorkers.map((w) => w.stop()));
    const report = { ...reports[0]!, ...mergeReports(reports) };
    const db = await dbSummary(bdb.db, tradeDate);
    // --pg-stats: the book's statements by time inside PostgreSQL, the seed left out.
    const pgStatements = args.pgStats ? await topStatements(bdb.db, 80) : undefined;
    cpu.stop();

    // Phases, from the activities' own timestamps (epoch ms).
    const a = report.activities;
    const pastReviewAt = report.pastReview.length
      ? report.pastReview[report.pastReview.length - 1]!
      : undefined;
    const allPastReview = report.pastReview.length >= args.accounts;
    // Block orders start with buildBlocks at the window; days of per-account orders with submitOrders.
    const firstSubmit = a.buildBlocks?.first ?? a.submitOrders?.first;
    // The trading ends with the last booking: since `batch-books-fills` each batch books its approved
    // accounts in one bookBatchFills once the blocks are done; before it each account's day ran
    // bookFills. A day cut short: nothing after the deadline counts (the worker ran on while it was
    // stopped).
    const lastBooking = maxOf(a.bookFills?.last, a.bookBatchFills?.last);
    const tradingDone =
      lastBooking === undefined
        ? undefined
        : Math.min(lastBooking, outcome.done ? Number.POSITIVE_INFINITY : dayEnd);
    // Since `batch-matches-confirms` each batch matches its accounts' confirms (matchBatchConfirms).
    const firstConfirm = minOf(a.matchConfirms?.first, a.matchBatchConfirms?.first);
    const phase = (from: number | undefined, to: number | undefined) =>
      from !== undefined && to !== undefined
        ? { s: secs(to - from), cpuSeconds: cpu.between(from, to) }
        : undefined;
    const totalS = secs(dayEnd - dayStart);
    // The day without its idle waits for the fixed clock: fan-out to review + trading + confirms.
    const busyMs =
      outcome.done && allPastReview && pastReviewAt !== undefined && firstConfirm !== undefined
        ? pastReviewAt -
          dayStart +
          (firstSubmit !== undefined && tradingDone !== undefined ? tradingDone - firstSubmit : 0) +
          (dayEnd - firstConfirm)
        : undefined;
    const accounts = outcome.done ? outcome.result.accounts : args.accounts;
    const out = {
      bench: 'day',
      completed: outcome.done,
      endedBy: outcome.done
        ? 'day result'
        : interrupted
          ? 'interrupt'
          : `timeout (${args.timeoutMinutes} min)`,
      command: `npm run bench:day -- ${process.argv.slice(2).join(' ')}`.trim(),
      accounts,
      server: { kind: env.kind, describe: env.describe, readyS: serverReadyS },
      // Whole day: accounts / (day start → day result). Not given for a day that did not finish.
      accountsPerSecond: outcome.done
        ? Math.round((accounts / ((dayEnd - dayStart) / 1000)) * 100) / 100
        : null,
      // CPU of the whole stack (worker, Temporal, PostgreSQL, simulator) per account, day start → end.
      cpuSecondsPerAccount:
        Math.round(
          (Object.values(cpu.between(dayStart, dayEnd).seconds).reduce((x, y) => x + y, 0) / accounts) * 1000,
        ) / 1000,
      progressAtEnd: outcome.done
        ? undefined
        : {
            atS: secs(dayEnd - dayStart),
            pastReview: report.pastReview.filter((t) => t <= dayEnd).length,
            tradingDone: report.tradingDone.filter((t) => t <= dayEnd).length,
            batchBookings: a.bookBatchFills?.count ?? 0,
            confirmsMatched: a.matchConfirms?.count ?? 0,
            batchConfirmsMatched: a.matchBatchConfirms?.count ?? 0,
            note: 'accounts past review and with fills booked by the deadline; activities below run until the worker stopped',
          },
      machine: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      tradeDate,
      batchSize: args.batchSize,
      proposedIndexes: proposedIndexes.length ? proposedIndexes : undefined,
      clock: {
        note: 'seconds after the day started; the clock is fixed at start (see slack)',
        approvalCutoff: secs(reviewMs),
        windowOpen: secs(openMs),
        windowClose: secs(closeMs),
        confirmAt: secs(confirmMs),
        fillPollSeconds: args.fillPollSeconds,
        partialFillRate: args.partialFillRate,
        manualAccounts: args.approve
          ? 'approved in bulk via the approve Update'
          : 'left to expire at the cut-off',
      },
      phases: {
        seed: { s: secs(seedEnd - seedStart), cpuSeconds: cpu.between(seedStart, seedEnd) },
        ingestAndFanoutToAllPastReview: {
          ...phase(dayStart, allPastReview ? pastReviewAt : undefined),
          allAccountsPastReview: allPastReview,
          pastReview: report.pastReview.length,
          ingestS: a.ingestMorningFiles
            ? secs(a.ingestMorningFiles.last - a.ingestMorningFiles.first)
            : undefined,
          firstReconcileAtS: a.reconcileAccount ? secs(a.reconcileAccount.first - dayStart) : undefined,
          lastReconcileAtS: a.reconcileAccount ? secs(a.reconcileAccount.last - dayStart) : undefined,
          // When a quarter, half, three quarters and all of the accounts were past review.
          pastReviewAtS: Object.fromEntries(
            [0.25, 0.5, 0.75, 1].map((q) => {
              const t = report.pastReview[Math.ceil(q * args.accounts) - 1];
              return [`${q * 100}%`, t === undefined ? null : secs(t - dayStart)];
            }),
          ),
        },
        trading: {
          ...phase(firstSubmit, tradingDone),
          from: 'first buildBlocks (or submitOrders)',
          to: 'last bookBatchFills (bookFills before batch-books-fills)',
          // Booking activities: one bookBatchFills per batch with approved accounts since
          // `batch-books-fills` (its retries after ops' retry counted), before it a bookFills and a
          // proposalOrders per approved account; accountsBooked: the accounts they booked.
          booking: {
            bookBatchFills: a.bookBatchFills?.count ?? 0,
            bookFills: a.bookFills?.count ?? 0,
            proposalOrders: a.proposalOrders?.count ?? 0,
            accountsBooked: report.tradingDone.length,
            batches,
          },
        },
        confirms: {
          ...phase(firstConfirm, dayEnd),
          from: 'first matchConfirms or matchBatchConfirms',
          to: 'day result',
        },
        total: phase(dayStart, dayEnd),
        busyS: busyMs === undefined ? undefined : secs(busyMs),
        busyNote: 'fan-out to review + trading + confirms: the total without the waits for the fixed clock',
        runIncludingSetupS: secs(Date.now() - runStart),
      },
      slack: {
        note: 'idle time waiting for the fixed clock (negative: the phase ran past its deadline)',
        cutoffAfterLastReviewS:
          pastReviewAt !== undefined ? secs(dayStart + reviewMs - pastReviewAt) : undefined,
        windowCloseAfterLastBookingS:
          tradingDone !== undefined ? secs(dayStart + closeMs - tradingDone) : undefined,
      },
      result: outcome.done
        ? {
            byStage: outcome.result.byStage,
            ordersFilled: outcome.result.ordersFilled,
            confirms: outcome.result.confirms,
            failedAccounts: outcome.result.failedAccounts.length,
          }
        : undefined,
      largestHistory: histories,
      worker: {
        settings: report.settings,
        processes: reports.length,
        peakRssMiB: reports.length > 1 ? reports.map((r) => r.peakRssMiB) : report.peakRssMiB,
        // Seconds from the day's start to the sample that saw the peak (negative: before the day).
        peakRssAtS:
          reports.length > 1
            ? reports.map((r) => secs(r.peakRssAt - dayStart))
            : secs(report.peakRssAt - dayStart),
        peakHeapUsedMiB: reports.length > 1 ? reports.map((r) => r.peakHeapUsedMiB) : report.peakHeapUsedMiB,
        cpuSeconds: reports.length > 1 ? reports.map((r) => r.cpuSeconds) : report.cpuSeconds,
        core: reports.length > 1 ? reports.map((r) => r.core) : report.core,
        activitiesPerProcess: reports.length > 1 ? report.byProcess : undefined,
      },
      accountRuns: report.runs,
      benchProcess: {
        note: 'this process: the simulator, the client and the approver',
        peakRssMiB: Math.round(benchPeakRss / 2 ** 20),
      },
      approver: approverStats,
      activities: relative(a, dayStart),
      db,
      pgStatements,
      noop,
      ratio:
        noop && outcome.done
          ? {
              totalWall: Math.round((totalS / noop.totalS) * 100) / 100,
              busy: busyMs === undefined ? undefined : Math.round((busyMs / 1000 / noop.totalS) * 100) / 100,
              note: 'day total (and busy time) / no-op tree total (same accounts, same batch size, a server of the same kind of its own)',
            }
          : undefined,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    clearInterval(rssTimer);
    for (const w of workers) w.kill();
    for (const c of cleanup.reverse()) {
      try {
        await c.fn();
      } catch (e) {
        log(`cleanup ${c.name}: ${(e as Error).message}`);
      }
    }
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error('[bench:day]', e);
    process.exit(1);
  },
);

/** The larger of two optional instants. */
function maxOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

/** The smaller of two optional instants. */
function minOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}
