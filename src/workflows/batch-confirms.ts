/**
 * An AccountBatch's next-morning confirm matching. Since the `batch-matches-confirms` patch an
 * account's day ends before the confirms (`Traded`, or since `batch-books-fills` at its approval:
 * ./batch-booking.ts); its batch sleeps until the confirms are due and matches all of its traded
 * accounts in one activity, so no AccountDay stays open overnight. What ops see is on the batch
 * (./batch-panel.ts): `Stage` AwaitingConfirms, then Confirmed or ConfirmBreak (the memo names the
 * accounts with a break), or Failed (the memo says which accounts and why) until ops send `retry`.
 */
import { sleep } from '@temporalio/workflow';
import { type ConfirmSummary, confirmsBroken } from '../contracts';
import type { DayClock } from '../domain/calendar';
import { daySteps } from './activity-options';
import { type BatchPanel, MEMO_ACCOUNTS } from './batch-panel';
import { msUntil } from './time';

const act = daySteps();

export class BatchConfirms {
  constructor(
    private readonly tradeDate: string,
    private readonly clock: Pick<DayClock, 'confirmAt'>,
    private readonly panel: BatchPanel,
  ) {}

  /** Sleeps until the confirms are due, then matches the accounts: each one's summary. */
  async match(accountIds: string[]): Promise<Map<string, ConfirmSummary>> {
    this.panel.show('AwaitingConfirms', { accounts: accountIds.length });
    await sleep(msUntil(this.clock.confirmAt));
    const out = await this.panel.untilNoneFails('matched', accountIds, (ids) =>
      act.matchBatchConfirms({ tradeDate: this.tradeDate, accountIds: ids }),
    );
    const matched = new Map<string, ConfirmSummary>();
    for (const r of out) if (r.confirms) matched.set(r.accountId, r.confirms);
    const broken = [...matched].filter(([, c]) => confirmsBroken(c)).map(([id]) => id);
    this.panel.show(broken.length > 0 ? 'ConfirmBreak' : 'Confirmed', {
      summary: `${matched.size} account(s) matched, ${broken.length} with a confirm break`,
      failed: [], // removes the key (an empty list does)
      accounts: matched.size,
      confirmBreaks: broken.slice(0, MEMO_ACCOUNTS),
      ...(broken.length > MEMO_ACCOUNTS ? { moreConfirmBreaks: broken.length - MEMO_ACCOUNTS } : {}),
    });
    return matched;
  }
}
