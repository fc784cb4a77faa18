/**
 * Starting and following a trading day from the command line: the trade date a command means, the
 * calendar check, the demo clock, the day's start (idempotent) and a Temporal client.
 */
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import { z } from 'zod';
import { type AppConfig, loadConfig } from '../config';
import {
  type DayClock,
  assertCoveredTradeDate,
  dayClock,
  isTradingDay,
  nextTradingDay,
  utcToEtDate,
} from '../domain/calendar';
import { calendarCoverageWarning } from '../domain/calendar-coverage';
import { tradingDayWorkflowId } from '../workflows/ids';
import type { TradingDayInput } from '../workflows/types';
import { openTemporal } from './runtime';

export const say = (m: string) => process.stdout.write(`${m}\n`);
export const zDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '--date must be YYYY-MM-DD');

export function todayEt(): string {
  return utcToEtDate(new Date().toISOString());
}

/** Today if it is a trading day whose window has not closed yet, else the next trading day. */
export function defaultTradeDate(realClock: boolean): string {
  const today = todayEt();
  if (isTradingDay(today) && (!realClock || Date.parse(dayClock(today).windowClose) > Date.now()))
    return today;
  return nextTradingDay(today);
}

/**
 * A trade date beyond the calendar's coverage is refused before anything starts (the error says what
 * to do); near the end, the warning is printed (docs/calendar.md).
 */
export function checkCalendar(tradeDate: string): void {
  assertCoveredTradeDate(tradeDate);
  const today = todayEt();
  const warning = calendarCoverageWarning(tradeDate > today ? tradeDate : today);
  if (warning) say(`WARNING ${warning.message}`);
}

/** A compressed day for demos: cut-off in 3 minutes, window 3–6 minutes, confirms at 7. */
export function demoClock(): DayClock {
  const at = (s: number) => new Date(Date.now() + s * 1000).toISOString();
  return { approvalCutoff: at(180), windowOpen: at(185), windowClose: at(360), confirmAt: at(420) };
}

export function clockSettings(cfg: AppConfig) {
  return {
    approvalCutoffEt: cfg.APPROVAL_CUTOFF_ET,
    windowOpenEt: cfg.WINDOW_OPEN_ET,
    windowCloseEt: cfg.WINDOW_CLOSE_ET,
    confirmAtEt: cfg.CONFIRM_AT_ET,
  };
}

export async function startDay(client: Client, cfg: AppConfig, input: TradingDayInput) {
  const workflowId = tradingDayWorkflowId(input.tradeDate);
  try {
    const handle = await client.workflow.start('DailyTradingDay', {
      taskQueue: cfg.TASK_QUEUE,
      workflowId,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return { handle, started: true };
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    return { handle: client.workflow.getHandle(workflowId), started: false };
  }
}

export async function withClient<T>(fn: (client: Client, cfg: AppConfig) => Promise<T>): Promise<T> {
  const cfg = loadConfig();
  const temporal = await openTemporal(cfg, { startDevServer: false });
  try {
    return await fn(new Client({ connection: temporal.client, namespace: cfg.TEMPORAL_NAMESPACE }), cfg);
  } finally {
    await temporal.stop();
  }
}
