/**
 * `npm run -s chaos -- [--server dev|cluster] [--scenarios …] [--accounts 1000] [--kills 20]`:
 * whole trading days on the Temporal dev server (or, with --server cluster, temporal-server on
 * PostgreSQL: docs/cluster.md) with a compressed clock (as bench:day), each under one kind of trouble, then
 * the invariants of bench/chaos/invariants.ts checked from the databases. One JSON object per
 * scenario on stdout (one line each), then a summary line; progress on stderr. Exit code 1 when
 * any scenario's invariants (or its chaos, e.g. fewer kills than asked) fail.
 *
 *   kill-worker       the worker process is SIGKILLed at seeded random points (--kills) across the
 *                     day and started again each time
 *   server-restart    the Temporal server gets SIGTERM in the window and is started again on
 *                     the same data (SQLite file, or its PostgreSQL databases) and ports after
 *                     --server-down-seconds
 *   pg-down           the embedded PostgreSQL is stopped in the window for --pg-down-seconds and
 *                     started again on the same data directory and port (on the cluster server
 *                     Temporal's own databases are there too, so Temporal is down with it)
 *   custodian-faults  the simulator's fault switch (POST /sim/v1/faults) at --error-rate 0.3 and
 *                     --latency-ms 2000 from the day's start until the window's close-out is over
 *
 * Each scenario has its own PostgreSQL, Temporal server (bench/day/temporal.ts),
 * simulator (in this process) and worker process (bench/day/worker-child.ts), and seeds its own
 * accounts; manual accounts are approved, flagged auto ones reviewed and breaks resolved in bulk
 * (bench/day/approver.ts). The clock is bench:day's, stretched by the downtime each scenario causes.
 */
import os from 'node:os';
import type { RunningSim } from '../../src/custodian/sim/server';
import { seedDemoData } from '../../src/demo/seed';
import { nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { tradingDayWorkflowId } from '../../src/workflows/ids';
import type { TradingDayResult } from '../../src/workflows/types';
import { startApprover } from '../day/approver';
import { keepStdoutForJson, onInterrupt, parseFlags, runMain } from '../day/cli';
import { benchClock, benchDayInput } from '../day/clock';
import { type BenchDb, openBenchDb } from '../day/db';
import type { ChildConfig } from '../day/protocol';
import { startBenchSim } from '../day/sim';
import { type BenchTemporal, startBenchTemporal } from '../day/temporal';
import { type RunningWorker, spawnWorker } from '../day/worker-process';
import { seededRandom } from '../engine/generate';
import { ArgError, type ChaosArgs, SCENARIOS, type ScenarioName, USAGE, parseArgs } from './args';
import { type InvariantReport, checkInvariants, positionDiffs } from './invariants';

const log = (m: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const secs = (ms: number) => Math.round(ms / 100) / 10;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

let interrupted = false;

// ---------------------------------------------------------------------------------------------
// The stack of one scenario.

interface Stack {
  bdb: BenchDb;
  temporal: BenchTemporal;
  sim: RunningSim;
  dropDir: string;
  cleanup: { name: string; fn: () => Promise<unknown> | unknown }[];
}

async function startStack(args: ChaosArgs, cleanup: Stack['cleanup']): Promise<Stack> {
  const bdb = await openBenchDb({ pool: 10 });
  cleanup.push({ name: 'database', fn: () => bdb.stop() });
  log(`PostgreSQL: ${bdb.embedded ? `embedded, data ${bdb.dataDir}` : 'DATABASE_URL'}`);
  const temporal = await startBenchTemporal({
    kind: args.server,
    pgUrl: bdb.url,
    embeddedPg: bdb.embedded,
    log,
  });
  cleanup.push({ name: 'temporal', fn: () => temporal.stop() });
  log(temporal.describe);
  const { dropDir, sim } = await startBenchSim({
    url: bdb.url,
    name: 'chaos',
    seed: `chaos-${args.seed}`,
    partialFillRate: args.partialFillRate,
    cleanup,
  });
  log(`custodian simulator on ${sim.url}`);
  return { bdb, temporal, sim, dropDir, cleanup };
}

// ---------------------------------------------------------------------------------------------
// The worker process, kept running: started again whenever it exits, killed on request.

class WorkerSupervisor {
  private current?: RunningWorker;
  private starting?: Promise<RunningWorker | undefined>;
  private stopped = false;
  private killing = false;
  readonly stats = { starts: 0, failedStarts: 0, kills: 0, unexpectedExits: 0, restartMs: [] as number[] };

  constructor(private readonly cfg: ChildConfig) {}

  /** Starts the worker (tries again every 2 s until it polls) and watches it. */
  start(): Promise<RunningWorker | undefined> {
    this.starting ??= (async () => {
      while (!this.stopped && !interrupted) {
        try {
          const w = await spawnWorker(this.cfg, () => {});
          this.stats.starts++;
          this.current = w;
          void w.exited.then((code) => {
            if (this.current !== w) return;
            this.current = undefined;
            if (this.stopped || this.killing) return;
            this.stats.unexpectedExits++;
            log(`worker ${w.pid} exited on its own (${code}): starting another`);
            void this.start();
          });
          return w;
        } catch (e) {
          this.stats.failedStarts++;
          log(`worker did not start: ${(e as Error).message}; again in 2 s`);
          await sleep(2000);
        }
      }
      return undefined;
    })().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** Waits until a worker runs, SIGKILLs it, and starts a new one (resolves once it polls). */
  async killAndRestart(): Promise<{ pid: number; restartMs: number } | undefined> {
    const w = this.current ?? (await this.start());
    if (!w || this.stopped) return undefined;
    this.killing = true;
    w.kill();
    await w.exited;
    this.stats.kills++;
    this.killing = false;
    const t0 = Date.now();
    const next = await this.start();
    if (!next) return undefined;
    const restartMs = Date.now() - t0;
    this.stats.restartMs.push(restartMs);
    return { pid: w.pid, restartMs };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting;
    const w = this.current;
    this.current = undefined;
    if (!w) return;
    const t = setTimeout(() => w.kill(), 15_000);
    await w.stop().catch(() => w.kill());
    clearTimeout(t);
  }

  kill(): void {
    this.stopped = true;
    this.current?.kill();
  }
}

// ---------------------------------------------------------------------------------------------
// The scenarios.

interface DayClock {
  reviewMs: number;
  openMs: number;
  closeMs: number;
  confirmMs: number;
}

interface ChaosContext {
  args: ChaosArgs;
  stack: Stack;
  workers: WorkerSupervisor;
  clock: DayClock;
  /** ms since the day started. */
  elapsed(): number;
  /** Sleeps until `ms` after the day's start; false if the day ended (or the run was interrupted) first. */
  until(ms: number): Promise<boolean>;
  dayOver(): boolean;
}

interface Scenario {
  /** Extra seconds for the review phase and the window: what the trouble costs in downtime. */
  stretch(args: ChaosArgs): { reviewS: number; windowS: number };
  /** Does the damage; resolves with what it did, once everything is back up. */
  run(ctx: ChaosContext): Promise<Record<string, unknown>>;
  /** Was the trouble applied as asked? undefined: yes; otherwise why not. */
  applied(args: ChaosArgs, did: Record<string, unknown>): string | undefined;
}

/** A worker restart (tsx, workflow bundle, connect) on this 2-core machine, used for the clock only. */
const RESTART_ESTIMATE_S = 6;

const scenarios: Record<ScenarioName, Scenario> = {
  'kill-worker': {
    stretch: (a) => ({
      reviewS: Math.ceil(a.kills * RESTART_ESTIMATE_S * 0.4),
      windowS: Math.ceil(a.kills * RESTART_ESTIMATE_S * 0.5),
    }),
    async run(ctx) {
      const rnd = seededRandom(`${ctx.args.seed}/kill-worker`);
      // Seeded instants between 2 s into the day and a little after the confirm time; a kill
      // waits for the previous restart, so late ones slip.
      const from = 2000;
      const to = ctx.clock.confirmMs + 2000;
      const at = Array.from({ length: ctx.args.kills }, () => Math.round(from + rnd() * (to - from))).sort(
        (a, b) => a - b,
      );
      const kills: { plannedAtS: number; atS: number; pid: number; restartS: number }[] = [];
      for (const t of at) {
        if (!(await ctx.until(t))) break;
        const atMs = ctx.elapsed();
        const k = await ctx.workers.killAndRestart();
        if (!k) break;
        kills.push({ plannedAtS: secs(t), atS: secs(atMs), pid: k.pid, restartS: secs(k.restartMs) });
        log(
          `kill ${kills.length}/${at.length} at +${secs(atMs)} s: worker ${k.pid}, back in ${secs(k.restartMs)} s`,
        );
      }
      const r = kills.map((k) => k.restartS).sort((a, b) => a - b);
      return {
        killsPlanned: at.length,
        kills: kills.length,
        restartS: r.length
          ? { min: r[0], median: r[Math.floor(r.length / 2)], max: r[r.length - 1] }
          : undefined,
        killedAtS: kills.map((k) => k.atS),
      };
    },
    applied: (a, did) =>
      (did.kills as number) >= a.kills
        ? undefined
        : `only ${did.kills} of ${a.kills} kills before the day ended`,
  },

  'server-restart': {
    stretch: (a) => ({ reviewS: 0, windowS: Math.ceil(a.serverDownSeconds + 20) }),
    async run(ctx) {
      const at = ctx.clock.openMs + Math.round((ctx.clock.closeMs - ctx.clock.openMs) * 0.3);
      if (!(await ctx.until(at))) return { restarted: false };
      const atS = secs(ctx.elapsed());
      log(`stopping the Temporal ${ctx.stack.temporal.kind} server (SIGTERM) at +${atS} s`);
      const r = await ctx.stack.temporal.restart(ctx.args.serverDownSeconds * 1000);
      log(
        `${ctx.stack.temporal.kind} server back at +${secs(ctx.elapsed())} s (stopped in ${secs(r.stoppedInMs)} s, down ${secs(r.downMs)} s, started in ${secs(r.startedInMs)} s)`,
      );
      return {
        restarted: true,
        atS,
        stoppedInS: secs(r.stoppedInMs),
        downS: secs(r.downMs),
        startedInS: secs(r.startedInMs),
        unavailableS: secs(r.stoppedInMs + r.downMs + r.startedInMs),
      };
    },
    applied: (_a, did) => (did.restarted ? undefined : 'the day ended before the restart'),
  },

  'pg-down': {
    stretch: (a) => ({ reviewS: 0, windowS: Math.ceil(a.pgDownSeconds + 20) }),
    async run(ctx) {
      const server = ctx.stack.bdb.server;
      if (!server) return { stopped: false, note: 'DATABASE_URL: not an embedded server, cannot stop it' };
      const at = ctx.clock.openMs + Math.round((ctx.clock.closeMs - ctx.clock.openMs) * 0.2);
      if (!(await ctx.until(at))) return { stopped: false };
      const atS = secs(ctx.elapsed());
      log(`stopping PostgreSQL at +${atS} s for ${ctx.args.pgDownSeconds} s`);
      const t0 = Date.now();
      await server.stop();
      const t1 = Date.now();
      await sleep(ctx.args.pgDownSeconds * 1000);
      const t2 = Date.now();
      // Started again whatever happens to the day meanwhile: the invariants need the database.
      await server.start();
      const t3 = Date.now();
      log(`PostgreSQL back at +${secs(ctx.elapsed())} s (down ${secs(t3 - t1)} s)`);
      return {
        stopped: true,
        atS,
        stoppedInS: secs(t1 - t0),
        downS: secs(t3 - t1),
        startedInS: secs(t3 - t2),
      };
    },
    applied: (a, did) =>
      did.stopped && (did.downS as number) >= a.pgDownSeconds
        ? undefined
        : `PostgreSQL was not down for ${a.pgDownSeconds} s (${String(did.note ?? 'the day ended first')})`,
  },

  'custodian-faults': {
    stretch: () => ({ reviewS: 0, windowS: 0 }),
    async run(ctx) {
      const faults = async (body: Record<string, number>) => {
        const r = await fetch(`${ctx.stack.sim.url}/sim/v1/faults`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.stack.sim.token}` },
          body: JSON.stringify(body),
        });
        if (!r.ok) throw new Error(`POST /sim/v1/faults: ${r.status} ${await r.text()}`);
        return ((await r.json()) as { faults: unknown }).faults;
      };
      const on = await faults({ errorRate: ctx.args.errorRate, latencyMs: ctx.args.latencyMs });
      const onAtS = secs(ctx.elapsed());
      log(`custodian faults on at +${onAtS} s: ${JSON.stringify(on)}`);
      // The whole window and its close-out (cancels and final polls), up to the confirm time.
      await ctx.until(ctx.clock.confirmMs);
      const state = (await (
        await fetch(`${ctx.stack.sim.url}/sim/v1/faults`, {
          headers: { authorization: `Bearer ${ctx.stack.sim.token}` },
        })
      ).json()) as {
        injected: { errors: number; droppedResponses: number };
      };
      await faults({ errorRate: 0, dropResponseRate: 0, latencyMs: 0 });
      const offAtS = secs(ctx.elapsed());
      log(`custodian faults off at +${offAtS} s: ${JSON.stringify(state.injected)} injected`);
      return { faults: on, onAtS, offAtS, injected: state.injected };
    },
    applied: (a, did) =>
      a.errorRate === 0 || ((did.injected as { errors: number } | undefined)?.errors ?? 0) > 0
        ? undefined
        : 'no fault was injected',
  },
};

function clockFor(args: ChaosArgs, s: Scenario): DayClock & { reviewS: number; windowS: number } {
  const extra = s.stretch(args);
  const reviewS = args.reviewSeconds + extra.reviewS;
  const windowS = args.windowSeconds + extra.windowS;
  return { ...benchClock(reviewS, windowS, args.confirmDelaySeconds), reviewS, windowS };
}

interface ScenarioResult {
  scenario: ScenarioName;
  ok: boolean;
  failed: string[];
  [k: string]: unknown;
}

async function runScenario(name: ScenarioName, args: ChaosArgs): Promise<ScenarioResult> {
  const scenario = scenarios[name];
  const cleanup: Stack['cleanup'] = [];
  const runStart = Date.now();
  const tradeDate = nextTradingDay(utcToEtDate(new Date().toISOString()));
  let workers: WorkerSupervisor | undefined;
  try {
    log(`=== ${name}: ${args.accounts} accounts, trade date ${tradeDate}`);
    const stack = await startStack(args, cleanup);
    const { bdb, temporal } = stack;
    const seedStart = Date.now();
    await seedDemoData(bdb.db, { asOf: tradeDate, accounts: args.accounts });
    log(`seeded ${args.accounts} accounts in ${secs(Date.now() - seedStart)} s`);
    const positionsBefore = await positionDiffs(bdb.db);

    const taskQueue = `chaos-${name}-${process.pid}`;
    workers = new WorkerSupervisor({
      mode: 'day',
      address: temporal.address,
      namespace: 'default',
      taskQueue,
      databaseUrl: bdb.url,
      custodianUrl: stack.sim.url,
      custodianToken: stack.sim.token,
      dropDir: stack.dropDir,
      dbPool: 10,
    });
    const first = await workers.start();
    if (!first) throw new Error('interrupted');
    const supervisor = workers;

    const clock = clockFor(args, scenario);
    const dayStart = Date.now();
    const at = (ms: number) => new Date(dayStart + ms).toISOString();
    const input = benchDayInput(tradeDate, dayStart, clock, args);
    log(
      `day started: cut-off +${secs(clock.reviewMs)} s, window +${secs(clock.openMs)}–${secs(clock.closeMs)} s, confirms +${secs(clock.confirmMs)} s`,
    );
    const dayId = tradingDayWorkflowId(tradeDate);
    await temporal.client.workflow.start('DailyTradingDay', { taskQueue, workflowId: dayId, args: [input] });
    const approver = startApprover({ db: bdb.db, client: temporal.client, tradeDate, concurrency: 32 });

    let dayOver = false;
    const ctx: ChaosContext = {
      args,
      stack,
      workers: supervisor,
      clock,
      elapsed: () => Date.now() - dayStart,
      dayOver: () => dayOver || interrupted,
      async until(ms) {
        while (!ctx.dayOver() && ctx.elapsed() < ms) await sleep(Math.min(250, ms - ctx.elapsed()));
        return !ctx.dayOver();
      },
    };
    const chaos = scenario.run(ctx).catch((e: Error) => ({ error: e.message }));

    // Wait for the day: describe() every 2 s, tolerating a server that is down for a while.
    const deadline = dayStart + args.timeoutMinutes * 60_000;
    let dayStatus = 'RUNNING';
    let lastProgress = 0;
    while (!interrupted && Date.now() < deadline) {
      try {
        dayStatus = (await temporal.client.workflow.getHandle(dayId).describe()).status.name;
        if (dayStatus !== 'RUNNING') break;
      } catch {
        // Temporal down (server-restart) or unreachable for a moment: ask again.
      }
      if (Date.now() - lastProgress > 15_000) {
        lastProgress = Date.now();
        const n = await bdb
          .db('proposals')
          .where({ trade_date: tradeDate })
          .groupBy('status')
          .select('status')
          .count('* as n')
          .catch(() => []);
        log(
          `+${secs(ctx.elapsed())} s: day ${dayStatus}; proposals ${n.map((r) => `${r.status} ${r.n}`).join(', ') || '–'}`,
        );
      }
      await sleep(2000);
    }
    dayOver = true;
    const dayEnd = Date.now();
    const did = await chaos;
    const approverStats = await approver.stop();
    log(`day ${dayStatus} after ${secs(dayEnd - dayStart)} s; checking invariants`);
    if (dayStatus === 'RUNNING') {
      await temporal.client.workflow
        .getHandle(dayId)
        .terminate(interrupted ? 'chaos interrupted' : 'chaos timeout')
        .catch(() => undefined);
    }
    await workers.stop();

    let result: TradingDayResult | undefined;
    if (dayStatus === 'COMPLETED') result = await temporal.client.workflow.getHandle(dayId).result();
    const invariants: InvariantReport = await checkInvariants({
      db: bdb.db,
      client: temporal.client,
      tradeDate,
      positionsBefore,
      window: { open: at(clock.openMs), close: at(clock.closeMs) },
    });
    const notApplied = 'error' in did ? `scenario failed: ${String(did.error)}` : scenario.applied(args, did);
    const failed = [...invariants.failed, ...(notApplied ? ['chaosApplied'] : [])];
    return {
      scenario: name,
      ok: failed.length === 0,
      failed,
      accounts: args.accounts,
      tradeDate,
      seed: args.seed,
      chaos: { ...did, applied: notApplied ?? true },
      clock: {
        note: 'seconds after the day started (bench:day budgets plus the scenario stretch)',
        approvalCutoff: secs(clock.reviewMs),
        windowOpen: secs(clock.openMs),
        windowClose: secs(clock.closeMs),
        confirmAt: secs(clock.confirmMs),
        fillPollSeconds: args.fillPollSeconds,
        partialFillRate: args.partialFillRate,
      },
      day: {
        status: dayStatus,
        wallS: secs(dayEnd - dayStart),
        afterConfirmAtS: secs(dayEnd - dayStart - clock.confirmMs),
        byStage: result?.byStage,
        ordersFilled: result?.ordersFilled,
        confirms: result?.confirms,
      },
      workers: { ...supervisor.stats, restartMs: undefined },
      approver: { ...approverStats, firstAt: undefined, lastAt: undefined },
      invariants: invariants.checks,
      runS: secs(Date.now() - runStart),
    };
  } catch (e) {
    log(`${name} failed: ${(e as Error).stack ?? e}`);
    return {
      scenario: name,
      ok: false,
      failed: ['run'],
      error: (e as Error).message,
      runS: secs(Date.now() - runStart),
    };
  } finally {
    workers?.kill();
    for (const c of cleanup.reverse()) {
      try {
        await c.fn();
      } catch (e) {
        log(`cleanup ${c.name}: ${(e as Error).message}`);
      }
    }
  }
}

async function main(): Promise<number> {
  keepStdoutForJson();
  const args = parseFlags('chaos', parseArgs, ArgError, USAGE);
  if (!args) return 2;
  onInterrupt(() => {
    interrupted = true;
  });
  const results: ScenarioResult[] = [];
  const start = Date.now();
  for (const name of args.scenarios) {
    if (interrupted) break;
    const r = await runScenario(name, args);
    results.push(r);
    process.stdout.write(`${JSON.stringify(r)}\n`);
    log(`${name}: ${r.ok ? 'OK' : `FAILED (${r.failed.join(', ')})`}`);
  }
  const summary = {
    summary: 'chaos',
    ok: results.length === args.scenarios.length && results.every((r) => r.ok),
    command: `npm run -s chaos -- ${process.argv.slice(2).join(' ')}`.trim(),
    server: args.server,
    accounts: args.accounts,
    kills: args.scenarios.includes('kill-worker') ? args.kills : undefined,
    seed: args.seed,
    scenarios: Object.fromEntries(
      results.map((r) => [r.scenario, r.ok ? 'ok' : `failed: ${r.failed.join(', ')}`]),
    ),
    notRun: SCENARIOS.filter((s) => args.scenarios.includes(s) && !results.some((r) => r.scenario === s)),
    interrupted,
    machine: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    totalS: secs(Date.now() - start),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return summary.ok ? 0 : 1;
}

runMain('chaos', main);
