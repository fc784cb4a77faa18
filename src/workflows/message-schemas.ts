/**
 * The zod schemas of the messages AccountDay and AccountBatch take (./messages.ts defines the
 * messages). The API and the CLI check a request with them before it is sent; in a workflow they
 * are loaded on the first message it takes (./messages.ts, `ApproveSchema` and the others there),
 * so zod is not evaluated again in every new workflow.
 */
import { z } from 'zod';
import { storableText } from '../domain/text';

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
