/**
 * Messages that AccountDay takes. Payloads are validated with zod (./message-schemas.ts): an
 * Update with a bad payload is refused by its validator (the caller gets the reason); a bad signal
 * is ignored and recorded in the `status` query's `refusedMessages`.
 *
 * In a workflow the schemas are loaded on its first message, not when it starts: most accounts
 * never take one, and every new workflow evaluates its modules afresh in the SDK's shared V8
 * context (zod among them, when it is imported). The schemas here only parse (`safeParse`).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type * as Schemas from './message-schemas';
import type {
  ApproveInput,
  OpsInput,
  RejectInput,
  ResolveBreakInput,
  SkipAccountInput,
  ZoeReviewInput,
} from './message-schemas';
import type { Stage } from './types';

export type {
  DecisionOriginInput,
  ApproveInput,
  RejectInput,
  ZoeReviewInput,
  OpsInput,
  SkipAccountInput,
  ResolveBreakInput,
} from './message-schemas';

let schemas: typeof Schemas | undefined;
function loaded(): typeof Schemas {
  // A plain require, evaluated where it is called: webpack bundles the module, and this workflow
  // evaluates it (and zod) the first time one of its messages is parsed.
  schemas ??= require('./message-schemas') as typeof Schemas;
  return schemas;
}

/** The schemas of ./message-schemas.ts, by their export names (`ApproveSchema`, …). */
type SchemaName = Extract<keyof typeof Schemas, `${string}Schema`>;
/** A schema of ./message-schemas.ts that loads it when it first parses. */
export interface LazySchema<K extends SchemaName> {
  safeParse(arg: unknown): ReturnType<(typeof Schemas)[K]['safeParse']>;
}
function lazy<K extends SchemaName>(name: K): LazySchema<K> {
  return {
    safeParse: (arg) => loaded()[name].safeParse(arg) as ReturnType<(typeof Schemas)[K]['safeParse']>,
  };
}

export const ApproveSchema = lazy('ApproveSchema');
export const RejectSchema = lazy('RejectSchema');
export const ZoeReviewSchema = lazy('ZoeReviewSchema');
export const OpsSchema = lazy('OpsSchema');
export const SkipAccountSchema = lazy('SkipAccountSchema');
export const ResolveBreakSchema = lazy('ResolveBreakSchema');

export interface DecisionResult {
  proposalId: string;
  decision: 'APPROVED' | 'REJECTED';
  duplicate: boolean;
}

export interface AccountDayStatus {
  accountId: string;
  advisorId: string;
  mode: string;
  tradeDate: string;
  stage: Stage;
  stageHistory: { stage: Stage; at: string }[];
  proposal?: {
    id: string;
    version: number;
    legs: number;
    reasons: string[];
    notional: string;
    flags: string[];
  };
  decision?: {
    decision: 'APPROVED' | 'REJECTED' | 'EXPIRED';
    by: string;
    via: string;
    /** Who the channel authenticated (the API's token), when it said so. */
    principal?: string;
    at: string;
    note?: string;
  };
  deadlines: { approvalCutoff: string; windowOpen: string; windowClose: string; confirmAt: string };
  breaks: number;
  orders: { clientOrderId: string; status: string; qty: string; filledQty: string }[];
  lastError?: string;
  refusedMessages: { name: string; reason: string; at: string }[];
}

export const approveUpdate = defineUpdate<DecisionResult, [ApproveInput]>('approve');
export const rejectUpdate = defineUpdate<DecisionResult, [RejectInput]>('reject');
export const zoeReviewUpdate = defineUpdate<DecisionResult, [ZoeReviewInput]>('zoeReview');
export const approveSignal = defineSignal<[ApproveInput]>('approveSignal');
export const zoeReviewSignal = defineSignal<[ZoeReviewInput]>('zoeReviewSignal');
export const rejectSignal = defineSignal<[RejectInput]>('rejectSignal');
export const resolveBreakSignal = defineSignal<[ResolveBreakInput]>('resolveBreak');
export const skipTodaySignal = defineSignal<[OpsInput]>('skipToday');
export const retrySignal = defineSignal<[OpsInput]>('retry');
export const skipAccountSignal = defineSignal<[SkipAccountInput]>('skipAccount');
export const statusQuery = defineQuery<AccountDayStatus>('status');
/**
 * From the day (to its batches, which pass it on to their accounts): every block of the day is
 * allocated, so each account can book its fills. Carries nothing; the fills are in PostgreSQL.
 */
export const blocksDoneSignal = defineSignal('blocksDone');

/** Formats a zod error as "field: message; field: message". */
export function zodMessage(err: { issues: { path: (string | number)[]; message: string }[] }): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : 'payload'}: ${i.message}`).join('; ');
}
