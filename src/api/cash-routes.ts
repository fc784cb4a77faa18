/**
 * The account's cash through the API: withdrawal requests (ops for any account, an advisor for
 * their own) and the account's cash flows with where each came from (docs/book-sync.md).
 */
import { z } from 'zod';
import {
  CASH_FLOW_SOURCES,
  CASH_FLOW_STATUSES,
  type CashFlowView,
  WithdrawalRefused,
  WithdrawalRequestSchema,
  listCashFlows,
  requestWithdrawal,
} from '../book/withdrawals';
import { PROBLEM_TYPES, Problem, notFound } from './problems';
import { visibleAccount } from './proposals';
import type { ApiRoute } from './routes';
import { AccountParams } from './schemas';

// biome-ignore lint/suspicious/noExplicitAny: the table holds routes of different schema types
type AnySchema = z.ZodType<any, any, any>;

/** Typed like the route table's own declarations (src/api/routes.ts). */
function route<P extends AnySchema, Q extends AnySchema, B extends AnySchema, R extends AnySchema>(
  r: ApiRoute<P, Q, B, R>,
): ApiRoute {
  return r as unknown as ApiRoute;
}

const CashFlow = z
  .object({
    id: z.string(),
    type: z.string(),
    amount: z.string().openapi({ description: 'USD, + = into the account' }),
    status: z.enum(CASH_FLOW_STATUSES),
    effectiveDate: z.string(),
    postedDate: z.string().nullable(),
    source: z.enum(CASH_FLOW_SOURCES),
    sourceRef: z
      .string()
      .nullable()
      .openapi({ description: 'EXT869/{processDate}/{line} for a custodian line' }),
    transferId: z.string().nullable(),
    description: z.string().nullable(),
    requestedBy: z.string().nullable(),
  })
  .openapi('CashFlow');

const WithdrawalBody = WithdrawalRequestSchema.omit({ accountId: true }).openapi('WithdrawalRequest');
const WithdrawalResponse = z
  .object({ withdrawal: CashFlow, duplicate: z.boolean() })
  .openapi('WithdrawalResponse');
const CashFlowList = z.object({ accountId: z.string(), items: z.array(CashFlow) }).openapi('CashFlowList');

export const CASH_ROUTES: ApiRoute[] = [
  route({
    method: 'post',
    path: '/api/v1/accounts/{accountId}/withdrawals',
    operationId: 'requestWithdrawal',
    summary: 'Request a withdrawal',
    description:
      "Records a withdrawal of `amount` USD (PENDING). The next scan raises the cash; once the account's cash covers it, it is sent to the custodian (SENT) and paid the morning the custodian reports it (PAID). Give `requestId` to make a retry harmless (the same id answers the same withdrawal, `duplicate: true`). Ops tokens for any account, advisor tokens for their own.",
    tags: ['cash'],
    params: AccountParams,
    body: WithdrawalBody,
    response: { description: 'The withdrawal as recorded', schema: WithdrawalResponse },
    problems: {
      403: 'A trader token',
      404: 'No such account among those the token may see',
      409: 'The account is closed, or the requestId was used for another withdrawal',
      413: 'Body too large',
      415: 'Body is not application/json',
    },
    async handler({ principal, params, body, deps }) {
      if (principal.kind === 'trader')
        throw new Problem(
          403,
          'Forbidden',
          'a trader token cannot request withdrawals',
          'header.authorization',
          PROBLEM_TYPES.forbidden,
        );
      if (!(await visibleAccount(deps.db, principal, params.accountId)))
        throw notFound(`account ${params.accountId} not found`, 'path.accountId');
      try {
        const r = await requestWithdrawal(
          deps.db,
          { ...body, accountId: params.accountId },
          {
            by: principal.kind === 'advisor' ? principal.advisorId : `${principal.kind}:${principal.label}`,
            via: 'api',
            today: deps.today(),
          },
        );
        return { withdrawal: r.flow, duplicate: r.duplicate };
      } catch (e) {
        if (e instanceof WithdrawalRefused)
          throw new Problem(
            e.status,
            e.status === 404 ? 'Not found' : 'Conflict',
            e.message,
            e.where === 'body.accountId' ? 'path.accountId' : e.where,
            PROBLEM_TYPES.refused,
          );
        throw e;
      }
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/accounts/{accountId}/cash-flows',
    operationId: 'listCashFlows',
    summary: "An account's cash flows",
    description:
      'Deposits, withdrawals, dividends, interest, fees, cash in lieu, adjustments: newest first, with their status and where each came from (the book, a custodian file line, ops).',
    tags: ['cash'],
    params: AccountParams,
    response: { description: 'The cash flows', schema: CashFlowList },
    problems: { 404: 'No such account among those the token may see' },
    async handler({ principal, params, deps }) {
      if (!(await visibleAccount(deps.db, principal, params.accountId)))
        throw notFound(`account ${params.accountId} not found`, 'path.accountId');
      const items: CashFlowView[] = await listCashFlows(deps.db, params.accountId);
      return { accountId: params.accountId, items };
    },
  }),
];
