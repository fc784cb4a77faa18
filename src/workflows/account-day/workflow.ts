/**
 * AccountDay: one account's trading day, the unit ops looks at in the Temporal UI.
 *
 *   reconcile → (break? hold until ops resolve/skip) → scan & propose → review
 *   (auto: approved, or a trader for a flagged one; manual: advisor approve/reject until the
 *   cut-off) → since `batch-books-fills` the day ends Approved and its batch books the fills and
 *   matches the confirms; before it: wait for the day's blocks → book its allocations (→ next
 *   morning: confirm matching, before `batch-matches-confirms`; since it the batch matches them).
 *
 * Its stage is kept in the `Stage` search attribute (src/workflows/stages.ts), written where the
 * account waits (./stage-publisher.ts). An account that will not trade today ends its day at once;
 * a late decision is then answered from the book (src/api/closed-day.ts). State and message
 * rules: ./state.ts; handlers: ./handlers.ts; skip, book decision and error text: ./outcomes.ts.
 */
import {
  condition,
  deprecatePatch,
  log,
  patched,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ProposeResult } from '../../contracts';
import { isNonZeroQty } from '../../contracts';
import { bookSteps, bookStepsLocal } from '../activity-options';
import { SA } from '../search-attributes';
import type { Stage } from '../stages';
import { msUntil, nowIso } from '../time';
import type { AccountDayInput, AccountDayResult } from '../types';
import { registerHandlers } from './handlers';
import { SkipToday, bookDecision, errorText } from './outcomes';
import { OwnBooking } from './own-booking';
import { StagePublisher } from './stage-publisher';
import { AccountDayState } from './state';

/** Before the `local-db-activities` patch: the book's steps as ordinary activities. */
const book = bookSteps();
/** Since the patch: the book's steps as local activities (src/workflows/activity-options.ts). */
const bookLocal = bookStepsLocal();

export const LOCAL_DB_PATCH = 'local-db-activities';
/**
 * Workflow change v7, one marker for both of its changes (each `patched()` costs a marker and a
 * `TemporalChangeVersion` upsert in every account's history): the stage written where the account
 * waits (./stage-publisher.ts) and a day that will not trade ending at once (`holdUntilWindowClose`).
 */
export const WAIT_STAGES_EARLY_END_PATCH = 'wait-stages-and-early-end';
/**
 * Workflow change v9, asked once the account is approved: its day ends there (`Approved`); its
 * batch waits for the day's blocks, books the fills of all of its approved accounts at once and
 * matches their confirms (src/workflows/batch-booking.ts), so no AccountDay waits for the blocks
 * in the worker's cache. Until the blocks ops skip such an account with `skipAccount` on its batch.
 */
export const BATCH_BOOKS_PATCH = 'batch-books-fills';

export type Book = typeof book;

export async function AccountDay(input: AccountDayInput): Promise<AccountDayResult> {
  const db = patched(LOCAL_DB_PATCH) ? bookLocal : book;
  // A PENDING_SETUP account's day writes its attributes once and ends either way: no marker for it.
  const v7 = !input.pendingSetup && patched(WAIT_STAGES_EARLY_END_PATCH);
  const run = new AccountDayRun(input, db, v7);
  return run.run();
}

export class AccountDayRun {
  readonly state: AccountDayState;
  /** What ops see without opening the workflow: Stage, BreakCount, the memo. */
  readonly shown: StagePublisher;

  constructor(
    readonly input: AccountDayInput,
    readonly db: Book,
    /** Since the v7 patch: stages written at waits, a day that will not trade ends at once. */
    private readonly v7: boolean,
  ) {
    this.state = new AccountDayState(input, () => Date.now());
    this.shown = new StagePublisher(v7);
  }

  async run(): Promise<AccountDayResult> {
    const { accountId, advisorId, mode, tradeDate } = this.input;
    if (this.input.pendingSetup) return this.pendingSetup();
    this.shown.identity([
      { key: SA.AccountId, value: accountId },
      { key: SA.AdvisorId, value: advisorId },
      { key: SA.TradeDate, value: tradeDate },
      { key: SA.Mode, value: mode },
      { key: SA.BreakCount, value: 0 },
    ]);
    this.setStage('Starting');
    registerHandlers(this.state);
    try {
      return await this.steps();
    } finally {
      this.shown.publish();
    }
  }

  private async steps(): Promise<AccountDayResult> {
    const { accountId, tradeDate } = this.input;
    try {
      const held = await this.reconcile();
      if (held) return held;
      if (this.state.opsSkip) throw new SkipToday();
      this.setStage('Scanning');
      const proposal = await this.step('propose', () =>
        this.db.proposeTrades({ tradeDate, accountId, expiresAt: this.input.clock.approvalCutoff }),
      );
      const ended = await this.review(proposal);
      if (ended) return ended;
      // Workflow change v2, now the only path: the transient `Approved` stage is not written. The
      // patch is deprecated, but the v3/v4 histories carry its marker as a patch (not deprecated):
      // the call stays until they are retired (docs/workflow-changes.md).
      deprecatePatch('skip-transient-approved-stage');
      if (patched(BATCH_BOOKS_PATCH)) return this.approved();
      // Recorded before the v9 patch: the day waits for the blocks and books its own fills.
      return await new OwnBooking(this).trade(proposal.proposalId!);
    } catch (e) {
      if (e instanceof SkipToday) return this.skipped();
      throw e;
    }
  }

  /** Since the v9 patch: the day ends at the approval; its batch books the fills (src/workflows/batch-booking.ts). */
  private approved(): AccountDayResult {
    this.setStage('Approved');
    this.shown.note(
      'next',
      "its batch books the fills after the day's blocks; skipAccount on the batch until then",
    );
    return this.result('Approved', { note: 'approved: its batch books the fills after the blocks' });
  }

  /**
   * A PENDING_SETUP account (adopted from the custodian's files, or without a model, a mode or an
   * advisor): nothing to reconcile against a book it does not have yet, nothing to trade. Its day
   * shows it to ops in the Temporal UI (Stage="PendingSetup") and ends; once ops set it up it is
   * ACTIVE and its next day trades. Decided by the input only, so no recorded history changes.
   */
  private pendingSetup(): AccountDayResult {
    const { accountId, advisorId, tradeDate } = this.input;
    upsertSearchAttributes([
      { key: SA.AccountId, value: accountId },
      ...(advisorId ? [{ key: SA.AdvisorId, value: advisorId }] : []),
      { key: SA.TradeDate, value: tradeDate },
      { key: SA.BreakCount, value: 0 },
      { key: SA.Stage, value: 'PendingSetup' },
    ]);
    this.state.enter('PendingSetup');
    const missing = [advisorId ? '' : 'an advisor', 'a model and a mode'].filter(Boolean).join(', ');
    upsertMemo({ summary: `${accountId} PENDING_SETUP: waiting for ops to give it ${missing}` });
    log.info('stage', { accountId, stage: 'PendingSetup' });
    return this.result('PendingSetup', { note: 'waiting for ops to set it up (model, mode, advisor)' });
  }

  setStage(stage: Stage): void {
    this.shown.enter(stage, this.state.enter(stage));
    log.info('stage', { accountId: this.input.accountId, stage });
  }

  /** Waits for `fn` (until `timeoutMs`), with what ops see written first. */
  wait(fn: () => boolean, timeoutMs?: number): Promise<boolean> {
    this.shown.publish();
    return timeoutMs === undefined ? condition(fn).then(() => true) : condition(fn, timeoutMs);
  }

  result(stage: Stage, extra: Partial<AccountDayResult> = {}): AccountDayResult {
    const s = this.state.status;
    return {
      accountId: this.input.accountId,
      stage,
      proposalId: s.proposal?.id,
      legs: s.proposal?.legs ?? 0,
      filledOrders: s.orders.filter((o) => isNonZeroQty(o.filledQty)).length,
      ...extra,
    };
  }

  /** Runs a step; on a non-retryable failure parks the account in Failed until ops send `retry`. */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        const stageBefore = this.state.status.stage;
        this.state.status.lastError = `${name}: ${errorText(e)}`;
        this.setStage('Failed');
        this.shown.publish();
        await this.db.audit({
          actor: 'system',
          action: 'STEP_FAILED',
          entity: 'account-day',
          entityId: workflowInfo().workflowId,
          details: { step: name, error: this.state.status.lastError },
        });
        this.state.retryRequested = false;
        await this.wait(() => this.state.retryRequested || this.state.opsSkip !== undefined);
        if (this.state.opsSkip) throw new SkipToday();
        this.state.status.lastError = undefined;
        this.setStage(stageBefore);
      }
    }
  }

  /**
   * An account that will not trade today (no action, rejected, expired, skipped). Since the
   * v7 patch its day ends at once: it holds no workflow in the worker's cache for the
   * rest of the morning, and a late or repeated decision is answered from the book by the API
   * (src/api/closed-day.ts). Before it, the day waited (visible to ops) until the window closed
   * so that the workflow itself refused late messages.
   */
  private async holdUntilWindowClose(): Promise<void> {
    if (this.v7) return;
    await this.wait(() => false, msUntil(this.input.clock.windowClose));
  }

  private showBreaks(openBreaks: number): void {
    this.state.status.breaks = openBreaks;
    this.shown.breaks(openBreaks);
  }

  /**
   * 1. Reconcile with the custodian. While breaks hold the account it waits in ReconBreak for ops
   * (resolve or skip) until the cut-off; returns the day's result when the account ends here.
   */
  private async reconcile(): Promise<AccountDayResult | undefined> {
    const { tradeDate, accountId, clock } = this.input;
    const s = this.state;
    this.setStage('Reconciling');
    this.shown.publish();
    let recon = await this.step('reconcile', () => this.db.reconcileAccount({ tradeDate, accountId }));
    this.showBreaks(recon.openBreaks);
    while (recon.openBreaks > 0) {
      this.setStage('ReconBreak');
      const resolved = await this.wait(
        () => s.opsResolve !== undefined || s.opsSkip !== undefined,
        msUntil(clock.approvalCutoff),
      );
      if (!resolved || s.opsSkip) {
        await this.db.audit({
          actor: s.opsSkip?.by ?? 'system',
          action: s.opsSkip ? 'SKIP_TODAY' : 'BREAK_HOLD_EXPIRED',
          entity: 'account',
          entityId: accountId,
          details: { tradeDate, note: s.opsSkip?.note ?? 'breaks still open at the approval cut-off' },
        });
        this.setStage('Skipped');
        await this.holdUntilWindowClose();
        return this.result('Skipped', {
          note: s.opsSkip ? 'skipped by ops' : 'reconciliation breaks still open',
        });
      }
      const by = s.opsResolve!;
      s.opsResolve = undefined;
      await this.db.resolveBreaks({
        tradeDate,
        accountId,
        by: by.by,
        note: by.note ?? '',
        ...(by.resolution ? { resolution: by.resolution } : {}),
        ...(by.item ? { explainedBy: by.item } : {}),
      });
      recon = await this.step('reconcile', () =>
        this.db.reconcileAccount({ tradeDate, accountId, afterOpsResolution: true }),
      );
      this.showBreaks(recon.openBreaks);
    }
    return undefined;
  }

  /**
   * 3. The scan's proposal (2.), then its review: an auto account's is approved unless flagged (then a
   * trader decides), a manual account's advisor approves or rejects until the cut-off. Returns the
   * day's result when the account ends here (no action, rejected, expired).
   */
  private async review(proposal: ProposeResult): Promise<AccountDayResult | undefined> {
    const { advisorId, mode, clock } = this.input;
    const s = this.state;
    if (proposal.action === 'NONE' || !proposal.proposalId) {
      this.setStage('NoAction');
      await this.holdUntilWindowClose();
      return this.result('NoAction', { note: proposal.reasons.join('; ') });
    }
    s.status.proposal = {
      id: proposal.proposalId,
      version: proposal.version,
      legs: proposal.legs,
      reasons: proposal.reasons,
      notional: proposal.notional,
      flags: proposal.flags,
    };
    if (s.opsSkip) throw new SkipToday();
    const decided = () => s.decision !== undefined || s.opsSkip !== undefined;
    if (mode === 'AUTO' && proposal.flags.length === 0) {
      s.decide('APPROVED', 'auto-review', 'auto');
    } else if (mode === 'AUTO') {
      this.setStage('AwaitingZoeReview');
      await this.db.notifyTraders({
        proposalId: proposal.proposalId,
        flags: proposal.flags,
        deadline: clock.approvalCutoff,
      });
      await this.wait(decided, msUntil(clock.approvalCutoff));
    } else {
      this.setStage('AwaitingApproval');
      await this.db.notifyAdvisor({
        proposalId: proposal.proposalId,
        advisorId,
        deadline: clock.approvalCutoff,
      });
      await this.wait(decided, msUntil(clock.approvalCutoff));
    }
    if (s.opsSkip) throw new SkipToday();
    return this.recordDecision(proposal.proposalId);
  }

  /** The decision (or its absence at the cut-off) recorded; the day's result if it ends the day. */
  private async recordDecision(proposalId: string): Promise<AccountDayResult | undefined> {
    const s = this.state;
    const asked = s.decision;
    const recorded = await this.db.recordDecision({
      proposalId,
      decision: !asked ? 'EXPIRE' : asked.kind === 'APPROVED' ? 'APPROVE' : 'REJECT',
      actor: asked?.by ?? 'system',
      via: asked?.via ?? 'timer',
      note: asked ? asked.note : 'not approved by the cut-off',
      at: nowIso(),
      ...(asked?.principal !== undefined ? { principal: asked.principal } : {}),
    });
    // The book's decision stands when another was recorded first: an approval whose workflow task
    // was lost with its worker is in the book, and the blocks trade what the book approved. (A
    // history from before the activity answered has no result: the asked decision stands.)
    const book = recorded && !recorded.asked ? bookDecision(recorded) : asked;
    // The same decision recorded first by an earlier attempt of this step (a re-run local
    // activity) is no disagreement: only another kind of decision replaces the one taken.
    const differs = (book?.kind ?? 'EXPIRED') !== (asked?.kind ?? 'EXPIRED');
    const d = differs ? book : asked;
    if (differs) {
      log.warn('the book holds another decision than the workflow took; going by the book', {
        accountId: this.input.accountId,
        proposalId,
        asked: asked?.kind ?? 'EXPIRE',
        book: recorded?.decision,
      });
      s.decision = d;
    }
    if (!d) {
      s.status.decision = { decision: 'EXPIRED', by: 'system', via: 'timer', at: nowIso() };
      this.setStage('Expired');
      await this.holdUntilWindowClose();
      return this.result('Expired');
    }
    s.status.decision = {
      decision: d.kind,
      by: d.by,
      via: d.via,
      at: nowIso(),
      note: d.note,
      ...(d.principal !== undefined ? { principal: d.principal } : {}),
    };
    if (d.kind === 'REJECTED') {
      this.setStage('Rejected');
      await this.holdUntilWindowClose();
      return this.result('Rejected', { note: d.note });
    }
    return undefined;
  }

  /** Ops skipped the account: audited, an open proposal expires. */
  private async skipped(): Promise<AccountDayResult> {
    const s = this.state;
    const { accountId, tradeDate } = this.input;
    await this.db.audit({
      actor: s.opsSkip?.by ?? 'ops',
      action: 'SKIP_TODAY',
      entity: 'account',
      entityId: accountId,
      details: { tradeDate, note: s.opsSkip?.note ?? '' },
    });
    if (s.status.proposal && !s.status.decision) {
      await this.db.recordDecision({
        proposalId: s.status.proposal.id,
        decision: 'EXPIRE',
        actor: s.opsSkip?.by ?? 'ops',
        via: 'signal',
        note: `skipped by ops: ${s.opsSkip?.note ?? ''}`,
        at: nowIso(),
      });
    }
    this.setStage('Skipped');
    return this.result('Skipped', { note: 'skipped by ops' });
  }
}
