/**
 * What ops see on an AccountBatch (`WorkflowType="AccountBatch"`): its `Stage` and memo, and the
 * `retry` it takes in stage Failed. A batch step that works per account (booking the fills since
 * `batch-books-fills`, matching the confirms since `batch-matches-confirms`) goes through
 * `untilNoneFails`: the accounts that could not be done are named in the memo (stage Failed) until
 * ops send `retry`, and only they are done again.
 */
import { condition, log, setHandler, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { OpsSchema, retrySignal } from './messages';
import { SA } from './search-attributes';
import type { BatchStage } from './stages';

/** Accounts named in the batch's memo at most (the book has all of them). */
export const MEMO_ACCOUNTS = 50;

export class BatchPanel {
  private stage?: BatchStage;
  private retryRequested = false;

  constructor(private readonly tradeDate: string) {
    setHandler(retrySignal, (arg) => this.requestRetry(arg), {
      description:
        'Ops, when the batch is in stage Failed (its memo names the accounts whose fills could not be booked or whose confirms could not be matched, and why): do them again. {"by": "your name", "note": "why"}',
    });
  }

  show(stage: BatchStage, memo: Record<string, unknown>): void {
    upsertSearchAttributes([
      ...(this.stage === undefined ? [{ key: SA.TradeDate, value: this.tradeDate }] : []),
      { key: SA.Stage, value: stage },
    ]);
    upsertMemo({ stage, ...memo });
    this.stage = stage;
  }

  /** Whether the batch has shown a stage yet (a batch with nothing to book or match shows none). */
  get shown(): boolean {
    return this.stage !== undefined;
  }

  /** The memo alone (the stage unchanged). */
  note(memo: Record<string, unknown>): void {
    upsertMemo(memo);
  }

  /**
   * Calls `call` for the accounts until none comes back with an error; in between the batch shows
   * Failed and waits for ops' `retry`. Returns every account's result.
   */
  async untilNoneFails<T extends { accountId: string; error?: string }>(
    what: string,
    accountIds: string[],
    call: (accountIds: string[]) => Promise<T[]>,
  ): Promise<T[]> {
    const done: T[] = [];
    let pending = accountIds;
    for (;;) {
      const out = await call(pending);
      done.push(...out.filter((r) => r.error === undefined));
      const failed = out.flatMap((r) =>
        r.error !== undefined ? [{ accountId: r.accountId, error: r.error }] : [],
      );
      if (failed.length === 0) return done;
      log.error(`accounts could not be ${what}`, { tradeDate: this.tradeDate, failed: failed.length });
      this.show('Failed', {
        summary: `${failed.length} account(s) could not be ${what}: fix the cause, then send retry`,
        failed: failed.slice(0, MEMO_ACCOUNTS),
      });
      this.retryRequested = false;
      await condition(() => this.retryRequested);
      pending = failed.map((f) => f.accountId);
    }
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
