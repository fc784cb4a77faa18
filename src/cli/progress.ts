/**
 * A live view of one trading day: accounts per stage, from the `Stage` search attribute; with the
 * book, an account whose day ended before its trading did (`Traded`, `Approved`: its batch books
 * and matches it) is listed as the book says (src/metrics/book-stage.ts), in one query.
 */
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { endedBeforeBook, stagesByBook } from '../metrics/book-stage';
import { SA } from '../workflows/search-attributes';
import { ACCOUNT_STAGES_FOR_PROGRESS, FINAL_STAGES } from '../workflows/stages';

const FINAL: ReadonlySet<string> = FINAL_STAGES;
/** Stages as the bar lists them: work in progress in pipeline order, then the ends. */
const ORDER: readonly string[] = ACCOUNT_STAGES_FOR_PROGRESS;

export interface DayProgress {
  total: number;
  /** Accounts whose day has ended (by the `Stage` it ended in; its batch may still book it). */
  finished: number;
  byStage: Record<string, number>;
  accountsByStage: Record<string, string[]>;
}

export async function dayProgress(client: Client, tradeDate: string, db?: Knex): Promise<DayProgress> {
  const byStage: Record<string, number> = {};
  const accountsByStage: Record<string, string[]> = {};
  let total = 0;
  let finished = 0;
  const listed: { account: string; stage: string }[] = [];
  const query = `WorkflowType="AccountDay" AND TradeDate="${tradeDate}"`;
  for await (const wf of client.workflow.list({ query })) {
    const stage = wf.typedSearchAttributes.get(SA.Stage) ?? 'Starting';
    const account = wf.typedSearchAttributes.get(SA.AccountId) ?? wf.workflowId;
    total++;
    if (FINAL.has(stage)) finished++;
    listed.push({ account, stage });
  }
  const ended = listed.flatMap((l) =>
    endedBeforeBook(l.stage) ? [{ accountId: l.account, stage: l.stage }] : [],
  );
  const byBook =
    db && ended.length > 0 ? await stagesByBook(db, tradeDate, ended) : new Map<string, string>();
  for (const { account, stage: shown } of listed) {
    const stage = byBook.get(account) ?? shown;
    byStage[stage] = (byStage[stage] ?? 0) + 1;
    accountsByStage[stage] = [...(accountsByStage[stage] ?? []), account];
  }
  return { total, finished, byStage, accountsByStage };
}

export function renderProgress(p: DayProgress, width = 30): string {
  const filled = p.total === 0 ? 0 : Math.round((p.finished / p.total) * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const stages = ORDER.filter((s) => p.byStage[s])
    .map((s) => `${s} ${p.byStage[s]}`)
    .join(' · ');
  return `[${bar}] ${p.finished}/${p.total} accounts done  ${stages}`;
}
