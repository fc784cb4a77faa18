/**
 * AccountDay's message handlers, registered with a description each so the Temporal UI lists them
 * with what they expect (ops send `resolveBreak`, `skipToday`, `retry` from Workflow → Send a
 * Signal). The decisions come as an Update (the caller gets the answer or the refusal) and as a
 * Signal (refused ones are kept in the status), both built by one helper from the same rules.
 *
 * Since the `decision-origin` patch a decision is taken only after the worker's `verifyDecision`
 * activity said where it came from (src/activities/decision-auth.ts, docs/security.md): the API
 * or the CLI with a valid signature, or straight through Temporal (via TEMPORAL, refused when the
 * worker has a signing key). A refused Update fails with the reason; a refused Signal is kept in
 * `refusedMessages`. Histories from before the patch replay the old path (via update/signal).
 */
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, log, patched, setHandler } from '@temporalio/workflow';
import { bookSteps } from '../activity-options';
import {
  ApproveSchema,
  type DecisionOriginInput,
  type DecisionResult,
  RejectSchema,
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
  zoeReviewSignal,
  zoeReviewUpdate,
} from '../messages';
import type { AccountDayState, DecisionKind } from './state';

interface DecisionMessage<A> {
  update: UpdateDefinition<DecisionResult, [A]>;
  signal: SignalDefinition<[A]>;
  /** The payload if it can be taken now; throws an Error saying why not. */
  validate(arg: unknown): A;
  /** The payload's schema: the Update's handler takes the parsed (trimmed) payload its validator passed. */
  schema: { safeParse(arg: unknown): { success: boolean; data?: A } };
  /** The decision the payload asks for: kind, who, the note, where the sender says it comes from. */
  decision(a: A): { kind: DecisionKind; by: string; note?: string; origin?: DecisionOriginInput };
  /** `via` recorded for the Update and for the Signal. */
  via: { update: string; signal: string };
  description: string;
}

export const DECISION_ORIGIN_PATCH = 'decision-origin';

const verify = bookSteps();

/** Registers one decision as an Update (with its validator) and as a Signal, from one definition. */
function decisionHandlers<A>(state: AccountDayState, m: DecisionMessage<A>, checked: boolean): void {
  const take = (a: A, via: string) => {
    const d = m.decision(a);
    return state.decide(d.kind, d.by, via, d.note);
  };
  /** Since the patch: the worker says where the decision comes from, or why it is refused. */
  const verifiedTake = async (arg: unknown, name: 'approve' | 'reject' | 'zoeReview') => {
    const a = m.validate(arg);
    const d = m.decision(a);
    const v = await verify.verifyDecision({
      message: name,
      proposalId: state.status.proposal?.id ?? '',
      decision: d.kind === 'APPROVED' ? 'APPROVE' : 'REJECT',
      actor: d.by,
      ...(d.note !== undefined ? { note: d.note } : {}),
      ...(d.origin !== undefined ? { origin: d.origin } : {}),
    });
    if (!v.ok) throw new Error(`refused: ${v.reason}`);
    // Checked again: the cut-off may have passed, or another decision come in, meanwhile.
    m.validate(arg);
    return state.decide(d.kind, d.by, v.via, d.note, v.principal);
  };
  const name = m.update.name as 'approve' | 'reject' | 'zoeReview';
  setHandler(
    m.update,
    async (arg) => {
      if (!checked) return take(m.schema.safeParse(arg).data ?? arg, m.via.update);
      try {
        return await verifiedTake(arg, name);
      } catch (e) {
        // An Update's refusal goes to its caller; the workflow goes on waiting.
        throw ApplicationFailure.create({
          message: (e as Error).message,
          type: 'DecisionRefused',
          nonRetryable: true,
        });
      }
    },
    {
      validator: (arg) => {
        m.validate(arg);
      },
      description: m.description,
    },
  );
  setHandler(
    m.signal,
    async (arg) => {
      try {
        if (checked) await verifiedTake(arg, name);
        else take(m.validate(arg), m.via.signal);
      } catch (e) {
        state.refuse(m.signal.name, (e as Error).message);
        log.warn('message refused', { name: m.signal.name, reason: (e as Error).message });
      }
    },
    {
      description: `${m.description} (as a signal: a refusal is kept in the status query's refusedMessages)`,
    },
  );
}

export function registerHandlers(state: AccountDayState): void {
  const checked = patched(DECISION_ORIGIN_PATCH);
  decisionHandlers(
    state,
    {
      update: approveUpdate,
      signal: approveSignal,
      validate: (arg) => state.validateApprove(arg),
      schema: ApproveSchema,
      decision: (a) => ({ kind: 'APPROVED', by: a.advisorId, note: a.note, origin: a.origin }),
      via: { update: 'update', signal: 'signal' },
      description:
        'The advisor approves the open proposal of a manual account: {"proposalId", "advisorId", "version"?, "note"?}. Refused after the approval cut-off, for another advisor, or another proposal.',
    },
    checked,
  );
  decisionHandlers(
    state,
    {
      update: rejectUpdate,
      signal: rejectSignal,
      validate: (arg) => state.validateReject(arg),
      schema: RejectSchema,
      decision: (a) => ({ kind: 'REJECTED', by: a.advisorId, note: a.reason, origin: a.origin }),
      via: { update: 'update', signal: 'signal' },
      description:
        'The advisor rejects the open proposal of a manual account: {"proposalId", "advisorId", "reason", "version"?}. A reason is required.',
    },
    checked,
  );
  decisionHandlers(
    state,
    {
      update: zoeReviewUpdate,
      signal: zoeReviewSignal,
      validate: (arg) => state.validateZoeReview(arg),
      schema: ZoeReviewSchema,
      decision: (a) => ({
        kind: a.decision === 'APPROVE' ? 'APPROVED' : 'REJECTED',
        by: a.trader,
        note: a.note,
        origin: a.origin,
      }),
      via: { update: 'zoeReview', signal: 'zoeReviewSignal' },
      description:
        'A Zoe trader decides an auto account\'s flagged proposal (stage AwaitingZoeReview): {"proposalId", "trader", "decision": "APPROVE"|"REJECT", "note"}.',
    },
    checked,
  );
  setHandler(resolveBreakSignal, (arg) => void state.requestResolveBreak(arg), {
    description:
      'Ops, in stage ReconBreak: resolve the account\'s unresolved breaks, re-reconcile and continue. {"by": "your name", "note": "why", "resolution": "EXPLAINED" (default: the book stays, the same difference does not reopen; "item" names what explains it) | "ADOPT" (the custodian\'s figures are posted to the book)}',
  });
  setHandler(skipTodaySignal, (arg) => void state.requestSkip(arg), {
    description:
      'Ops, before stage Trading: the account does nothing today; an open proposal expires. {"by": "your name", "note": "why"}',
  });
  setHandler(retrySignal, (arg) => void state.requestRetry(arg), {
    description:
      'Ops, in stage Failed: re-run the step that failed (status query lastError says which). {"by": "your name", "note": "why"}',
  });
  setHandler(statusQuery, () => state.status, {
    description:
      "The account's day: stage and its history, proposal, decision, deadlines, orders, last error, refused messages.",
  });
  setHandler(
    blocksDoneSignal,
    () => {
      state.blocksDone = true;
    },
    {
      description:
        "From the account's batch: every block of the day is allocated; book the fills. No payload.",
    },
  );
}
