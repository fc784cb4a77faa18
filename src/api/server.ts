/**
 * The advisor API (Fastify): pending proposals, one proposal, approve all, reject, an account's
 * day, history; the OpenAPI document at /openapi.json; the advisor page at /.
 *
 * - Every /api/v1 route needs `Authorization: Bearer zoe_…` (src/api/tokens.ts). An advisor
 *   token sees and decides only its own accounts (anything else is 404, the same answer as
 *   "does not exist"); ops tokens read everything and decide nothing; trader tokens read
 *   everything and decide auto accounts' proposals (Zoe review).
 * - Authentication failures are counted per presented credential and per source address; a
 *   valid token is never refused for somebody else's failures; each token has a request rate
 *   (./authenticate.ts, ./rate-limit.ts). Timeouts, body and connection caps: ./limits.ts.
 * - Approve and reject go to the account's workflow as Temporal Updates, so the caller gets the
 *   workflow's own answer; refusals are 409 with its reason.
 * - Every request part is validated with zod before anything else happens; every error is
 *   application/problem+json naming what and where. Bad input is always a 4xx.
 */
import { STATUS_CODES } from 'node:http';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyError, type FastifyReply } from 'fastify';
import type { Knex } from 'knex';
import { z } from 'zod';
import { utcToEtDate } from '../domain/calendar';
import { installApiMetrics } from '../metrics/api-metrics';
import { REPORT_CSP, REPORT_HTML, REPORT_JS } from '../report/page';
import { authenticator } from './authenticate';
import { type ApiLimits, DEFAULT_API_LIMITS, type TrustProxy, fastifyLimitOptions } from './limits';
import { buildOpenApiDocument } from './openapi';
import { PAGE_CSP, PAGE_HTML, PAGE_JS } from './page';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, Problem, zodProblem } from './problems';
import { bodyOnGetProblem, protocolClientError, unroutedProblem } from './protocol-errors';
import { type AuthFailureLimit, AuthFailureLimiter, WindowCounter } from './rate-limit';
import { type ApiRoute, ROUTES, type RouteDeps } from './routes';
import type { Principal } from './tokens';

export interface ApiOptions {
  db: Knex;
  client: Client;
  port: number;
  host?: string;
  /** Limits and timeouts (./limits.ts); each unset one has its default. */
  limits?: Partial<ApiLimits>;
  /** Largest accepted request body in bytes (default 16 KiB); larger is 413. Wins over `limits`. */
  bodyLimit?: number;
  /** Authentication failures allowed per credential and source and window. Wins over `limits`. */
  authFailureLimit?: AuthFailureLimit;
  /** Today's trade date for routes whose date is optional (default: today in America/New_York). */
  today?: () => string;
  /** How long a workflow Update or query may take before the API answers 504 (default 15 s). */
  workflowTimeoutMs?: number;
  /** Trust X-Forwarded-For (behind a reverse proxy) for the client address (default false). Wins over `limits`. */
  trustProxy?: TrustProxy;
  /** DECISION_SIGNING_KEY: sign the decisions sent to workflows (docs/security.md). */
  decisionSigningKey?: string;
  /** Where server-side failures are logged (default console.error). */
  logError?: (msg: string, err: unknown) => void;
}

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const FASTIFY_WHERE: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'header.content-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'header.content-length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'body',
  FST_ERR_BAD_URL: 'path',
};

function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  for (const [k, v] of Object.entries(p.headers)) reply.header(k, v);
  return reply
    .code(p.status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .header('cache-control', 'no-store')
    .send(JSON.stringify(p.body()));
}

/** The same error as a Problem: ours as they are, a framework 4xx kept as a 4xx, anything else 500. */
function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  const e = err as Partial<FastifyError> & Error;
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status === 414) {
    return new Problem(
      414,
      'URI too long',
      'a path parameter is longer than 200 characters',
      'path',
      PROBLEM_TYPES.invalid,
    );
  }
  if (status >= 400 && status < 500) {
    const where =
      (e.code && FASTIFY_WHERE[e.code]) ?? (status === 413 || status === 415 ? 'body' : undefined);
    const title = status === 413 ? 'Body too large' : (STATUS_CODES[status] ?? 'Bad request');
    return new Problem(status, title, e.message || title, where, PROBLEM_TYPES.invalid);
  }
  return new Problem(
    500,
    'Internal error',
    'the request could not be completed',
    undefined,
    PROBLEM_TYPES.internal,
  ).causedBy(err);
}

function fastifyPath(openApiPath: string): string {
  return openApiPath.replace(/\{(\w+)\}/g, ':$1');
}

/** A route without query parameters refuses any (an unknown parameter is a caller mistake). */
const NO_PARAMETERS = z.object({}).strict();

function parse<S extends z.ZodTypeAny>(schema: S | undefined, value: unknown, where: string): z.infer<S> {
  const r = (schema ?? NO_PARAMETERS).safeParse(value === undefined ? {} : value);
  if (!r.success) throw zodProblem(where, r.error);
  return r.data;
}

/** Builds the Fastify app (not listening): used by startApiServer and handy in tests. */
export function buildApiApp(opts: Omit<ApiOptions, 'port' | 'host'>) {
  const logError = opts.logError ?? ((msg: string, err: unknown) => console.error(`[api] ${msg}`, err));
  const deps: RouteDeps = {
    db: opts.db,
    client: opts.client,
    today: opts.today ?? (() => utcToEtDate(new Date().toISOString())),
    workflowTimeoutMs: opts.workflowTimeoutMs ?? 15_000,
    logError,
    ...(opts.decisionSigningKey ? { decisionSigningKey: opts.decisionSigningKey } : {}),
  };
  const limits: ApiLimits = {
    ...DEFAULT_API_LIMITS,
    ...opts.limits,
    ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}),
    ...(opts.authFailureLimit !== undefined ? { authFailures: opts.authFailureLimit } : {}),
    ...(opts.trustProxy !== undefined ? { trustProxy: opts.trustProxy } : {}),
  };
  const authenticate = authenticator({
    db: opts.db,
    failures: new AuthFailureLimiter(limits.authFailures),
    requests: new WindowCounter(limits.requestRate.max, limits.requestRate.windowMs),
  });
  const openapi = JSON.stringify(buildOpenApiDocument(ROUTES));

  const app = Fastify({
    logger: false,
    ...fastifyLimitOptions(limits),
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    // A URL that cannot be decoded: a caller mistake, answered as a problem like any other.
    frameworkErrors: (err, _req, reply) => {
      sendProblem(reply, toProblem(err));
    },
    // What the HTTP parser refuses (framing, 431, an unknown method): src/api/protocol-errors.ts.
    clientErrorHandler: protocolClientError,
  });
  app.server.maxConnections = limits.maxConnections;
  app.decorateRequest('principal', null);
  installApiMetrics(app, { db: opts.db, client: opts.client });

  // JSON only, parsed by us so a malformed body is a 400 naming the body, and an empty body
  // (a bare POST .../approve) counts as no body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, raw, done) => {
    const text = typeof raw === 'string' ? raw : raw.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(
        new Problem(
          400,
          'Malformed JSON',
          `body is not valid JSON: ${(e as Error).message}`,
          'body',
          PROBLEM_TYPES.invalid,
        ),
        undefined,
      );
    }
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });

  app.setErrorHandler((err, req, reply) => {
    const p = toProblem(err);
    if (p.status >= 500) logError(`${req.method} ${req.url} failed`, p.origin ?? err);
    return sendProblem(reply, p);
  });
  // 405 with Allow for a known path's undeclared method, 404 otherwise; a GET with a body is 400.
  app.setNotFoundHandler((req, reply) => sendProblem(reply, unroutedProblem(app, req)));
  app.addHook('onRequest', async (req) => {
    const p = bodyOnGetProblem(req);
    if (p) throw p;
  });

  for (const r of ROUTES) registerRoute(r);

  function registerRoute(r: ApiRoute): void {
    app.route({
      method: r.method.toUpperCase() as 'GET' | 'POST',
      url: fastifyPath(r.path),
      onRequest: authenticate,
      handler: async (req, reply) => {
        const params = parse(r.params, req.params, 'path');
        const query = parse(r.query, req.query, 'query');
        let body: unknown = {};
        if (r.body) {
          if (req.body === undefined && !r.bodyOptional) {
            throw new Problem(
              400,
              'Invalid request',
              'body: a JSON body is required',
              'body',
              PROBLEM_TYPES.invalid,
            );
          }
          body = parse(r.body, req.body === undefined ? {} : req.body, 'body');
          // A JSON null or array is not "no body": the schema refuses it above.
        } else if (req.body !== undefined) {
          throw new Problem(
            400,
            'Invalid request',
            'body: this route takes no body',
            'body',
            PROBLEM_TYPES.invalid,
          );
        }
        const principal = req.principal;
        if (!principal) throw new Problem(401, 'Unauthenticated', 'no principal', 'header.authorization');
        const out = await r.handler({ params, query, body, principal, ip: req.ip, deps });
        if (r.produces) {
          const file = out as { type: string; name: string; body: string };
          return reply
            .header('cache-control', 'no-store')
            .header('content-disposition', `attachment; filename="${file.name}"`)
            .type(file.type)
            .send(file.body);
        }
        return reply
          .header('cache-control', 'no-store')
          .type('application/json; charset=utf-8')
          .send(JSON.stringify(out));
      },
    });
  }

  app.get('/health', async (_req, reply) => reply.header('cache-control', 'no-store').send({ ok: true }));
  app.get('/openapi.json', async (_req, reply) =>
    reply.type('application/json; charset=utf-8').header('access-control-allow-origin', '*').send(openapi),
  );
  // The pages: plain HTML and their script, no build step (the advisor page, the day report).
  const pages = [
    { path: '/', html: PAGE_HTML, csp: PAGE_CSP, script: '/app.js', js: PAGE_JS },
    { path: '/report', html: REPORT_HTML, csp: REPORT_CSP, script: '/report.js', js: REPORT_JS },
  ];
  for (const p of pages) {
    app.get(p.path, async (_req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', p.csp)
        .header('x-frame-options', 'DENY')
        .header('cache-control', 'no-cache')
        .send(p.html),
    );
    app.get(p.script, async (_req, reply) =>
      reply.type('application/javascript; charset=utf-8').header('cache-control', 'no-cache').send(p.js),
    );
  }
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).send());

  return app;
}

export async function startApiServer(opts: ApiOptions): Promise<RunningApi> {
  const app = buildApiApp(opts);
  await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  const addr = app.server.address();
  const port = addr && typeof addr === 'object' ? addr.port : opts.port;
  return { url: `http://localhost:${port}`, close: () => app.close() };
}
