/** The OpenAPI 3 document, generated from the route table and its zod schemas. */
import { OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from './problems';
import type { ApiRoute } from './routes';
import { Health, ProblemSchema } from './schemas';

const problem = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
});

export function buildOpenApiDocument(routes: readonly ApiRoute[], opts: { version?: string } = {}) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description:
      'A token made with `npm run cli -- advisor token create` (advisor) or with a role (ops, trader). Sent as `Authorization: Bearer zoe_…`.',
  });
  registry.register('Problem', ProblemSchema);

  for (const r of routes) {
    const responses: Record<string, ReturnType<typeof problem> | { description: string; content: object }> = {
      200: {
        description: r.response.description,
        content: r.produces
          ? Object.fromEntries(r.produces.map((t) => [t, { schema: z.string() }]))
          : { 'application/json': { schema: r.response.schema } },
      },
      400: problem('Invalid request: the problem names where (path.x, query.x, body.x)'),
      401: problem('No token, or a token that is malformed, unknown or revoked'),
      429: problem(
        'Too many authentication failures with this credential or from this address, or too many requests with this token; see Retry-After',
      ),
    };
    for (const [status, description] of Object.entries(r.problems)) responses[status] = problem(description);
    registry.registerPath({
      method: r.method,
      path: r.path,
      operationId: r.operationId,
      summary: r.summary,
      description: r.description,
      tags: r.tags,
      security: [{ bearerAuth: [] }],
      request: {
        params: r.params as z.AnyZodObject | undefined,
        query: r.query as z.AnyZodObject | undefined,
        body: r.body
          ? {
              required: !r.bodyOptional,
              content: { 'application/json': { schema: r.body } },
            }
          : undefined,
      },
      responses,
    });
  }

  registry.registerPath({
    method: 'get',
    path: '/health',
    operationId: 'health',
    summary: 'Liveness',
    description: 'Answers while the process is up; no token needed.',
    tags: ['service'],
    responses: { 200: { description: 'Up', content: { 'application/json': { schema: Health } } } },
  });
  registry.registerPath({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApiDocument',
    summary: 'This document',
    description: 'The OpenAPI 3 document of the advisor API; no token needed.',
    tags: ['service'],
    responses: {
      200: {
        description: 'OpenAPI 3.0 document',
        content: { 'application/json': { schema: z.object({}).passthrough() } },
      },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/',
    operationId: 'advisorPage',
    summary: 'The advisor page',
    description:
      'A small page: sign in with a token, see pending proposals (legs, reasons, deadline), approve or reject (with a reason). No token needed to load it.',
    tags: ['page'],
    responses: { 200: { description: 'HTML', content: { 'text/html': { schema: z.string() } } } },
  });
  registry.registerPath({
    method: 'get',
    path: '/report',
    operationId: 'dayReportPage',
    summary: 'The day report page',
    description:
      'Accounts per stage over the day, the blotter, exceptions, drift before and after, notional by symbol and side, with charts (`?date=YYYY-MM-DD`). Sign in with a token; no token needed to load it.',
    tags: ['page'],
    responses: { 200: { description: 'HTML', content: { 'text/html': { schema: z.string() } } } },
  });
  registry.registerPath({
    method: 'get',
    path: '/app.js',
    operationId: 'advisorPageScript',
    summary: "The advisor page's script",
    description: 'Plain JavaScript loaded by the page.',
    tags: ['page'],
    responses: {
      200: { description: 'JavaScript', content: { 'application/javascript': { schema: z.string() } } },
    },
  });

  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Zoe advisor API',
      version: opts.version ?? '1.0.0',
      description:
        "Review and decide the trade proposals of advisor-managed accounts, and configure the book (models, accounts, households, restrictions, securities). Every route under /api/v1 needs a bearer token; an advisor token is scoped to that advisor's accounts (another advisor's proposal or account is 404). Errors are application/problem+json with type, title, status, detail and where. Decisions go to the account's Temporal workflow as Updates, so refusals carry the workflow's own reason.",
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'proposals', description: 'Pending proposals, one proposal, history' },
      { name: 'decisions', description: 'Approve all or reject' },
      { name: 'accounts', description: "An account's day" },
      { name: 'session', description: 'The caller' },
      { name: 'models', description: 'Models and their immutable versions' },
      { name: 'account settings', description: "Accounts' configuration, history and what-if preview" },
      { name: 'households', description: 'Households (the wash-sale scope)' },
      { name: 'restrictions', description: 'Account restrictions, advisor and firm restricted lists' },
      { name: 'securities', description: 'The security master' },
      { name: 'firm', description: 'Advisors, firm settings, accounts waiting for setup' },
      { name: 'service', description: 'Health and this document' },
      { name: 'page', description: 'The advisor page' },
    ],
  });
}
