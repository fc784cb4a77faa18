/**
 * The advisor API's JSON routes, declared once: the server registers them with Fastify and
 * the OpenAPI document is generated from the same declarations, so the document lists every
 * route with the schemas that are actually enforced.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Knex } from 'knex';
import type { z } from 'zod';
import { accountDayWorkflowId } from '../workflows/ids';
import {
  type AccountDayStatus,
  type DecisionResult,
  approveUpdate,
  rejectUpdate,
  statusQuery,
  zoeReviewUpdate,
} from '../workflows/messages';
import { CASH_ROUTES } from './cash-routes';
import { closedDayAnswer } from './closed-day';
import { CONFIG_ROUTES } from './config';
import { withOrigin } from './decision-origin';
import { PROBLEM_TYPES, Problem, notFound } from './problems';
import { oneProposal, pendingProposals, proposalHistory, visibleAccount } from './proposals';
import { REPORT_ROUTES } from './report';
import {
  AccountParams,
  AccountStatus,
  ApproveBody,
  DecisionResponse,
  History,
  HistoryQuery,
  ListProposalsQuery,
  Me,
  Proposal,
  ProposalList,
  ProposalParams,
  RejectBody,
  StatusQuery,
} from './schemas';
import type { Principal } from './tokens';
import { temporalProblem } from './workflow-errors';

export interface RouteDeps {
  db: Knex;
  client: Client;
  /** Today's trade date (America/New_York) for routes whose date is optional. */
  today: () => string;
  /** How long a call to an account's workflow may take before the API answers 504. */
  workflowTimeoutMs: number;
  /** Best-effort log of a server-side failure (never of a caller mistake). */
  logError: (msg: string, err: unknown) => void;
  /** DECISION_SIGNING_KEY: the decisions sent to workflows are signed with it (./decision-origin.ts). */
  decisionSigningKey?: string;
}

export interface HandlerContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  ip: string;
  deps: RouteDeps;
  /** Through what the call came: the API (default) or its CLI twin (src/cli/config.ts). */
  via?: 'api' | 'cli';
}

// biome-ignore lint/suspicious/noExplicitAny: the table holds routes of different schema types
type AnySchema = z.ZodType<any, any, any>;

export interface ApiRoute<
  P extends AnySchema = AnySchema,
  Q extends AnySchema = AnySchema,
  B extends AnySchema = AnySchema,
  R extends AnySchema = AnySchema,
> {
  method: 'get' | 'post';
  /** OpenAPI-style path: /api/v1/proposals/{proposalId} */
  path: string;
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  /** Whether the body may be left out entirely (it is then validated as `{}`). */
  bodyOptional?: boolean;
  response: { description: string; schema: R };
  /**
   * The route answers a file, not JSON: the handler returns `{ type, name, body }` (FileOut) and
   * the server sends `body` as `type`, as an attachment named `name`; the document lists these
   * media types.
   */
  produces?: string[];
  /** The problem statuses this route answers besides 400/401/429. */
  problems: Record<number, string>;
  handler(ctx: HandlerContext<z.infer<P>, z.infer<Q>, z.infer<B>>): Promise<z.infer<R>>;
}

function route<P extends AnySchema, Q extends AnySchema, B extends AnySchema, R extends AnySchema>(
  r: ApiRoute<P, Q, B, R>,
): ApiRoute {
  return r as unknown as ApiRoute;
}

const forbidden = (detail: string, where: string) =>
  new Problem(403, 'Forbidden', detail, where, PROBLEM_TYPES.forbidden);

function actorOf(p: Principal): string {
  return p.kind === 'advisor' ? p.advisorId : `${p.kind}:${p.label}`;
}

/** Ops tokens read; advisors decide their own accounts; traders decide auto accounts (Zoe review). */
function assertMayDecide(p: Principal, proposal: z.infer<typeof Proposal>): void {
  if (p.kind === 'ops') {
    throw forbidden(
      'an ops token can read proposals but not decide them; the advisor decides',
      'header.authorization',
    );
  }
  if (p.kind === 'trader' && proposal.mode === 'MANUAL') {
    throw forbidden(
      `account ${proposal.accountId} is a manual account: its advisor decides, not a trader`,
      'path.proposalId',
    );
  }
}

async function auditDecision(
  deps: RouteDeps,
  ctx: { principal: Principal; ip: string },
  proposalId: string,
  action: 'API_APPROVE' | 'API_REJECT',
  details: Record<string, unknown>,
): Promise<void> {
  try {
    await deps.db('audit_log').insert({
      actor: actorOf(ctx.principal),
      action,
      entity: 'proposal',
      entity_id: proposalId,
      details: JSON.stringify({ via: 'api', tokenId: ctx.principal.tokenId, ip: ctx.ip, ...details }),
    });
  } catch (e) {
    deps.logError('could not write the API audit row', e);
  }
}

/** True when the account's day exists and is no longer running (an Update to it is "not found"). */
async function dayHasEnded(handle: ReturnType<Client['workflow']['getHandle']>): Promise<boolean> {
  try {
    return (await handle.describe()).status.name !== 'RUNNING';
  } catch {
    return false;
  }
}

async function decide(
  kind: 'approve' | 'reject',
  ctx: HandlerContext<
    { proposalId: string },
    Record<string, never>,
    { version?: number; note?: string; reason?: string }
  >,
): Promise<z.infer<typeof DecisionResponse>> {
  const { deps, principal } = ctx;
  const p = await oneProposal(deps.db, principal, ctx.params.proposalId);
  if (!p) throw notFound(`proposal ${ctx.params.proposalId} not found`, 'path.proposalId');
  assertMayDecide(principal, p);
  const actor = actorOf(principal);
  const workflowId = accountDayWorkflowId(p.tradeDate, p.accountId);
  const handle = deps.client.workflow.getHandle(workflowId);
  const sign = <P extends Parameters<typeof withOrigin>[1]>(payload: P) =>
    withOrigin(workflowId, payload, principal, deps.decisionSigningKey);
  const action = kind === 'approve' ? 'API_APPROVE' : 'API_REJECT';
  let send: () => Promise<DecisionResult>;
  if (principal.kind === 'trader') {
    // A Zoe review of an auto account's flagged proposal: the `zoeReview` Update, with a note.
    const note = (kind === 'approve' ? ctx.body.note : ctx.body.reason)?.trim();
    if (!note) {
      throw new Problem(
        400,
        'Invalid request',
        'body.note: a Zoe review needs a note',
        'body.note',
        PROBLEM_TYPES.invalid,
      );
    }
    if (ctx.body.version !== undefined && ctx.body.version !== p.version) {
      throw new Problem(
        409,
        'Wrong proposal version',
        `proposal ${p.id} is at version ${p.version}, not ${ctx.body.version}`,
        'body.version',
        PROBLEM_TYPES.wrongVersion,
      );
    }
    send = () =>
      handle.executeUpdate(zoeReviewUpdate, {
        args: [
          sign({
            kind: 'zoeReview',
            args: {
              proposalId: p.id,
              trader: actor,
              decision: kind === 'approve' ? 'APPROVE' : 'REJECT',
              note,
            },
          }),
        ],
      });
  } else if (kind === 'approve') {
    send = () =>
      handle.executeUpdate(approveUpdate, {
        args: [
          sign({
            kind: 'approve',
            args: { proposalId: p.id, version: ctx.body.version, advisorId: actor, note: ctx.body.note },
          }),
        ],
      });
  } else {
    send = () =>
      handle.executeUpdate(rejectUpdate, {
        args: [
          sign({
            kind: 'reject',
            args: {
              proposalId: p.id,
              version: ctx.body.version,
              advisorId: actor,
              reason: ctx.body.reason ?? '',
            },
          }),
        ],
      });
  }
  try {
    const result = await deps.client.withDeadline(Date.now() + deps.workflowTimeoutMs, send);
    await auditDecision(deps, ctx, p.id, action, { outcome: result.decision, duplicate: result.duplicate });
    return {
      proposalId: p.id,
      accountId: p.accountId,
      decision: result.decision,
      duplicate: result.duplicate,
    };
  } catch (e) {
    if (e instanceof WorkflowNotFoundError && (await dayHasEnded(handle))) {
      // The account's day has ended (since the v7 patch, as soon as it will not trade): the book answers.
      const now = (await oneProposal(deps.db, principal, p.id)) ?? p;
      const dayOver = `the day of ${p.tradeDate} for account ${p.accountId} is over`;
      const asked = kind === 'approve' ? 'APPROVED' : 'REJECTED';
      const by = principal.kind === 'trader' ? 'trader' : 'advisor';
      const answer = closedDayAnswer(now, asked, dayOver, ctx.body.version, by);
      const outcome = answer instanceof Problem ? 'REFUSED' : answer.decision;
      await auditDecision(deps, ctx, p.id, action, {
        outcome,
        ...(answer instanceof Problem ? { reason: answer.detail } : { duplicate: true }),
        from: 'book',
      });
      if (answer instanceof Problem) throw answer;
      return answer;
    }
    const problem = temporalProblem(e, { tradeDate: p.tradeDate, accountId: p.accountId, what: 'decision' });
    if (problem.status === 409)
      await auditDecision(deps, ctx, p.id, action, { outcome: 'REFUSED', reason: problem.detail });
    throw problem;
  }
}

export const ROUTES: ApiRoute[] = [
  route({
    method: 'get',
    path: '/api/v1/me',
    operationId: 'whoAmI',
    summary: 'Who the token belongs to',
    description: "The token's role, advisor and the accounts it may see (advisor tokens).",
    tags: ['session'],
    response: { description: 'The caller', schema: Me },
    problems: {},
    async handler({ principal, deps }) {
      const accounts =
        principal.kind === 'advisor'
          ? await deps
              .db('accounts')
              .where({ advisor_id: principal.advisorId })
              .orderBy('id')
              .select('id', 'name', 'mode')
          : [];
      return {
        tokenId: principal.tokenId,
        role: principal.kind,
        advisorId: principal.advisorId,
        label: principal.label,
        scope: principal.kind === 'advisor' ? ('own accounts' as const) : ('all accounts' as const),
        accounts,
      };
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/proposals',
    operationId: 'listPendingProposals',
    summary: 'Pending proposals',
    description:
      "Proposals waiting for a decision (status PENDING_APPROVAL), soonest deadline first, with legs, reasons, tax estimate and deadline. An advisor token sees its own accounts' proposals; ops and trader tokens see all.",
    tags: ['proposals'],
    query: ListProposalsQuery,
    response: { description: 'The pending proposals', schema: ProposalList },
    problems: { 403: 'An advisor token asked for another advisor' },
    async handler({ principal, query, deps }) {
      if (principal.kind === 'advisor' && query.advisorId && query.advisorId !== principal.advisorId) {
        throw new Problem(
          403,
          'Forbidden',
          `an advisor token sees only its own accounts (${principal.advisorId})`,
          'query.advisorId',
          PROBLEM_TYPES.forbidden,
        );
      }
      return { proposals: await pendingProposals(deps.db, principal, query) };
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/proposals/{proposalId}',
    operationId: 'getProposal',
    summary: 'One proposal',
    description:
      "One proposal in any status, with legs, reasons, tax estimate, deadline and decision. Another advisor's proposal is 404.",
    tags: ['proposals'],
    params: ProposalParams,
    response: { description: 'The proposal', schema: Proposal },
    problems: { 404: 'No such proposal among those the token may see' },
    async handler({ principal, params, deps }) {
      const p = await oneProposal(deps.db, principal, params.proposalId);
      if (!p) throw notFound(`proposal ${params.proposalId} not found`, 'path.proposalId');
      return p;
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/proposals/{proposalId}/approve',
    operationId: 'approveProposal',
    summary: 'Approve all legs',
    description:
      "Sent to the account's workflow as an Update; the answer is the workflow's. Advisor tokens: the `approve` Update, for their own (manual) accounts. Trader tokens: the `zoeReview` Update (APPROVE, `note` required), for auto accounts' flagged proposals. Ops tokens: 403. Approving twice is harmless (`duplicate: true`). Refusals (past the approval cut-off, wrong version, not awaiting a decision, day over) are 409 with the workflow's reason in `detail`.",
    tags: ['decisions'],
    params: ProposalParams,
    body: ApproveBody,
    bodyOptional: true,
    response: { description: 'Approved (or already approved)', schema: DecisionResponse },
    problems: {
      403: 'Ops token, or a trader on a manual account',
      404: 'No such proposal among those the token may see',
      409: "Refused by the account's workflow",
      413: 'Body too large',
      415: 'Body is not application/json',
      503: 'Temporal is unavailable',
      504: "The account's workflow did not answer in time",
    },
    handler: (ctx) => decide('approve', ctx),
  }),
  route({
    method: 'post',
    path: '/api/v1/proposals/{proposalId}/reject',
    operationId: 'rejectProposal',
    summary: 'Reject, with a reason',
    description:
      "Sent to the account's workflow as the `reject` Update with the reason (trader tokens on auto accounts: `zoeReview` REJECT with the reason as its note). Rejecting twice is harmless (`duplicate: true`); refusals are 409 with the workflow's reason.",
    tags: ['decisions'],
    params: ProposalParams,
    body: RejectBody,
    response: { description: 'Rejected (or already rejected)', schema: DecisionResponse },
    problems: {
      403: 'Ops token, or a trader on a manual account',
      404: 'No such proposal among those the token may see',
      409: "Refused by the account's workflow",
      413: 'Body too large',
      415: 'Body is not application/json',
      503: 'Temporal is unavailable',
      504: "The account's workflow did not answer in time",
    },
    handler: (ctx) => decide('reject', ctx),
  }),
  route({
    method: 'get',
    path: '/api/v1/accounts/{accountId}/status',
    operationId: 'getAccountStatus',
    summary: "An account's day",
    description:
      "The account day workflow's `status` query: stage and its history, the proposal, the decision, the deadlines, the orders and refused messages. Another advisor's account is 404.",
    tags: ['accounts'],
    params: AccountParams,
    query: StatusQuery,
    response: { description: "The account's day", schema: AccountStatus },
    problems: {
      404: 'No such account among those the token may see, or no account day for that date',
      503: 'Temporal is unavailable',
      504: "The account's workflow did not answer in time",
    },
    async handler({ principal, params, query, deps }) {
      const account = await visibleAccount(deps.db, principal, params.accountId);
      if (!account) throw notFound(`account ${params.accountId} not found`, 'path.accountId');
      const date = query.date ?? deps.today();
      try {
        const status: AccountDayStatus = await deps.client.withDeadline(
          Date.now() + deps.workflowTimeoutMs,
          () => deps.client.workflow.getHandle(accountDayWorkflowId(date, account.id)).query(statusQuery),
        );
        return status;
      } catch (e) {
        if (e instanceof WorkflowNotFoundError) {
          throw notFound(
            `account ${account.id} has no account day for ${date}`,
            query.date ? 'query.date' : 'path.accountId',
          );
        }
        throw temporalProblem(e, { tradeDate: date, accountId: account.id, what: 'status' });
      }
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/history',
    operationId: 'proposalHistory',
    summary: 'Past proposals and their decisions',
    description:
      'Proposals of every status, newest trade date first, each with its decision from the approvals table (who, through what, when, note) or null while pending. Paged with limit and offset.',
    tags: ['proposals'],
    query: HistoryQuery,
    response: { description: 'One page of history', schema: History },
    problems: { 404: 'accountId is not among the accounts the token may see' },
    async handler({ principal, query, deps }) {
      if (query.accountId && !(await visibleAccount(deps.db, principal, query.accountId))) {
        throw notFound(`account ${query.accountId} not found`, 'query.accountId');
      }
      const { items, total } = await proposalHistory(deps.db, principal, query);
      return { items, total, limit: query.limit, offset: query.offset };
    },
  }),
  // The book's configuration: models, accounts, households, restrictions, securities, firm.
  ...CONFIG_ROUTES,
  ...CASH_ROUTES,
  ...REPORT_ROUTES,
];
