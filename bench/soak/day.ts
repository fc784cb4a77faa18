/**
 * One trading day of the soak on bench:day's compressed clock, on the run's worker (./stack.ts):
 * `DailyTradingDay` started with the clock fixed from now (cut-off,
 * window, confirms), the advisors and ops of bench/day/approver.ts deciding as the soak's advisors
 * do (seeded rejections; only the deliberate break accounts' breaks resolved), and the day's cost:
 * wall and CPU seconds, the worker's largest RSS during the day, the largest workflow histories.
 */
import type { Knex } from 'knex';
import { accountBatchWorkflowId, accountDayWorkflowId, tradingDayWorkflowId } from '../../src/workflows/ids';
import type { TradingDayResult } from '../../src/workflows/types';
import { type ApproverStats, startApprover } from '../day/approver';
import { benchClock, benchDayInput } from '../day/clock';
import type { CpuSampler } from '../day/cpu';
import { type HistoryReport, busiestAccounts, measureHistories } from '../day/history';
import { seededRandom } from '../engine/generate';
import type { SoakArgs } from './args';
import type { SoakStack } from './stack';

const secs = (ms: number) => Math.round(ms / 100) / 10;

export interface DayRun {
  completed: boolean;
  result?: TradingDayResult;
  /** ISO instant the day's workflow was started (audit rows before it belong to earlier days). */
  startedAt: string;
  window: { open: string; close: string };
  wallS: number;
  cpu: ReturnType<CpuSampler['between']> & { totalS: number };
  /** The worker's largest RSS in its progress messages during the day. */
  workerPeakRssMiB?: number;
  decisions: Omit<ApproverStats, 'firstAt' | 'lastAt'>;
  largestHistory?: { workflowId: string; events: number; protoBytes: number };
  error?: string;
}

/**
 * A MANUAL account's advisor: rejects a seeded share of proposals and lets another share expire
 * (never answers), never one that raises the cash of a withdrawal the book has to pay (the soak
 * checks every withdrawal is paid in time).
 */
export function advisorDecision(db: Knex, args: Pick<SoakArgs, 'seed' | 'rejectRate' | 'expireRate'>) {
  return async (p: { proposalId: string; accountId: string }): Promise<'APPROVE' | 'REJECT' | 'IGNORE'> => {
    const r = seededRandom(`${args.seed}/decide/${p.proposalId}`)();
    if (r >= args.rejectRate + args.expireRate) return 'APPROVE';
    const open = await db('cash_flows')
      .where({ account_id: p.accountId, type: 'WITHDRAWAL' })
      .whereIn('status', ['PENDING', 'SENT'])
      .first('id');
    if (open) return 'APPROVE';
    return r < args.rejectRate ? 'REJECT' : 'IGNORE';
  };
}

export async function runDay(opts: {
  stack: SoakStack;
  args: SoakArgs;
  tradeDate: string;
  breakAccounts: Set<string>;
  cpu: CpuSampler;
  log: (m: string) => void;
  interrupted: () => boolean;
}): Promise<DayRun> {
  const { stack, args, tradeDate, log } = opts;
  const { bdb, temporal } = stack;
  let peakRss: number | undefined;
  stack.onProgress = (p) => {
    peakRss = Math.max(peakRss ?? 0, p.rssMiB);
    log(
      `${tradeDate}: past review ${p.pastReview}/${args.accounts}, worker rss ${p.rssMiB} MiB, ${Object.entries(
        p.counts,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  };
  const dayStart = Date.now();
  const clock = benchClock(args.reviewSeconds, args.windowSeconds, args.confirmDelaySeconds);
  const input = benchDayInput(tradeDate, dayStart, clock, args);
  const at = (ms: number) => new Date(dayStart + ms).toISOString();
  const dayId = tradingDayWorkflowId(tradeDate);
  const handle = await temporal.client.workflow.start('DailyTradingDay', {
    taskQueue: stack.taskQueue,
    workflowId: dayId,
    args: [input],
  });
  const approver = startApprover({
    db: bdb.db,
    client: temporal.client,
    tradeDate,
    concurrency: 32,
    decide: advisorDecision(bdb.db, args),
    resolvesBreaksOf: (id) => opts.breakAccounts.has(id),
  });

  let result: TradingDayResult | undefined;
  let error: string | undefined;
  const deadline = dayStart + args.dayTimeoutMinutes * 60_000;
  const done = handle.result().then(
    (r: TradingDayResult) => {
      result = r;
    },
    (e: Error) => {
      error = e.message;
    },
  );
  while (result === undefined && error === undefined && Date.now() < deadline && !opts.interrupted())
    await Promise.race([done, new Promise((r) => setTimeout(r, 1000))]);
  const dayEnd = Date.now();
  const decisions = await approver.stop();
  if (!result && !error) {
    error = opts.interrupted() ? 'interrupted' : `timed out after ${args.dayTimeoutMinutes} min`;
    await handle.terminate(`soak: ${error}`).catch(() => undefined);
  }
  const cpu = opts.cpu.between(dayStart, dayEnd);
  const largest = await dayHistories(stack, tradeDate, args).catch((e: Error) => {
    log(`${tradeDate}: history measurement failed: ${e.message}`);
    return undefined;
  });
  return {
    completed: result !== undefined,
    result,
    startedAt: new Date(dayStart).toISOString(),
    window: { open: at(clock.openMs), close: at(clock.closeMs) },
    wallS: secs(dayEnd - dayStart),
    cpu: {
      ...cpu,
      totalS: Math.round(Object.values(cpu.seconds).reduce((a, b) => a + b, 0) * 10) / 10,
    },
    workerPeakRssMiB: peakRss,
    decisions: { ...decisions, firstAt: undefined, lastAt: undefined } as DayRun['decisions'],
    largestHistory: largest && {
      workflowId: largest.largestByEvents.workflowId,
      events: largest.largestByEvents.events,
      protoBytes: largest.largestByBytes.protoBytes,
    },
    error,
  };
}

/** The day's workflow, its batches, and the account days with the most orders. */
async function dayHistories(stack: SoakStack, tradeDate: string, args: SoakArgs): Promise<HistoryReport> {
  const busiest = await busiestAccounts(stack.bdb.db, tradeDate, 5);
  const batches = Math.ceil(args.accounts / args.batchSize);
  return measureHistories(stack.temporal.client, [
    { kind: 'DailyTradingDay', ids: [tradingDayWorkflowId(tradeDate)] },
    {
      kind: 'AccountBatch',
      ids: Array.from({ length: Math.min(batches, 10) }, (_, b) => accountBatchWorkflowId(tradeDate, b)),
    },
    { kind: 'AccountDay', ids: busiest.map((a) => accountDayWorkflowId(tradeDate, a)) },
  ]);
}
