/**
 * AccountDay's state and the rules for the messages it takes, free of any Temporal call so it can
 * be unit-tested without a workflow (test/workflows/account-day-state.test.ts): the status the
 * `status` query answers, the one decision on the proposal, ops' requests, and why a message is
 * refused. The workflow (./workflow.ts) owns the steps; ./handlers.ts wires the messages to this.
 */
import type { ApproveInput, OpsInput, RejectInput, ResolveBreakInput, ZoeReviewInput } from '../messages';
import {
  type AccountDayStatus,
  ApproveSchema,
  type DecisionResult,
  OpsSchema,
  RejectSchema,
  ResolveBreakSchema,
  ZoeReviewSchema,
  zodMessage,
} from '../messages';
import type { Stage } from '../stages';
import type { AccountDayInput } from '../types';

export type DecisionKind = 'APPROVED' | 'REJECTED';

export interface Decision {
  kind: DecisionKind;
  by: string;
  via: string;
  note?: string;
  /** Who the channel authenticated (the API's token), when known. */
  principal?: string;
}

/** At most this many refused messages are kept in the status (the oldest go first). */
const MAX_REFUSED = 50;

/** Stages after which orders have gone out: too late for ops to skip the account. */
const ORDERS_SENT: ReadonlySet<Stage> = new Set([
  'Trading',
  'Traded',
  'AwaitingConfirms',
  'Confirmed',
  'ConfirmBreak',
]);

export class AccountDayState {
  readonly status: AccountDayStatus;
  decision?: Decision;
  opsResolve?: ResolveBreakInput;
  opsSkip?: OpsInput;
  retryRequested = false;
  blocksDone = false;

  constructor(
    private readonly input: Pick<AccountDayInput, 'accountId' | 'advisorId' | 'mode' | 'tradeDate' | 'clock'>,
    /** Milliseconds since the epoch: the workflow's clock in a workflow, any clock in a test. */
    private readonly now: () => number,
  ) {
    const { accountId, advisorId, mode, tradeDate, clock } = input;
    this.status = {
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
  }

  private nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Enters a stage; returns the one-line summary the workflow's memo shows for it. */
  enter(stage: Stage): string {
    this.status.stage = stage;
    this.status.stageHistory.push({ stage, at: this.nowIso() });
    const { accountId, advisorId, mode } = this.input;
    const p = this.status.proposal;
    return [
      `${accountId} (${mode}, advisor ${advisorId})`,
      `${stage} since ${this.nowIso()}`,
      p
        ? `proposal ${p.id}: ${p.legs} legs, $${p.notional}${p.flags.length ? `, flagged: ${p.flags.join('; ')}` : ''}`
        : '',
      this.status.breaks ? `${this.status.breaks} open breaks` : '',
      this.status.lastError ? `error: ${this.status.lastError}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
  }

  /** Records a message the workflow did not take, with why (kept in the status for ops). */
  refuse(name: string, reason: string): void {
    this.status.refusedMessages.push({ name, reason, at: this.nowIso() });
    if (this.status.refusedMessages.length > MAX_REFUSED) this.status.refusedMessages.shift();
  }

  /** Why a decision message cannot be taken now; undefined when it can. */
  decisionRefusal(p: { proposalId: string; version?: number; advisorId?: string }): string | undefined {
    const { accountId, advisorId, mode, clock } = this.input;
    const proposal = this.status.proposal;
    if (this.now() >= Date.parse(clock.approvalCutoff)) {
      return `the approval cut-off (${clock.approvalCutoff}) has passed; tomorrow's run proposes afresh`;
    }
    if (!proposal) return `no proposal is open for account ${accountId} (stage ${this.status.stage})`;
    if (p.proposalId !== proposal.id) {
      return `proposal ${p.proposalId} is not the open proposal of account ${accountId} (${proposal.id})`;
    }
    if (p.version !== undefined && p.version !== proposal.version) {
      return `proposal ${p.proposalId} is at version ${proposal.version}, not ${p.version}`;
    }
    if (p.advisorId !== undefined) {
      if (mode === 'AUTO') {
        return `account ${accountId} rebalances automatically: flagged trades are decided by a Zoe trader (zoeReview)`;
      }
      if (p.advisorId !== advisorId) return `advisor ${p.advisorId} does not manage account ${accountId}`;
    } else if (mode === 'MANUAL') {
      return `account ${accountId} is a manual account: its advisor approves or rejects`;
    }
    if (this.decision) return undefined; // duplicates are answered with the decision already taken
    if (this.status.stage !== 'AwaitingApproval' && this.status.stage !== 'AwaitingZoeReview') {
      return `account ${accountId} is not awaiting approval (stage ${this.status.stage})`;
    }
    return undefined;
  }

  /** The decision message's payload if it can be taken now; throws an Error saying why not. */
  validateApprove(arg: unknown): ApproveInput {
    const a = parseOrThrow('approve', ApproveSchema, arg);
    this.assertDecidable(a, 'APPROVED');
    return a;
  }

  validateReject(arg: unknown): RejectInput {
    const a = parseOrThrow('reject', RejectSchema, arg);
    this.assertDecidable(a, 'REJECTED');
    return a;
  }

  validateZoeReview(arg: unknown): ZoeReviewInput {
    const a = parseOrThrow('zoeReview', ZoeReviewSchema, arg);
    this.assertDecidable({ proposalId: a.proposalId }, a.decision === 'APPROVE' ? 'APPROVED' : 'REJECTED');
    return a;
  }

  private assertDecidable(
    p: { proposalId: string; version?: number; advisorId?: string },
    kind: DecisionKind,
  ) {
    const why = this.decisionRefusal(p);
    if (why) throw new Error(why);
    if (this.decision && this.decision.kind !== kind)
      throw new Error(`proposal was already ${this.decision.kind.toLowerCase()}`);
  }

  /** Takes the decision (once: a repeat is answered with the decision already taken). */
  decide(kind: DecisionKind, by: string, via: string, note?: string, principal?: string): DecisionResult {
    const proposalId = this.status.proposal?.id ?? '';
    if (this.decision) return { proposalId, decision: this.decision.kind, duplicate: true };
    this.decision = { kind, by, via, note, ...(principal !== undefined ? { principal } : {}) };
    return { proposalId, decision: kind, duplicate: false };
  }

  /** Ops: resolve the account's breaks (only while it is held by them). True when taken. */
  requestResolveBreak(arg: unknown): boolean {
    return this.opsRequest(
      'resolveBreak',
      arg,
      ResolveBreakSchema,
      (stage) => (stage !== 'ReconBreak' ? `no open break hold (stage ${stage})` : undefined),
      (a) => {
        this.opsResolve = a;
      },
    );
  }

  /** Ops: skip the account today (until its orders have gone out). True when taken. */
  requestSkip(arg: unknown): boolean {
    return this.opsRequest(
      'skipToday',
      arg,
      OpsSchema,
      (stage) =>
        ORDERS_SENT.has(stage) ? `too late to skip: orders were already sent (stage ${stage})` : undefined,
      (a) => {
        this.opsSkip = a;
      },
    );
  }

  /** Ops: re-run the step that failed (only in stage Failed). True when taken. */
  requestRetry(arg: unknown): boolean {
    return this.opsRequest(
      'retry',
      arg,
      OpsSchema,
      (stage) => (stage !== 'Failed' ? `nothing to retry (stage ${stage})` : undefined),
      () => {
        this.retryRequested = true;
      },
    );
  }

  /** An ops signal: its payload checked, then whether the stage allows it; refused ones are kept. */
  private opsRequest<T extends OpsInput>(
    name: string,
    arg: unknown,
    schema: {
      safeParse(
        arg: unknown,
      ): { success: true; data: T } | { success: false; error: Parameters<typeof zodMessage>[0] };
    },
    notNow: (stage: Stage) => string | undefined,
    take: (a: T) => void,
  ): boolean {
    const parsed = schema.safeParse(arg);
    const why = parsed.success ? notNow(this.status.stage) : zodMessage(parsed.error);
    if (why !== undefined || !parsed.success) return this.refused(name, why);
    take(parsed.data);
    return true;
  }

  private refused(name: string, why: string | undefined): false {
    this.refuse(name, why ?? 'refused');
    return false;
  }
}

function parseOrThrow<T>(
  name: string,
  schema: {
    safeParse(
      x: unknown,
    ): { success: true; data: T } | { success: false; error: Parameters<typeof zodMessage>[0] };
  },
  arg: unknown,
): T {
  const parsed = schema.safeParse(arg);
  if (!parsed.success) throw new Error(`invalid ${name} message: ${zodMessage(parsed.error)}`);
  return parsed.data;
}
