/**
 * An AccountBatch's next-morning confirm matching. Since the `batch-matches-confirms` patch an
 * account's day ends once its fills are booked (`Traded`, src/workflows/account-day/workflow.ts);
 * its batch sleeps until the confirms are due and matches all of its traded accounts in one
 * activity, so no AccountDay stays open overnight. What ops see is on the batch
 * (`WorkflowType="AccountBatch"`): `Stage` AwaitingConfirms, then Confirmed or ConfirmBreak (the
 * memo names the accounts with a break), or Failed (the memo says which accounts and why) until
 * ops send `retry`.
 */
import { condition, log, setHandler, sleep, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { type ConfirmSummary, confirmsBroken } from '../contracts';
import type { DayClock } from '../domain/calendar';
import { daySteps } from './activity-options';
import { OpsSchema, retrySignal } from './messages';
import { SA } from './search-attributes';
import type { BatchStage } from './stages';
import { msUntil } from './time';

const act = daySteps();

/** Accounts named in the batch's memo at most (the book has all of them: confirm_matches). */
const MEMO_ACCOUNTS = 50;

export class BatchConfirms {
  private stage?: BatchStage;
  private retryRequested = false;

  constructor(
    private readonly tradeDate: string,
    private readonly clock: Pick<DayClock, 'confirmAt'>,
  ) {
    setHandler(retrySignal, (arg) => this.requestRetry(arg), {
      description:
        'Ops, when the batch is in stage Failed (its memo names the accounts whose confirms could not be matched, and why): match them again. {"by": "your name", "note": "why"}',
    });
  }

  /** Sleeps until the confirms are due, then matches the accounts: each one's summary. */
  async match(accountIds: string[]): Promise<Map<string, ConfirmSummary>> {
    this.show('AwaitingConfirms', { accounts: accountIds.length });
    await sleep(msUntil(this.clock.confirmAt));
    const matched = new Map<string, ConfirmSummary>();
    let pending = accountIds;
    for (;;) {
      const out = await act.matchBatchConfirms({ tradeDate: this.tradeDate, accountIds: pending });
      for (const r of out) if (r.confirms) matched.set(r.accountId, r.confirms);
      const failed = out.flatMap((r) =>
        r.error !== undefined ? [{ accountId: r.accountId, error: r.error }] : [],
      );
      if (failed.length === 0) break;
      log.error('confirms could not be matched', { tradeDate: this.tradeDate, failed: failed.length });
      this.show('Failed', {
        summary: `${failed.length} account(s) could not be matched: fix the cause, then send retry`,
        failed: failed.slice(0, MEMO_ACCOUNTS),
      });
      this.retryRequested = false;
      await condition(() => this.retryRequested);
      pending = failed.map((f) => f.accountId);
    }
    const broken = [...matched].filter(([, c]) => confirmsBroken(c)).map(([id]) => id);
    this.show(broken.length > 0 ? 'ConfirmBreak' : 'Confirmed', {
      summary: `${matched.size} account(s) matched, ${broken.length} with a confirm break`,
      failed: [], // removes the key (an empty list does)
      accounts: matched.size,
      confirmBreaks: broken.slice(0, MEMO_ACCOUNTS),
      ...(broken.length > MEMO_ACCOUNTS ? { moreConfirmBreaks: broken.length - MEMO_ACCOUNTS } : {}),
    });
    return matched;
  }

  private show(stage: BatchStage, memo: Record<string, unknown>): void {
    upsertSearchAttributes([
      ...(this.stage === undefined ? [{ key: SA.TradeDate, value: this.tradeDate }] : []),
      { key: SA.Stage, value: stage },
    ]);
    upsertMemo({ stage, ...memo });
    this.stage = stage;
  }

  /** `retry` is taken in stage Failed with a valid payload; anything else is logged and ignored. */
  private requestRetry(arg: unknown): void {
    const parsed = OpsSchema.safeParse(arg);
    if (!parsed.success) {
      log.warn('retry refused: bad payload', { error: parsed.error.issues.map((i) => i.message).join('; ') });
      return;
    }
    if (this.stage !== 'Failed') {
      log.warn('retry refused: nothing to retry', { stage: this.stage ?? 'none', by: parsed.data.by });
      return;
    }
    log.info('retry', { by: parsed.data.by, note: parsed.data.note ?? '' });
    this.retryRequested = true;
  }
}
