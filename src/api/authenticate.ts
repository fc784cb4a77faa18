/**
 * The /api/v1 routes' onRequest hook: bearer token → principal, then the principal's request
 * rate. Order matters (docs/security.md, "Authentication" and "Limits"):
 *
 * 1. a credential that already failed too often is 429 without a look-up;
 * 2. the token is verified; a valid token is served even when its source address is over the
 *    failure limit (somebody else's failures never lock it out), subject only to its own rate;
 * 3. a failure counts against the credential and the source; a source over its limit gets 429
 *    instead of 401 for credentials that do not verify.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { PROBLEM_TYPES, Problem } from './problems';
import type { AuthFailureLimiter, WindowCounter } from './rate-limit';
import { type Principal, verifyToken } from './tokens';

function tooManyFailures(wait: number, what: string): Problem {
  return new Problem(
    429,
    'Too many authentication failures',
    `too many failed authentications ${what}; try again in ${wait} s`,
    'header.authorization',
    PROBLEM_TYPES.rateLimited,
    { 'retry-after': String(wait) },
  );
}

export function authenticator(deps: {
  db: Knex;
  failures: AuthFailureLimiter;
  requests: WindowCounter;
}): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const { failures, requests } = deps;
  return async (req, reply) => {
    const source = req.ip;
    const header = req.headers.authorization;
    const fail = (detail: string, error: 'invalid_request' | 'invalid_token') => {
      const sourceWait = failures.sourceWait(source);
      failures.fail(source, header);
      if (sourceWait > 0) return tooManyFailures(sourceWait, 'from this address');
      reply.header('www-authenticate', `Bearer realm="zoe", error="${error}"`);
      return new Problem(
        401,
        'Unauthenticated',
        detail,
        'header.authorization',
        PROBLEM_TYPES.unauthenticated,
      );
    };
    const credentialWait = failures.credentialWait(header);
    if (credentialWait > 0) throw tooManyFailures(credentialWait, 'with this credential');
    if (!header) throw fail('an Authorization: Bearer <token> header is required', 'invalid_request');
    const m = /^Bearer +(\S+) *$/i.exec(header);
    if (!m?.[1]) throw fail('the Authorization header must be "Bearer <token>"', 'invalid_request');
    const principal: Principal | undefined = await verifyToken(deps.db, m[1]);
    if (!principal) throw fail('the token is not valid (malformed, unknown or revoked)', 'invalid_token');
    const wait = requests.retryAfter(principal.tokenId);
    if (wait > 0) {
      throw new Problem(
        429,
        'Too many requests',
        `this token made more than ${requests.max} requests in ${requests.windowMs / 1000} s; try again in ${wait} s`,
        'header.authorization',
        PROBLEM_TYPES.rateLimited,
        { 'retry-after': String(wait) },
      );
    }
    requests.hit(principal.tokenId);
    req.principal = principal;
  };
}
