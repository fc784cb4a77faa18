/**
 * AccountDay: one account's trading day, the unit ops looks at in the Temporal UI.
 *
 *   reconcile → (break? hold until ops resolve/skip) → scan & propose → review
 *   (auto: approved; manual: advisor approve/reject until the cut-off) → wait for the window
 *   → orders, fill polling, one residual retry → book fills → wait for the next morning
 *   → confirm matching.
 *
 * Its stage is kept in the `Stage` search attribute. Accounts that do not trade stay open
 * until the window closes, so a late approval gets a clear refusal instead of "not found".
 */
import {
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { OrderStatusView } from '../activities/types';
import { stalledOrders } from './fills';
import {
  type AccountDayStatus,
  type ApproveInput,
  ApproveSchema,
  type DecisionResult,
  OpsSchema,
  type RejectInput,
  RejectSchema,
  type ZoeReviewInput,
  ZoeReviewSchema,
  approveSignal,
  approveUpdate,
  blocksDoneSignal,
  rejectSignal,
  rejectUpdate,
  resolveBreakSignal,
  retrySignal,
  skipTodaySignal,
  statusQuery,
  zodMessage,
  zoeReviewSignal,
  zoeReviewUpdate,
} from './messages';
import { SA } from './search-attributes';
import type { AccountDayInput, AccountDayResult, ConfirmSummary, Stage } from './types';

/** Before the `local-db-activities` patch: the book's steps as ordinary activities. */
const dbActivities = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export const LOCAL_DB_PATCH = 'local-db-activities';

/**
 * Since the patch: the book's steps (reconcile, propose, record, book, match confirms: PostgreSQL
 * only, short, idempotent) run as local activities, in the worker that runs the workflow task, so
 * each costs the server one marker instead of a scheduled activity task and two workflow tasks.
 * Retries back off up to a minute; after 12 attempts (about 7 minutes: a PostgreSQL outage of a few
 * minutes is ridden out) the step fails visibly (`Stage=Failed`, `lastError`) and waits for ops'
 * `retry`, since a local activity's attempts do not show as a pending activity in the UI.
 */
const dbLocal = proxyLocalActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 12 },
});

const custodian = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** A leg gets this many orders at most within the window (first try + one residual retry). */
const MAX_ATTEMPTS = 2;

function nowIso(): string {
  return new Date(Date.now()).toISOString();
}

function msUntil(instant: string): number {
  return Math.max(0, Date.parse(instant) - Date.now());
}

export async function AccountDay(input: AccountDayInput): Promise<AccountDayResult> {
  const db = patched(LOCAL_DB_PATCH) ? dbLocal : dbActivities;
  const { accountId, advisorId, mode, tradeDate, clock } = input;
  const status: AccountDayStatus = {
    accountId,
    advisorId,
    mode,
    tradeDate,
    stage: 'Starting',
    stageHistory: [],
    deadlines: { ...clock },
    breaks: 0,
    orders: [],
    refusedMessages: [],
  };
  let decision: { kind: 'APPROVED' | 'REJECTED'; by: string; via: string; note?: string } | undefined;
  let opsResolve: { by: string; note?: string } | undefined;
  let opsSkip: { by: string; note?: string } | undefined;
  let retryRequested = false;
  let blocksDone = false;

  const setStage = (stage: Stage) => {
    status.stage = stage;
    status.stageHistory.push({ stage, at: nowIso() });
    upsertSearchAttributes([{ key: SA.Stage, value: stage }]);
    const p = status.proposal;
    const summary = [
      `${accountId} (${mode}, advisor ${advisorId})`,
      `${stage} since ${nowIso()}`,
      p
        ? `proposal ${p.id}: ${p.legs} legs, $${p.notional}${p.flags.length ? `, flagged: ${p.flags.join('; ')}` : ''}`
        : '',
      status.breaks ? `${status.breaks} open breaks` : '',
      status.lastError ? `error: ${status.lastError}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    upsertMemo({ summary });
    log.info('stage', { accountId, stage });
  };
  upsertSearchAttributes([
    { key: SA.AccountId, value: accountId },
    { key: SA.AdvisorId, value: advisorId },
    { key: SA.TradeDate, value: tradeDate },
    { key: SA.Mode, value: mode },
    { key: SA.BreakCount, value: 0 },
  ]);
  setStage('Starting');

  const refuse = (name: string, reason: string) => {
    status.refusedMessages.push({ name, reason, at: nowIso() });
    if (status.refusedMessages.length > 50) status.refusedMessages.shift();
    log.warn('message refused', { name, reason });
  };

  // Why a decision message cannot be taken now; undefined when it can.
  const decisionRefusal = (p: { proposalId: string; version?: number; advisorId?: string }):
    | string
    | undefined => {
    if (Date.now() >= Date.parse(clock.approvalCutoff)) {
      return `the approval cut-off (${clock.approvalCutoff}) has passed; tomorrow's run proposes afresh`;
    }
    if (!status.proposal) return `no proposal is open for account ${accountId} (stage ${status.stage})`;
    if (p.proposalId !== status.proposal.id) {
      return `proposal ${p.proposalId} is not the open proposal of account ${accountId} (${status.proposal.id})`;
    }
    if (p.version !== undefined && p.version !== status.proposal.version) {
      return `proposal ${p.proposalId} is at version ${status.proposal.version}, not ${p.version}`;
    }
    if (p.advisorId !== undefined) {
      if (mode === 'AUTO') {
        return `account ${accountId} rebalances automatically: flagged trades are decided by a Zoe trader (zoeReview)`;
      }
      if (p.advisorId !== advisorId) return `advisor ${p.advisorId} does not manage account ${accountId}`;
    } else if (mode === 'MANUAL') {
      return `account ${accountId} is a manual account: its advisor approves or rejects`;
    }
    if (decision) return undefined; // duplicates are answered with the decision already taken
    if (status.stage !== 'AwaitingApproval' && status.stage !== 'AwaitingZoeReview') {
      return `account ${accountId} is not awaiting approval (stage ${status.stage})`;
    }
    return undefined;
  };

  const decide = (kind: 'APPROVED' | 'REJECTED', by: string, via: string, note?: string): DecisionResult => {
    const proposalId = status.proposal?.id ?? '';
    if (decision) return { proposalId, decision: decision.kind, duplicate: true };
    decision = { kind, by, via, note };
    return { proposalId, decision: kind, duplicate: false };
  };

  const validateApprove = (arg: ApproveInput): void => {
    const parsed = ApproveSchema.safeParse(arg);
    if (!parsed.success) throw new Error(`invalid approve message: ${zodMessage(parsed.error)}`);
    const why = decisionRefusal(parsed.data);
    if (why) throw new Error(why);
    if (decision && decision.kind !== 'APPROVED')
      throw new Error(`proposal was already ${decision.kind.toLowerCase()}`);
  };
  const validateReject = (arg: RejectInput): void => {
    const parsed = RejectSchema.safeParse(arg);
    if (!parsed.success) throw new Error(`invalid reject message: ${zodMessage(parsed.error)}`);
    const why = decisionRefusal(parsed.data);
    if (why) throw new Error(why);
    if (decision && decision.kind !== 'REJECTED')
      throw new Error(`proposal was already ${decision.kind.toLowerCase()}`);
  };

  const validateZoe = (arg: ZoeReviewInput): void => {
    const parsed = ZoeReviewSchema.safeParse(arg);
    if (!parsed.success) throw new Error(`invalid zoeReview message: ${zodMessage(parsed.error)}`);
    const why = decisionRefusal({ proposalId: parsed.data.proposalId });
    if (why) throw new Error(why);
    const kind = parsed.data.decision === 'APPROVE' ? 'APPROVED' : 'REJECTED';
    if (decision && decision.kind !== kind)
      throw new Error(`proposal was already ${decision.kind.toLowerCase()}`);
  };
  setHandler(
    zoeReviewUpdate,
    (arg) => decide(arg.decision === 'APPROVE' ? 'APPROVED' : 'REJECTED', arg.trader, 'zoeReview', arg.note),
    { validator: validateZoe },
  );
  setHandler(zoeReviewSignal, (arg) => {
    try {
      validateZoe(arg);
      decide(arg.decision === 'APPROVE' ? 'APPROVED' : 'REJECTED', arg.trader, 'zoeReviewSignal', arg.note);
    } catch (e) {
      refuse('zoeReviewSignal', (e as Error).message);
    }
  });
  setHandler(approveUpdate, (arg) => decide('APPROVED', arg.advisorId, 'update', arg.note), {
    validator: validateApprove,
  });
  setHandler(rejectUpdate, (arg) => decide('REJECTED', arg.advisorId, 'update', arg.reason), {
    validator: validateReject,
  });
  setHandler(approveSignal, (arg) => {
    try {
      validateApprove(arg);
      decide('APPROVED', arg.advisorId, 'signal', arg.note);
    } catch (e) {
      refuse('approveSignal', (e as Error).message);
    }
  });
  setHandler(rejectSignal, (arg) => {
    try {
      validateReject(arg);
      decide('REJECTED', arg.advisorId, 'signal', arg.reason);
    } catch (e) {
      refuse('rejectSignal', (e as Error).message);
    }
  });
  setHandler(resolveBreakSignal, (arg) => {
    const parsed = OpsSchema.safeParse(arg);
    if (!parsed.success) return refuse('resolveBreak', zodMessage(parsed.error));
    if (status.stage !== 'ReconBreak')
      return refuse('resolveBreak', `no open break hold (stage ${status.stage})`);
    opsResolve = parsed.data;
  });
  setHandler(skipTodaySignal, (arg) => {
    const parsed = OpsSchema.safeParse(arg);
    if (!parsed.success) return refuse('skipToday', zodMessage(parsed.error));
    if (['Trading', 'Traded', 'AwaitingConfirms', 'Confirmed', 'ConfirmBreak'].includes(status.stage)) {
      return refuse('skipToday', `too late to skip: orders were already sent (stage ${status.stage})`);
    }
    opsSkip = parsed.data;
  });
  setHandler(retrySignal, (arg) => {
    const parsed = OpsSchema.safeParse(arg);
    if (!parsed.success) return refuse('retry', zodMessage(parsed.error));
    if (status.stage !== 'Failed') return refuse('retry', `nothing to retry (stage ${status.stage})`);
    retryRequested = true;
  });
  setHandler(statusQuery, () => status);
  setHandler(blocksDoneSignal, () => {
    blocksDone = true;
  });

  const result = (stage: Stage, extra: Partial<AccountDayResult> = {}): AccountDayResult => ({
    accountId,
    stage,
    proposalId: status.proposal?.id,
    legs: status.proposal?.legs ?? 0,
    filledOrders: status.orders.filter((o) => /[1-9]/.test(o.filledQty)).length,
    ...extra,
  });

  /** Runs a step; on a non-retryable failure parks the account in Failed until ops send `retry`. */
  async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        const stageBefore = status.stage;
        status.lastError = `${name}: ${errorText(e)}`;
        setStage('Failed');
        await db.audit({
          actor: 'system',
          action: 'STEP_FAILED',
          entity: 'account-day',
          entityId: workflowInfo().workflowId,
          details: { step: name, error: status.lastError },
        });
        retryRequested = false;
        await condition(() => retryRequested || opsSkip !== undefined);
        if (opsSkip) throw new SkipToday();
        status.lastError = undefined;
        setStage(stageBefore);
      }
    }
  }

  /** Waits (visible to ops) until the window closes so late messages get a clear answer. */
  const holdUntilWindowClose = async () => {
    await condition(() => false, msUntil(clock.windowClose));
  };

  try {
    // 1. Reconcile custodian positions with the book.
    setStage('Reconciling');
    let recon = await step('reconcile', () => db.reconcileAccount({ tradeDate, accountId }));
    status.breaks = recon.openBreaks;
    upsertSearchAttributes([{ key: SA.BreakCount, value: recon.openBreaks }]);
    while (recon.openBreaks > 0) {
      setStage('ReconBreak');
      const resolved = await condition(
        () => opsResolve !== undefined || opsSkip !== undefined,
        msUntil(clock.approvalCutoff),
      );
      if (!resolved || opsSkip) {
        await db.audit({
          actor: opsSkip?.by ?? 'system',
          action: opsSkip ? 'SKIP_TODAY' : 'BREAK_HOLD_EXPIRED',
          entity: 'account',
          entityId: accountId,
          details: { tradeDate, note: opsSkip?.note ?? 'breaks still open at the approval cut-off' },
        });
        setStage('Skipped');
        await holdUntilWindowClose();
        return result('Skipped', { note: opsSkip ? 'skipped by ops' : 'reconciliation breaks still open' });
      }
      const by = opsResolve!;
      opsResolve = undefined;
      await db.resolveBreaks({ tradeDate, accountId, by: by.by, note: by.note ?? '' });
      recon = await step('reconcile', () =>
        db.reconcileAccount({ tradeDate, accountId, afterOpsResolution: true }),
      );
      status.breaks = recon.openBreaks;
      upsertSearchAttributes([{ key: SA.BreakCount, value: recon.openBreaks }]);
    }
    if (opsSkip) throw new SkipToday();

    // 2. Scan and propose.
    setStage('Scanning');
    const proposal = await step('propose', () =>
      db.proposeTrades({ tradeDate, accountId, expiresAt: clock.approvalCutoff }),
    );
    if (proposal.action === 'NONE' || !proposal.proposalId) {
      setStage('NoAction');
      await holdUntilWindowClose();
      return result('NoAction', { note: proposal.reasons.join('; ') });
    }
    status.proposal = {
      id: proposal.proposalId,
      version: proposal.version,
      legs: proposal.legs,
      reasons: proposal.reasons,
      notional: proposal.notional,
      flags: proposal.flags,
    };
    if (opsSkip) throw new SkipToday();

    // 3. Review.
    if (mode === 'AUTO' && proposal.flags.length === 0) {
      decide('APPROVED', 'auto-review', 'auto');
    } else if (mode === 'AUTO') {
      setStage('AwaitingZoeReview');
      await db.notifyTraders({
        proposalId: proposal.proposalId,
        flags: proposal.flags,
        deadline: clock.approvalCutoff,
      });
      await condition(() => decision !== undefined || opsSkip !== undefined, msUntil(clock.approvalCutoff));
    } else {
      setStage('AwaitingApproval');
      await db.notifyAdvisor({ proposalId: proposal.proposalId, advisorId, deadline: clock.approvalCutoff });
      await condition(() => decision !== undefined || opsSkip !== undefined, msUntil(clock.approvalCutoff));
    }
    if (opsSkip) throw new SkipToday();
    if (!decision) {
      await db.recordDecision({
        proposalId: proposal.proposalId,
        decision: 'EXPIRE',
        actor: 'system',
        via: 'timer',
        note: 'not approved by the cut-off',
        at: nowIso(),
      });
      status.decision = { decision: 'EXPIRED', by: 'system', via: 'timer', at: nowIso() };
      setStage('Expired');
      await holdUntilWindowClose();
      return result('Expired');
    }
    const d = decision;
    await db.recordDecision({
      proposalId: proposal.proposalId,
      decision: d.kind === 'APPROVED' ? 'APPROVE' : 'REJECT',
      actor: d.by,
      via: d.via,
      note: d.note,
      at: nowIso(),
    });
    status.decision = { decision: d.kind, by: d.by, via: d.via, at: nowIso(), note: d.note };
    if (d.kind === 'REJECTED') {
      setStage('Rejected');
      await holdUntilWindowClose();
      return result('Rejected', { note: d.note });
    }

    // 4. Wait for the trading window.
    // Workflow change v2: the transient `Approved` stage (replaced at once by WaitingForWindow) is
    // no longer written, one search-attribute upsert fewer per trading account. Histories from
    // before the change take the old path, so running days replay unchanged (test/histories/*.v1).
    if (!patched('skip-transient-approved-stage')) setStage('Approved');
    setStage('WaitingForWindow');
    if (input.execution === 'block') {
      // 4–5 with block orders: the day builds one block per symbol and side at the window,
      // trades and allocates them; this account waits for its share, then books it.
      const outcome = await tradeInBlocks(proposal.proposalId!);
      if (outcome) return outcome;
    } else {
      await condition(() => opsSkip !== undefined, msUntil(clock.windowOpen));
      if (opsSkip) throw new SkipToday();

      // 5. Orders, fills, one residual retry, until filled or the window closes.
      setStage('Trading');
      await step('trade', () => executeProposal(proposal.proposalId!, input.fillPollSeconds, status.orders));
      await step('book fills', () => db.bookFills({ proposalId: proposal.proposalId! }));
      if (status.orders.length === 0) {
        // The window closed before any order went out (e.g. workers down all window long).
        await db.audit({
          actor: 'system',
          action: 'WINDOW_MISSED',
          entity: 'proposal',
          entityId: proposal.proposalId,
          details: { windowClose: clock.windowClose },
        });
        setStage('NotTraded');
        return result('NotTraded', {
          note: 'the window closed before orders were sent; tomorrow proposes afresh',
        });
      }
      setStage('Traded');
    }

    // 6. Next morning: match the custodian's trade confirms.
    setStage('AwaitingConfirms');
    await sleep(msUntil(clock.confirmAt));
    const confirms: ConfirmSummary = await step('match confirms', () =>
      db.matchConfirms({ tradeDate, accountId }),
    );
    const clean = confirms.mismatched + confirms.unmatchedOurs + confirms.unmatchedTheirs === 0;
    setStage(clean ? 'Confirmed' : 'ConfirmBreak');
    return result(status.stage, { confirms });
  } catch (e) {
    if (e instanceof SkipToday) {
      await db.audit({
        actor: opsSkip?.by ?? 'ops',
        action: 'SKIP_TODAY',
        entity: 'account',
        entityId: accountId,
        details: { tradeDate, note: opsSkip?.note ?? '' },
      });
      if (status.proposal && !status.decision) {
        await db.recordDecision({
          proposalId: status.proposal.id,
          decision: 'EXPIRE',
          actor: opsSkip?.by ?? 'ops',
          via: 'signal',
          note: `skipped by ops: ${opsSkip?.note ?? ''}`,
          at: nowIso(),
        });
      }
      setStage('Skipped');
      return result('Skipped', { note: 'skipped by ops' });
    }
    throw e;
  }

  /**
   * Block execution for this account: until the window opens ops may still skip it (its approved
   * proposal is withdrawn, unless the day has released it into blocks already); then it waits for
   * the day's `blocksDone`, books its allocations and says what was traded. Returns the day's
   * result when the account ends here (skipped, nothing traded), undefined when it goes on to confirms.
   */
  async function tradeInBlocks(proposalId: string): Promise<AccountDayResult | undefined> {
    await condition(() => opsSkip !== undefined || blocksDone, msUntil(clock.windowOpen));
    if (opsSkip && !blocksDone) {
      const withdrawn = await db.withdrawProposal({
        proposalId,
        by: opsSkip.by,
        note: opsSkip.note ?? '',
      });
      if (withdrawn) throw new SkipToday();
      refuse('skipToday', 'too late to skip: the proposal was already released into block orders');
      opsSkip = undefined;
    }
    setStage('Trading');
    await condition(() => blocksDone);
    setStage('AwaitingAllocation');
    await step('book fills', () => db.bookFills({ proposalId }));
    const orders = await db.proposalOrders({ proposalId });
    status.orders.splice(
      0,
      status.orders.length,
      ...orders.map((o) => ({
        clientOrderId: o.clientOrderId,
        status: o.status,
        qty: o.qty,
        filledQty: o.filledQty,
      })),
    );
    const filled = orders.filter((o) => /[1-9]/.test(o.filledQty));
    if (orders.length === 0 || filled.length === 0) {
      await db.audit({
        actor: 'system',
        action: orders.length === 0 ? 'NOT_RELEASED' : 'NOT_FILLED',
        entity: 'proposal',
        entityId: proposalId,
        details: { windowClose: clock.windowClose, orders: orders.length },
      });
      setStage('NotTraded');
      return result('NotTraded', {
        note:
          orders.length === 0
            ? 'approved after the day released its block orders; tomorrow proposes afresh'
            : 'its blocks were not filled (halt or window closed); carried to tomorrow',
      });
    }
    setStage('Traded');
    const short = orders.filter((o) => o.status !== 'FILLED').length;
    if (short > 0) upsertMemo({ carried: `${short} leg(s) not fully filled: carried to tomorrow` });
    return undefined;
  }

  /**
   * Sells first, then buys (their cash comes from the sells): for each side one order per
   * leg, fills polled, a stalled partial fill cancelled and its residual re-sent once, and
   * whatever is still open when the window closes cancelled.
   */
  async function executeProposal(
    proposalId: string,
    pollSeconds: number,
    view: AccountDayStatus['orders'],
  ): Promise<void> {
    const latest = new Map<string, OrderStatusView>();
    const refresh = () => {
      view.splice(
        0,
        view.length,
        ...[...latest.values()].map((o) => ({
          clientOrderId: o.clientOrderId,
          status: o.status,
          qty: o.qty,
          filledQty: o.filledQty,
        })),
      );
    };
    for (const side of ['SELL', 'BUY'] as const) {
      if (msUntil(clock.windowClose) === 0) break;
      const sent = await custodian.submitOrders({ proposalId, attempt: 1, side });
      const phase = new Map<string, OrderStatusView>();
      for (const o of sent) {
        phase.set(o.clientOrderId, o);
        latest.set(o.clientOrderId, o);
      }
      refresh();
      await followOrders(proposalId, pollSeconds, phase, (o) => {
        latest.set(o.clientOrderId, o);
        refresh();
      });
    }
    if ([...latest.values()].some((o) => o.status === 'REJECTED' && !o.retryable)) {
      log.warn('orders rejected for non-retryable reasons', { proposalId });
    }
  }

  async function followOrders(
    proposalId: string,
    pollSeconds: number,
    latest: Map<string, OrderStatusView>,
    onUpdate: (o: OrderStatusView) => void,
  ): Promise<void> {
    const update = (o: OrderStatusView) => {
      latest.set(o.clientOrderId, o);
      onUpdate(o);
    };
    const cancelRequested = new Set<string>();
    const retried = new Set<string>();
    for (;;) {
      const windowLeft = msUntil(clock.windowClose);
      const open = [...latest.values()].filter((o) => o.open);
      if (open.length === 0) {
        const residuals = [...latest.values()].filter(
          (o) => o.retryable && o.attempt < MAX_ATTEMPTS && !retried.has(o.clientOrderId),
        );
        if (residuals.length === 0 || windowLeft === 0) break;
        for (const o of residuals) retried.add(o.clientOrderId);
        const next = await custodian.submitOrders({
          proposalId,
          attempt: residuals[0]!.attempt + 1,
          residualOf: residuals.map((o) => o.clientOrderId),
        });
        for (const o of next) update(o);
        continue;
      }
      if (windowLeft === 0) {
        const toCancel = open
          .filter((o) => !cancelRequested.has(o.clientOrderId))
          .map((o) => o.clientOrderId);
        if (toCancel.length > 0) {
          await custodian.cancelOrders({ clientOrderIds: toCancel, reason: 'window closed' });
          for (const id of toCancel) cancelRequested.add(id);
        }
        await sleep('5 seconds');
        const polled = await custodian.pollOrders({
          clientOrderIds: open.map((o) => o.clientOrderId),
          windowClosed: true,
        });
        for (const o of polled) update(o);
        if (polled.every((o) => !o.open)) break;
        continue;
      }
      await sleep(Math.min(pollSeconds * 1000, windowLeft));
      const before = new Map(open.map((o) => [o.clientOrderId, o.filledQty]));
      const polled = await custodian.pollOrders({
        clientOrderIds: open.map((o) => o.clientOrderId),
        windowClosed: false,
      });
      for (const o of polled) update(o);
      // A partial fill that has stopped filling: cancel the rest so the residual can be re-sent.
      const stalled = stalledOrders(polled, before, (o) => o.attempt < MAX_ATTEMPTS, cancelRequested);
      if (stalled.length > 0) {
        await custodian.cancelOrders({
          clientOrderIds: stalled.map((o) => o.clientOrderId),
          reason: 'residual retry',
        });
        for (const o of stalled) cancelRequested.add(o.clientOrderId);
      }
    }
  }
}

/** The innermost message of an error chain ("Activity task failed" says nothing to ops). */
function errorText(e: unknown): string {
  let cur = e as (Error & { cause?: unknown }) | undefined;
  while (cur?.cause instanceof Error) cur = cur.cause as Error & { cause?: unknown };
  return cur?.message ?? String(e);
}

class SkipToday extends Error {
  constructor() {
    super('skipped by ops');
    this.name = 'SkipToday';
  }
}
