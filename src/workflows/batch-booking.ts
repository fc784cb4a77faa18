/**
 * An AccountBatch's booking (since `batch-books-fills`). An approved account's day ends at its
 * decision (`Approved`, src/workflows/account-day/workflow.ts); its batch waits for the day's
 * blocks (`Stage` AwaitingBlocks), books the fills of all of those accounts in one activity
 * (Booking; Failed with the accounts and why until ops send `retry`), and matches their confirms
 * the next morning (./batch-confirms.ts). Until the blocks are built ops may still skip such an
 * account by sending `skipAccount` to its batch: its proposal is withdrawn, or the skip is refused
 * when the blocks took it already (the memo's `skips` says which).
 */
import { log, setHandler } from '@temporalio/workflow';
import type { BatchBookRef, BatchBookResult } from '../contracts';
import { batchBooking, bookSteps } from './activity-options';
import { type BatchPanel, MEMO_ACCOUNTS } from './batch-panel';
import { type SkipAccountInput, SkipAccountSchema, skipAccountSignal, zodMessage } from './messages';

const act = bookSteps();
const booking = batchBooking();

/** What became of one `skipAccount`: shown in the batch's memo. */
interface SkipOutcome {
  accountId: string;
  by: string;
  outcome: string;
}

export class BatchBooking {
  private readonly asked: SkipAccountInput[] = [];
  private readonly outcomes: SkipOutcome[] = [];

  constructor(
    private readonly tradeDate: string,
    private readonly panel: BatchPanel,
  ) {
    setHandler(skipAccountSignal, (arg) => this.requestSkip(arg), {
      description:
        'Ops: skip an approved account of this batch today, until the day builds its blocks (its proposal is withdrawn). {"accountId": "…", "by": "your name", "note": "why"}',
    });
  }

  get skipsAsked(): boolean {
    return this.asked.length > 0;
  }

  /** The skips asked so far, in order (each taken once). */
  takeSkips(): SkipAccountInput[] {
    return this.asked.splice(0, this.asked.length);
  }

  /** Withdraws an approved account's proposal for ops' skip; false when the blocks took it already. */
  async withdraw(skip: SkipAccountInput, proposalId: string): Promise<boolean> {
    const withdrawn = await act.withdrawProposal({ proposalId, by: skip.by, note: skip.note ?? '' });
    if (withdrawn)
      await act.audit({
        actor: skip.by,
        action: 'SKIP_TODAY',
        entity: 'account',
        entityId: skip.accountId,
        details: { tradeDate: this.tradeDate, note: skip.note ?? '' },
      });
    this.outcome(
      skip,
      withdrawn ? 'skipped: proposal withdrawn' : 'refused: the blocks took its proposal already',
    );
    return withdrawn;
  }

  /** A skip the batch did not act on itself (passed on to the account's day, or refused). */
  outcome(skip: SkipAccountInput, outcome: string): void {
    log.info('skipAccount', { accountId: skip.accountId, by: skip.by, outcome });
    this.outcomes.push({ accountId: skip.accountId, by: skip.by, outcome });
    this.panel.note({ skips: this.outcomes.slice(-MEMO_ACCOUNTS) });
  }

  /** Books the approved accounts' fills: each one's result (Failed and `retry` in between). */
  async book(refs: BatchBookRef[]): Promise<Map<string, BatchBookResult>> {
    this.panel.show('Booking', { accounts: refs.length });
    const byAccount = new Map(refs.map((r) => [r.accountId, r]));
    const out = await this.panel.untilNoneFails('booked', [...byAccount.keys()], (ids) =>
      booking.bookBatchFills({ tradeDate: this.tradeDate, proposals: ids.map((id) => byAccount.get(id)!) }),
    );
    return new Map(out.map((r) => [r.accountId, r]));
  }

  private requestSkip(arg: unknown): void {
    const parsed = SkipAccountSchema.safeParse(arg);
    if (!parsed.success) {
      log.warn('skipAccount refused: bad payload', { error: zodMessage(parsed.error) });
      return;
    }
    this.asked.push(parsed.data);
  }
}
