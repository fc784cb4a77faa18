/**
 * Messages that AccountDay takes. Payloads are validated with zod: an Update with a bad
 * payload is refused by its validator (the caller gets the reason); a bad signal is ignored
 * and recorded in the `status` query's `refusedMessages`.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { storableText } from '../domain/text';
import type { Stage } from './types';

// Every string a message carries is refused here when PostgreSQL could not store it (NUL, an
// unpaired surrogate: src/domain/text.ts): a message the workflow takes must be one it can record.
const actor = storableText({ max: 200, min: 1, trim: true, emptyMessage: 'must name who decides' });
const proposalId = storableText({ max: 60, min: 1, emptyMessage: 'proposalId is required' });
const note = storableText({ max: 2000 });

/**
 * Where a decision came from, as its sender says (src/domain/decision-signature.ts): the API or
 * the CLI, the principal it authenticated, and an HMAC signature. Checked by the worker's
 * `verifyDecision` activity before the decision is taken (docs/security.md); a message without
 * it came straight through Temporal (recorded via TEMPORAL, refused when a signing key is set).
 */
export const DecisionOriginSchema = z
  .object({
    via: z.enum(['API', 'CLI']),
    principal: z.string().min(1).max(300),
    at: z.string().datetime(),
    nonce: z.string().regex(/^[0-9a-f]{8,64}$/),
    signature: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
  })
  .strict();
export type DecisionOriginInput = z.infer<typeof DecisionOriginSchema>;

export const ApproveSchema = z
  .object({
    proposalId,
    version: z.number().int().positive().optional(),
    advisorId: actor,
    note: note.optional(),
    origin: DecisionOriginSchema.optional(),
  })
  .strict();
export type ApproveInput = z.infer<typeof ApproveSchema>;

export const RejectSchema = z
  .object({
    proposalId,
    version: z.number().int().positive().optional(),
    advisorId: actor,
    reason: storableText({ max: 2000, min: 1, trim: true, emptyMessage: 'a rejection needs a reason' }),
    origin: DecisionOriginSchema.optional(),
  })
  .strict();
export type RejectInput = z.infer<typeof RejectSchema>;

export const ZoeReviewSchema = z
  .object({
    proposalId,
    trader: actor,
    decision: z.enum(['APPROVE', 'REJECT']),
    note: storableText({ max: 2000, min: 1, trim: true, emptyMessage: 'a review needs a note' }),
    origin: DecisionOriginSchema.optional(),
  })
  .strict();
export type ZoeReviewInput = z.infer<typeof ZoeReviewSchema>;

export const OpsSchema = z.object({ by: actor, note: note.optional() }).strict();
export type OpsInput = z.infer<typeof OpsSchema>;

/**
 * `skipAccount`, to an AccountBatch (since `batch-books-fills` an approved account's day has ended
 * and its batch holds the proposal until the blocks): which account, who, why.
 */
export const SkipAccountSchema = OpsSchema.extend({
  accountId: z.string().regex(/^[A-Za-z0-9_-]{1,30}$/, 'is not an account id'),
}).strict();
export type SkipAccountInput = z.infer<typeof SkipAccountSchema>;

/**
 * `resolveBreak`: ops choose what happens to the book (docs/book-sync.md). EXPLAINED (default):
 * the difference is explained by a named item (`item`, else the note) and does not reopen while
 * it persists; ADOPT: the custodian's figures are posted to the book.
 */
export const ResolveBreakSchema = z
  .object({
    by: actor,
    note: note.optional(),
    resolution: z.enum(['ADOPT', 'EXPLAINED']).optional(),
    item: storableText({ max: 200, min: 1, trim: true }).optional(),
  })
  .strict();
export type ResolveBreakInput = z.infer<typeof ResolveBreakSchema>;

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
export function zodMessage(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : 'payload'}: ${i.message}`).join('; ');
}
