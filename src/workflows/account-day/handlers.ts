/**
 * AccountDay's message handlers, registered with a description each so the Temporal UI lists them
 * with what they expect (ops send `resolveBreak`, `skipToday`, `retry` from Workflow → Send a
 * Signal). The decisions come as an Update (the caller gets the answer or the refusal) and as a
 * Signal (refused ones are kept in the status), both built by one helper from the same rules.
 */
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { log, setHandler } from '@temporalio/workflow';
import {
  ApproveSchema,
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
  /** The decision the payload asks for: kind, who, the note. */
  decision(a: A): { kind: DecisionKind; by: string; note?: string };
  /** `via` recorded for the Update and for the Signal. */
  via: { update: string; signal: string };
  description: string;
}

/** Registers one decision as an Update (with its validator) and as a Signal, from one definition. */
function decisionHandlers<A>(state: AccountDayState, m: DecisionMessage<A>): void {
  const take = (a: A, via: string) => {
    const d = m.decision(a);
    return state.decide(d.kind, d.by, via, d.note);
  };
  setHandler(m.update, (arg) => take(m.schema.safeParse(arg).data ?? arg, m.via.update), {
    validator: (arg) => {
      m.validate(arg);
    },
    description: m.description,
  });
  setHandler(
    m.signal,
    (arg) => {
      try {
        take(m.validate(arg), m.via.signal);
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
  decisionHandlers(state, {
    update: approveUpdate,
    signal: approveSignal,
    validate: (arg) => state.validateApprove(arg),
    schema: ApproveSchema,
    decision: (a) => ({ kind: 'APPROVED', by: a.advisorId, note: a.note }),
    via: { update: 'update', signal: 'signal' },
    description:
      'The advisor approves the open proposal of a manual account: {"proposalId", "advisorId", "version"?, "note"?}. Refused after the approval cut-off, for another advisor, or another proposal.',
  });
  decisionHandlers(state, {
    update: rejectUpdate,
    signal: rejectSignal,
    validate: (arg) => state.validateReject(arg),
    schema: RejectSchema,
    decision: (a) => ({ kind: 'REJECTED', by: a.advisorId, note: a.reason }),
    via: { update: 'update', signal: 'signal' },
    description:
      'The advisor rejects the open proposal of a manual account: {"proposalId", "advisorId", "reason", "version"?}. A reason is required.',
  });
  decisionHandlers(state, {
    update: zoeReviewUpdate,
    signal: zoeReviewSignal,
    validate: (arg) => state.validateZoeReview(arg),
    schema: ZoeReviewSchema,
    decision: (a) => ({
      kind: a.decision === 'APPROVE' ? 'APPROVED' : 'REJECTED',
      by: a.trader,
      note: a.note,
    }),
    via: { update: 'zoeReview', signal: 'zoeReviewSignal' },
    description:
      'A Zoe trader decides an auto account\'s flagged proposal (stage AwaitingZoeReview): {"proposalId", "trader", "decision": "APPROVE"|"REJECT", "note"}.',
  });
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
