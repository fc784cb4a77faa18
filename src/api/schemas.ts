/**
 * Every request part and response body of the advisor API as a zod schema. The same schemas
 * validate requests (src/api/server.ts), type the handlers, check responses in the tests and
 * generate the OpenAPI document (src/api/openapi.ts).
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { IsoDate as CalendarDate } from '../domain/config/fields';
import { storableText } from '../domain/text';
import { STAGES } from '../workflows/types';

extendZodWithOpenApi(z);

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;

export const Decimal = z
  .string()
  .regex(DECIMAL_RE)
  .openapi({ description: 'A decimal number written as a string (never a float)', example: '1234.50' });

export const IsoDate = CalendarDate.openapi({ type: 'string', format: 'date', example: '2026-11-24' });

/** A file a route answers instead of JSON (ApiRoute.produces): its media type, name and content. */
export const FileOut = z.object({ type: z.string(), name: z.string(), body: z.string() });

export const Instant = z.string().openapi({ format: 'date-time', example: '2026-11-24T16:45:00.000Z' });

export const ProposalId = z
  .string()
  .regex(/^P\d{8}-[A-Za-z0-9_-]{1,30}$/, 'is not a proposal id (P{yyyymmdd}-{accountId})')
  .openapi({ example: 'P20261124-ACC002' });

export const AccountId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,30}$/, 'is not an account id (1-30 letters, digits, - or _)')
  .openapi({ example: 'ACC002' });

export const AdvisorId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,40}$/, 'is not an advisor id')
  .openapi({ example: 'ADV-BEN' });

/** A whole number in a query string ("50"), bounded. */
export const queryInt = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .optional()
    .transform((v) => v ?? fallback)
    .openapi({ type: 'integer', minimum: min, maximum: max, description: `default ${fallback}` });

// ---- requests -------------------------------------------------------------------------------

export const ProposalParams = z.object({ proposalId: ProposalId }).strict();
export const AccountParams = z.object({ accountId: AccountId }).strict();

export const ListProposalsQuery = z
  .object({
    date: IsoDate.optional().openapi({ description: 'Only proposals of this trade date' }),
    accountId: AccountId.optional().openapi({ description: 'Only this account' }),
    advisorId: AdvisorId.optional().openapi({
      description:
        "Ops and trader tokens: only this advisor's accounts. Advisor tokens: must be their own id.",
    }),
  })
  .strict();

export const StatusQuery = z
  .object({
    date: IsoDate.optional().openapi({ description: 'Trade date; today (America/New_York) when left out' }),
  })
  .strict();

export const HistoryQuery = z
  .object({
    accountId: AccountId.optional(),
    from: IsoDate.optional().openapi({
      description: 'First trade date, inclusive; must not be after `to` (else 400 at query.from)',
    }),
    to: IsoDate.optional().openapi({
      description: 'Last trade date, inclusive; must not be before `from` (else 400 at query.from)',
    }),
    limit: queryInt(1, 200, 50),
    offset: queryInt(0, 100_000, 0),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be after `to`', path: ['from'] });

/** What every free-text field refuses (src/domain/text.ts), said in the OpenAPI document. */
export const STORABLE =
  'Must not contain U+0000 (NUL) or an unpaired UTF-16 surrogate (PostgreSQL cannot store them): 400 naming the field.';

const version = z
  .number()
  .int()
  .positive()
  .optional()
  .openapi({ description: 'The proposal version you reviewed; refused (409) if the proposal has moved on' });

export const ApproveBody = z
  .object({
    version,
    note: storableText({ max: 2000 })
      .optional()
      .openapi({
        description: `Kept with the decision in the audit log; required when a trader reviews an auto account. ${STORABLE}`,
        maxLength: 2000,
      }),
  })
  .strict()
  .openapi('ApproveRequest');

export const RejectBody = z
  .object({
    version,
    reason: storableText({
      max: 2000,
      min: 1,
      trim: true,
      requiredMessage: 'a rejection needs a reason',
      emptyMessage: 'a rejection needs a reason',
    }).openapi({
      description: `Trimmed of leading and trailing white space first; then 1 to 2000 characters. ${STORABLE}`,
      example: 'client asked to wait until after the holidays',
      minLength: 1,
      maxLength: 2000,
    }),
  })
  .strict()
  .openapi('RejectRequest');

// ---- responses ------------------------------------------------------------------------------

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:zoe:problem:invalid-request' }),
    title: z.string().openapi({ example: 'Invalid request' }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().openapi({ example: 'body.reason: a rejection needs a reason' }),
    where: z.string().optional().openapi({
      description:
        'Which part of the request: path.x, query.x, body.x, header.x; `method` (405, 501) or `request` (framing)',
      example: 'body.reason',
    }),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details (application/problem+json)' });

export const Reason = z
  .object({
    code: z.string().nullable().openapi({ example: 'DRIFT' }),
    message: z.string().openapi({ example: 'DRIFT BND: 33.10% vs target 38.00% (band ±5 pp)' }),
  })
  .openapi('Reason');

export const Leg = z
  .object({
    legNo: z.number().int().positive(),
    symbol: z.string().openapi({ example: 'BND' }),
    side: z.enum(['BUY', 'SELL']),
    qty: Decimal,
    estPrice: Decimal,
    estNotional: Decimal,
    reasons: z.array(Reason),
  })
  .openapi('ProposalLeg');

export const TaxEstimate = z
  .object({
    realizedShortTerm: Decimal.openapi({ description: 'Short-term gains realised at estimated prices' }),
    realizedLongTerm: Decimal,
    estimatedTax: Decimal.nullable().openapi({ description: 'Estimated tax; negative is a saving' }),
  })
  .openapi('TaxEstimate');

export const DecisionRecord = z
  .object({
    decision: z.enum(['APPROVED', 'REJECTED', 'EXPIRED']),
    actor: z.string().openapi({ example: 'ADV-BEN' }),
    via: z.string().openapi({ description: 'auto | update | signal | timer', example: 'update' }),
    note: z.string().nullable(),
    decidedAt: Instant,
  })
  .openapi('Decision');

export const Proposal = z
  .object({
    id: ProposalId,
    accountId: AccountId,
    accountName: z.string(),
    advisorId: AdvisorId,
    mode: z.enum(['AUTO', 'MANUAL']),
    taxStatus: z.string().openapi({ example: 'TAXABLE' }),
    tradeDate: IsoDate,
    version: z.number().int().positive(),
    status: z.string().openapi({
      description:
        'PENDING_APPROVAL | APPROVED | REJECTED | EXPIRED | RELEASED | EXECUTED | PARTIALLY_EXECUTED | FAILED',
      example: 'PENDING_APPROVAL',
    }),
    reasons: z.array(Reason),
    deadline: Instant.openapi({ description: 'The approval cut-off; after it the proposal expires' }),
    createdAt: Instant,
    sellNotional: Decimal,
    buyNotional: Decimal,
    taxEstimate: TaxEstimate.nullable(),
    legs: z.array(Leg),
    decision: DecisionRecord.nullable(),
  })
  .openapi('Proposal');

export const ProposalList = z.object({ proposals: z.array(Proposal) }).openapi('ProposalList');

export const History = z
  .object({
    items: z.array(Proposal),
    total: z.number().int().nonnegative(),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .openapi('History');

export const DecisionResponse = z
  .object({
    proposalId: ProposalId,
    accountId: AccountId,
    decision: z.enum(['APPROVED', 'REJECTED']),
    duplicate: z.boolean().openapi({ description: 'true when the same decision had already been taken' }),
  })
  .openapi('DecisionResult');

const StageEnum = z.enum(STAGES);

export const AccountStatus = z
  .object({
    accountId: z.string(),
    advisorId: z.string(),
    mode: z.string(),
    tradeDate: z.string(),
    stage: StageEnum,
    stageHistory: z.array(z.object({ stage: StageEnum, at: Instant })),
    proposal: z
      .object({
        id: z.string(),
        version: z.number().int(),
        legs: z.number().int(),
        reasons: z.array(z.unknown()),
        notional: z.string(),
        flags: z.array(z.string()).optional(),
      })
      .optional(),
    decision: z
      .object({
        decision: z.enum(['APPROVED', 'REJECTED', 'EXPIRED']),
        by: z.string(),
        via: z.string(),
        at: Instant,
        note: z.string().optional(),
      })
      .optional(),
    deadlines: z.object({
      approvalCutoff: Instant,
      windowOpen: Instant,
      windowClose: Instant,
      confirmAt: Instant,
    }),
    breaks: z.number().int(),
    orders: z.array(
      z.object({ clientOrderId: z.string(), status: z.string(), qty: z.string(), filledQty: z.string() }),
    ),
    lastError: z.string().optional(),
    refusedMessages: z.array(z.object({ name: z.string(), reason: z.string(), at: Instant })),
  })

  .openapi('AccountDayStatus', { description: "The account day workflow's `status` query" });

export const Me = z
  .object({
    tokenId: z.string().openapi({ example: 'tok_3f9a1c0b7d2e' }),
    role: z.enum(['advisor', 'ops', 'trader']),
    advisorId: AdvisorId.nullable(),
    label: z.string(),
    scope: z.enum(['own accounts', 'all accounts']),
    accounts: z.array(
      z.object({
        id: AccountId,
        name: z.string(),
        mode: z
          .enum(['AUTO', 'MANUAL'])
          .nullable()
          .openapi({ description: 'null while the account waits for setup' }),
      }),
    ),
  })
  .openapi('Me');

export const Health = z.object({ ok: z.literal(true) }).openapi('Health');
