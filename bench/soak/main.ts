/**
 * `npm run -s soak -- --days 21 --accounts 500 [--seed S] [--splits]`: a simulated month. The demo
 * accounts are seeded once (src/demo/seed.ts), then `--days` consecutive trading days run on
 * bench:day's compressed clock, each started from what the previous one left, with the seeded life
 * events of ./events.ts put in before each morning. After each day the invariants of
 * bench/chaos/invariants.ts and ./invariants.ts are checked from the databases.
 *
 * stdout: one JSON line per day, then a summary line; progress on stderr. Exit code 0 when every
 * day completed with every invariant holding, 1 otherwise, 2 on a usage error.
 * The stack is its own (./stack.ts): free ports, its own data directories, removed at the end.
 */
import os from 'node:os';
import { BREAK_ACCOUNT, seedDemoData } from '../../src/demo/seed';
import { nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { type InvariantCheck, checkInvariants, positionDiffs } from '../chaos/invariants';
import { keepStdoutForJson, onInterrupt, parseFlags, runMain } from '../day/cli';
import { CpuSampler } from '../day/cpu';
import { ArgError, type SoakArgs, USAGE, parseArgs } from './args';
import { type DayRun, runDay } from './day';
import {
  type DayEvents,
  EVENT_KINDS,
  applyBookChanges,
  applyLifeEvents,
  plantSettlementFail,
} from './events';
import { type PlantedBreak, checkSoakDay, postedToday } from './invariants';
import { type SoakStack, startSoakStack } from './stack';

const log = (m: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const secs = (ms: number) => Math.round(ms / 100) / 10;

let interrupted = false;

interface DayLine {
  soak: 'day';
  day: number;
  date: string;
  ok: boolean;
  failed: string[];
  [k: string]: unknown;
}

/** A check as the day's line shows it: pass/fail, its counts, and the offending rows when it failed. */
function summarize(c: InvariantCheck) {
  return c.ok ? { ok: true, ...c.details } : { ok: false, ...c.details, violations: c.violations };
}

async function soakDay(
  stack: SoakStack,
  args: SoakArgs,
  day: number,
  tradeDate: string,
  ctx: {
    cpu: CpuSampler;
    breakAccounts: Set<string>;
    deliberate: Awaited<ReturnType<typeof positionDiffs>>;
    /** Events already put in for a later morning, by the date that reports them. */
    planned: Map<string, DayEvents>;
    /** Genuine breaks planted so far (the mornings they must show on). */
    plantedBreaks: PlantedBreak[];
  },
): Promise<{ line: DayLine; run: DayRun }> {
  const db = stack.bdb.db;
  // A morning's files are built once, at the confirms of the day before (the next morning's
  // trades): what that morning reports is put in before the day before starts.
  const plan = (date: string, dayIndex: number) =>
    applyLifeEvents(db, {
      seed: args.seed,
      tradeDate: date,
      dayIndex,
      splits: args.splits,
      breakAccounts: ctx.breakAccounts,
    });
  const events = ctx.planned.get(tradeDate) ?? (await plan(tradeDate, day - 1));
  if (day < args.days) ctx.planned.set(nextTradingDay(tradeDate), await plan(nextTradingDay(tradeDate), day));
  const book = await applyBookChanges(db, { tradeDate, dayIndex: day - 1, breakAccounts: ctx.breakAccounts });
  Object.assign(events.byKind, book.byKind);
  const run = await runDay({
    stack,
    args,
    tradeDate,
    breakAccounts: ctx.breakAccounts,
    cpu: ctx.cpu,
    log,
    interrupted: () => interrupted,
  });
  log(`day ${day} ${tradeDate}: ${run.completed ? 'completed' : run.error} in ${run.wallS} s; checking`);
  const planted = await plantSettlementFail(db, {
    tradeDate,
    dayIndex: day - 1,
    breakAccounts: ctx.breakAccounts,
  });
  if (planted) {
    ctx.plantedBreaks.push(planted);
    events.byKind.SETTLEMENT_FAIL_PLANTED = 1;
  }
  const t0 = Date.now();
  const chaos = await checkInvariants({
    db,
    client: stack.temporal.client,
    tradeDate,
    window: run.window,
  });
  const soak = await checkSoakDay({
    db,
    client: stack.temporal.client,
    tradeDate,
    result: run.result,
    dayStartedAt: run.startedAt,
    breakAccounts: ctx.breakAccounts,
    deliberate: ctx.deliberate,
    planted: ctx.plantedBreaks,
  });
  const checks = [...chaos.checks, ...soak];
  const failed = checks.filter((c) => !c.ok).map((c) => c.name);
  if (!run.completed) failed.unshift('dayRan');
  const line: DayLine = {
    soak: 'day',
    day,
    date: tradeDate,
    ok: failed.length === 0,
    failed,
    error: run.error,
    accounts: run.result?.accounts,
    accountsByStage: run.result?.byStage,
    events: events.byKind,
    decisions: run.decisions,
    postedByTheSync: await postedToday(db, tradeDate),
    ordersFilled: run.result?.ordersFilled,
    blocks: run.result?.blocks,
    confirms: run.result?.confirms,
    invariants: Object.fromEntries(checks.map((c) => [c.name, summarize(c)])),
    wallS: run.wallS,
    checkS: secs(Date.now() - t0),
    cpuSeconds: { total: run.cpu.totalS, ...run.cpu.seconds },
    machineBusyPct: run.cpu.machineBusyPct,
    othersOnMachineCpuS: run.cpu.othersOnMachineS,
    workerPeakRssMiB: run.workerPeakRssMiB,
    largestHistory: run.largestHistory,
  };
  return { line, run };
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  return a && b ? Math.round((b / a) * 100) / 100 : null;
}

async function main(): Promise<number> {
  keepStdoutForJson();
  const args = parseFlags('soak', parseArgs, ArgError, USAGE);
  if (!args) return 2;
  onInterrupt(() => {
    interrupted = true;
  });
  const start = Date.now();
  const cpu = new CpuSampler();
  cpu.start();
  const lines: DayLine[] = [];
  const runs: DayRun[] = [];
  const first = nextTradingDay(utcToEtDate(new Date().toISOString()));
  let stack: SoakStack | undefined;
  let error: string | undefined;
  let worker: Awaited<ReturnType<SoakStack['stop']>>;
  const loadAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  try {
    log(`${args.days} days × ${args.accounts} accounts from ${first}, seed ${args.seed}`);
    stack = await startSoakStack({ seed: args.seed, partialFillRate: args.partialFillRate, log });
    cpu.roles.set(stack.worker.pid, 'worker');
    const s0 = Date.now();
    await seedDemoData(stack.bdb.db, { asOf: first, accounts: args.accounts });
    log(`seeded ${args.accounts} accounts in ${secs(Date.now() - s0)} s`);
    const breakAccounts = new Set(
      (await stack.bdb.db('accounts').where({ id: BREAK_ACCOUNT }).select('id')).map((r) => r.id as string),
    );
    // The seed's deliberate differences (ACC011's BND): they must stay exactly as they are.
    const deliberate = await positionDiffs(stack.bdb.db);
    const planned = new Map<string, DayEvents>();
    const plantedBreaks: PlantedBreak[] = [];
    let tradeDate = first;
    for (let day = 1; day <= args.days && !interrupted; day++) {
      const { line, run } = await soakDay(stack, args, day, tradeDate, {
        cpu,
        breakAccounts,
        deliberate,
        planned,
        plantedBreaks,
      });
      lines.push(line);
      runs.push(run);
      process.stdout.write(`${JSON.stringify(line)}\n`);
      log(`day ${day} ${tradeDate}: ${line.ok ? 'OK' : `FAILED (${line.failed.join(', ')})`}`);
      // A day that did not finish leaves the next one nothing sound to start from.
      if (!run.completed) break;
      tradeDate = nextTradingDay(tradeDate);
    }
  } catch (e) {
    error = (e as Error).stack ?? String(e);
    log(`run failed: ${error}`);
  } finally {
    worker = await stack?.stop();
    cpu.stop();
  }

  const failedChecks: Record<string, number> = {};
  for (const l of lines) for (const f of l.failed) failedChecks[f] = (failedChecks[f] ?? 0) + 1;
  const events: Record<string, number> = {};
  for (const l of lines)
    for (const [k, v] of Object.entries(l.events as Record<string, number>)) events[k] = (events[k] ?? 0) + v;
  const decisions: Record<string, number> = {};
  for (const r of runs)
    for (const [k, v] of Object.entries(r.decisions))
      if (typeof v === 'number') decisions[k] = (decisions[k] ?? 0) + v;
  const walls = runs.map((r) => r.wallS).sort((a, b) => a - b);
  const firstRun = runs[0];
  const lastRun = runs[runs.length - 1];
  const last = {
    wall: ratio(firstRun?.wallS, lastRun?.wallS),
    cpu: ratio(firstRun?.cpu.totalS, lastRun?.cpu.totalS),
    largestHistoryEvents: ratio(firstRun?.largestHistory?.events, lastRun?.largestHistory?.events),
    largestHistoryBytes: ratio(firstRun?.largestHistory?.protoBytes, lastRun?.largestHistory?.protoBytes),
  };
  // Issue #12: the last day costs what the first does, within 20 %. One-sided: a day that costs
  // less than the first (which also warms the worker up) is not a growth with history.
  const costGrowth = Object.fromEntries(
    (['wall', 'cpu', 'largestHistoryEvents'] as const).map((k) => [k, last[k] === null || last[k]! <= 1.2]),
  );
  const costFlat = lines.length < 2 || Object.values(costGrowth).every(Boolean);
  const summary = {
    summary: 'soak',
    ok: !error && lines.length === args.days && lines.every((l) => l.ok) && costFlat,
    costFlat: { ok: costFlat, within20pct: costGrowth },
    command: `npm run -s soak -- ${process.argv.slice(2).join(' ')}`.trim(),
    days: args.days,
    daysRun: lines.length,
    daysOk: lines.filter((l) => l.ok).length,
    accounts: args.accounts,
    seed: args.seed,
    splits: args.splits,
    dates: lines.length ? { first: lines[0]!.date, last: lines[lines.length - 1]!.date } : undefined,
    failedChecks,
    events: Object.fromEntries(EVENT_KINDS.filter((k) => events[k]).map((k) => [k, events[k]])),
    decisions,
    dayWallS: walls.length
      ? { min: walls[0], median: walls[Math.floor(walls.length / 2)], max: walls[walls.length - 1] }
      : undefined,
    // The last day against the first: wall, stack CPU and the largest history (issue #12: within 20%).
    lastVsFirstDay: firstRun && lastRun && last,
    clock: {
      reviewSeconds: args.reviewSeconds,
      windowSeconds: args.windowSeconds,
      confirmDelaySeconds: args.confirmDelaySeconds,
      partialFillRate: args.partialFillRate,
      rejectRate: args.rejectRate,
      expireRate: args.expireRate,
    },
    worker: worker && {
      peakRssMiB: worker.peakRssMiB,
      cpuSeconds: worker.cpuSeconds,
      cacheEvictions: worker.core.sticky_cache_total_forced_eviction,
    },
    interrupted,
    error,
    machine: {
      cpus: os.cpus().length,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadavgAtStart: loadAtStart,
      loadavgAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    totalS: secs(Date.now() - start),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return summary.ok ? 0 : 1;
}

runMain('soak', main);
