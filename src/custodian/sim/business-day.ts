/**
 * The simulated custodian's business day. The simulator only moves forward: a process date's
 * morning files are built once (sim.file_sets records which: ./corporate-action-apply.ts's
 * openMorning, which applies that morning's corporate actions first), so anything that happens now is
 * reported in a morning not delivered yet. "Today" is the later of the simulator clock's New York
 * date and the latest process date whose files were built (a compressed or time-skipped day runs
 * ahead of the wall clock; the files it asked for say where it is).
 */
import type { Knex } from 'knex';
import { nextTradingDay, utcToEtDate } from '../../domain/calendar';

/** The latest process date whose morning files were built, if any. */
export async function latestFileSet(db: Knex): Promise<string | undefined> {
  const row = (await db('sim.file_sets').max({ d: 'process_date' }).first()) as
    | { d: string | null }
    | undefined;
  return row?.d ?? undefined;
}

/** The simulator's business date: the clock's ET date, or the latest morning built if later. */
export async function businessDate(db: Knex, now: Date): Promise<string> {
  const et = utcToEtDate(now.toISOString());
  const latest = await latestFileSet(db);
  return latest !== undefined && latest > et ? latest : et;
}

/** The morning that reports what happens now: the trading day after the business date. */
export async function nextReportDate(db: Knex, now: Date): Promise<string> {
  return nextTradingDay(await businessDate(db, now));
}
