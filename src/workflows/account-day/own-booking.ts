/**
 * The trading part of an AccountDay recorded before `batch-books-fills` (v9), kept so those
 * histories replay: the day waits for the day's blocks (ops may skip it until the blocks took its
 * proposal), books its own fills, and then (before `batch-matches-confirms`, v8) matches its own
 * confirms the next morning; since v8 it ends `Traded` and its batch matches them. Since v9 an
 * approved day ends at its decision and its batch books it (src/workflows/batch-booking.ts).
 */
import { patched, sleep } from '@temporalio/workflow';
import { confirmsBroken, isNonZeroQty } from '../../contracts';
import { msUntil } from '../time';
import type { AccountDayResult, ConfirmSummary } from '../types';
import { SkipToday } from './outcomes';
import type { AccountDayRun } from './workflow';

/**
 * Workflow change v8, asked where a trading account's day first differs (its wait for the day's
 * blocks): no timer at the window (a skip is taken until the blocks took the proposal, as before),
 * and the day ends once its fills are booked (`Traded`): its batch matches the next morning's
 * confirms for all of its traded accounts at once (src/workflows/batch-confirms.ts), so no
 * AccountDay stays open overnight.
 */
export const BATCH_CONFIRMS_PATCH = 'batch-matches-confirms';

export class OwnBooking {
  /** Since the v8 patch (asked at the wait for the blocks): no window timer, the batch matches the confirms. */
  private batchConfirms = false;

  constructor(private readonly day: AccountDayRun) {}

  /** 4–6: the blocks, the booking, and (before v8) the confirms; the day's result. */
  async trade(proposalId: string): Promise<AccountDayResult> {
    this.day.setStage('WaitingForWindow');
    const notTraded = await this.tradeInBlocks(proposalId);
    if (notTraded) return notTraded;
    if (this.batchConfirms)
      return this.day.result('Traded', { note: 'fills booked; its batch matches the confirms next morning' });
    return await this.confirms();
  }

  /**
   * 4–5. Block execution: until the window opens ops may still skip the account (its approved
   * proposal is withdrawn, unless the day has released it into blocks already); then it waits for
   * the day's `blocksDone`, books its allocations and says what was traded. Returns the day's
   * result when the account ends here (nothing traded), undefined when it goes on to confirms.
   */
  private async tradeInBlocks(proposalId: string): Promise<AccountDayResult | undefined> {
    const s = this.day.state;
    const { clock } = this.day.input;
    this.batchConfirms = patched(BATCH_CONFIRMS_PATCH);
    if (this.batchConfirms) await this.untilBlocksDone(proposalId);
    else {
      await this.day.wait(() => s.opsSkip !== undefined || s.blocksDone, msUntil(clock.windowOpen));
      if (s.opsSkip && !s.blocksDone) await this.withdrawForSkip(proposalId);
      this.day.setStage('Trading');
      await this.day.wait(() => s.blocksDone);
    }
    this.day.setStage('AwaitingAllocation');
    await this.day.step('book fills', () => this.day.db.bookFills({ proposalId }));
    const orders = await this.day.db.proposalOrders({ proposalId });
    s.status.orders.splice(
      0,
      s.status.orders.length,
      ...orders.map((o) => ({
        clientOrderId: o.clientOrderId,
        status: o.status,
        qty: o.qty,
        filledQty: o.filledQty,
      })),
    );
    const filled = orders.filter((o) => isNonZeroQty(o.filledQty));
    if (orders.length === 0 || filled.length === 0) {
      await this.day.db.audit({
        actor: 'system',
        action: orders.length === 0 ? 'NOT_RELEASED' : 'NOT_FILLED',
        entity: 'proposal',
        entityId: proposalId,
        details: { windowClose: clock.windowClose, orders: orders.length },
      });
      this.day.setStage('NotTraded');
      return this.day.result('NotTraded', {
        note:
          orders.length === 0
            ? 'approved after the day released its block orders; tomorrow proposes afresh'
            : 'its blocks were not filled (halt or window closed); carried to tomorrow',
      });
    }
    this.day.setStage('Traded');
    const short = orders.filter((o) => o.status !== 'FILLED').length;
    if (short > 0) this.day.shown.note('carried', `${short} leg(s) not fully filled: carried to tomorrow`);
    return undefined;
  }

  /**
   * Since the v8 patch: waits (in WaitingForWindow, no timer) for the day's `blocksDone`; a skip
   * before it withdraws the proposal unless the day's blocks took it already.
   */
  private async untilBlocksDone(proposalId: string): Promise<void> {
    const s = this.day.state;
    for (;;) {
      await this.day.wait(() => s.opsSkip !== undefined || s.blocksDone);
      if (s.blocksDone) break;
      await this.withdrawForSkip(proposalId);
    }
    if (s.opsSkip) {
      s.refuse('skipToday', 'too late to skip: the blocks are done');
      s.opsSkip = undefined;
    }
  }

  /** Ops' skip before the blocks: the proposal withdrawn and the day skipped, or the skip refused. */
  private async withdrawForSkip(proposalId: string): Promise<void> {
    const s = this.day.state;
    const withdrawn = await this.day.db.withdrawProposal({
      proposalId,
      by: s.opsSkip!.by,
      note: s.opsSkip!.note ?? '',
    });
    if (withdrawn) throw new SkipToday();
    s.refuse('skipToday', 'too late to skip: the proposal was already released into block orders');
    s.opsSkip = undefined;
  }

  /** 6. Next morning (before the v8 patch): the custodian's trade confirms matched against the account's fills. */
  private async confirms(): Promise<AccountDayResult> {
    const { tradeDate, accountId, clock } = this.day.input;
    this.day.setStage('AwaitingConfirms');
    this.day.shown.publish();
    await sleep(msUntil(clock.confirmAt));
    const confirms: ConfirmSummary = await this.day.step('match confirms', () =>
      this.day.db.matchConfirms({ tradeDate, accountId }),
    );
    this.day.setStage(confirmsBroken(confirms) ? 'ConfirmBreak' : 'Confirmed');
    return this.day.result(this.day.state.status.stage, { confirms });
  }
}
