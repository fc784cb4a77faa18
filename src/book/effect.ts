/**
 * When a change takes effect. The day's scan of an account reads its model, settings and
 * restrictions once (proposeTrades, recorded in `account_scans`; a proposal of the day counts as
 * well); the account's day takes its mode when the day starts (after the morning files). A change
 * made after that applies from the next trading day, and the answer says so.
 */
import type { Knex } from 'knex';
import { isTradingDay, nextTradingDay } from '../domain/calendar';

export interface Effect {
  /** The first trade date the change is used on. */
  appliesFrom: string;
  detail: string;
  /** Accounts whose scan today already ran (the change reaches them tomorrow); at most 50 listed. */
  scannedToday: string[];
  scannedTodayCount: number;
}

/** What the change touches: the scan's inputs (model, settings, restrictions, household) or the day's start (mode). */
export type EffectKind = 'scan' | 'day';

function tradingToday(today: string): boolean {
  try {
    return isTradingDay(today);
  } catch {
    return false;
  }
}

function nextDay(today: string): string {
  try {
    return nextTradingDay(today);
  } catch {
    return today;
  }
}

/** Accounts (of `accountIds`, or all when undefined) whose scan ran on `date`. */
export async function scannedOn(db: Knex, date: string, accountIds?: readonly string[]): Promise<string[]> {
  const only = (q: Knex.QueryBuilder, col: string) => (accountIds ? q.whereIn(col, accountIds) : q);
  const rows: { account_id: string }[] = await db
    .from(
      db('account_scans')
        .where({ trade_date: date })
        .modify((q) => only(q, 'account_id'))
        .select('account_id')
        .union((u) =>
          u
            .from('proposals')
            .where({ trade_date: date })
            .modify((q) => only(q, 'account_id'))
            .select('account_id'),
        )
        .as('s'),
    )
    .distinct('account_id')
    .orderBy('account_id');
  return rows.map((r) => r.account_id);
}

/** Whether the trading day `date` has started (its morning files are in). */
export async function dayStarted(db: Knex, date: string): Promise<boolean> {
  const row = await db('custodian_files').where({ process_date: date, status: 'INGESTED' }).first('id');
  return row !== undefined;
}

export async function effectOf(
  db: Knex,
  today: string,
  kind: EffectKind,
  accountIds: readonly string[],
): Promise<Effect> {
  if (!tradingToday(today)) {
    const from = nextDay(today);
    return {
      appliesFrom: from,
      detail: `${today} is not a trading day: the change applies from ${from}`,
      scannedToday: [],
      scannedTodayCount: 0,
    };
  }
  if (accountIds.length === 0) {
    return {
      appliesFrom: today,
      detail: 'no account is affected yet',
      scannedToday: [],
      scannedTodayCount: 0,
    };
  }
  const tomorrow = nextDay(today);
  if (kind === 'day') {
    if (await dayStarted(db, today)) {
      return {
        appliesFrom: tomorrow,
        detail: `the trading day ${today} has started (its accounts were taken with their mode): the change applies from ${tomorrow}`,
        scannedToday: [...accountIds].slice(0, 50),
        scannedTodayCount: accountIds.length,
      };
    }
    return {
      appliesFrom: today,
      detail: `applies from today (${today})`,
      scannedToday: [],
      scannedTodayCount: 0,
    };
  }
  const scanned = await scannedOn(db, today, accountIds.length > 500 ? undefined : accountIds);
  const mine = new Set(accountIds);
  const hit = scanned.filter((a) => mine.has(a));
  if (hit.length === 0) {
    return {
      appliesFrom: today,
      detail: `applies from today's scan (${today})`,
      scannedToday: [],
      scannedTodayCount: 0,
    };
  }
  const all = hit.length === accountIds.length;
  return {
    appliesFrom: all ? tomorrow : today,
    detail: all
      ? `today's scan (${today}) already ran: the change applies from ${tomorrow}`
      : `${hit.length} of ${accountIds.length} accounts were scanned today (${today}): they see the change from ${tomorrow}, the others today`,
    scannedToday: hit.slice(0, 50),
    scannedTodayCount: hit.length,
  };
}

/** Records that the day's scan of the account ran (called by proposeTrades; idempotent). */
export async function recordScan(
  db: Knex,
  s: { accountId: string; tradeDate: string; modelId: string; modelVersion: number },
): Promise<void> {
  await db('account_scans')
    .insert({
      account_id: s.accountId,
      trade_date: s.tradeDate,
      model_id: s.modelId,
      model_version: s.modelVersion,
    })
    .onConflict(['account_id', 'trade_date'])
    .ignore();
}
