/**
 * Who may do what with the book's configuration (issue #13), and the glue between a route and
 * the book's services (src/book/):
 * - ops tokens: everything;
 * - trader tokens: read everything, change nothing;
 * - advisor tokens: read their own accounts' settings (another advisor's account is 404, as for
 *   proposals), the models, securities and firm settings; change only the mode, lot method and
 *   overrides of their own accounts, and only when the firm setting
 *   `advisorsMayChangeAccountSettings` is on (off by default).
 * A refused change is 403 naming what was refused; a book error is a problem naming where.
 */
import type { z } from 'zod';
import { type Actor, type BookContext, BookError, ENTITY } from '../../book/context';
import { PROBLEM_TYPES, Problem } from '../problems';
import type { ApiRoute, HandlerContext } from '../routes';
import type { Principal } from '../tokens';

// biome-ignore lint/suspicious/noExplicitAny: the table holds routes of different schema types
type AnySchema = z.ZodType<any, any, any>;

/** Declares a route of the configuration API (typed like the route table's own). */
export function configRoute<
  P extends AnySchema,
  Q extends AnySchema,
  B extends AnySchema,
  R extends AnySchema,
>(r: ApiRoute<P, Q, B, R>): ApiRoute {
  return r as unknown as ApiRoute;
}

// biome-ignore lint/suspicious/noExplicitAny: any route's context
type AnyContext = HandlerContext<any, any, any> & { via?: 'api' | 'cli' };

export function actorOf(ctx: AnyContext): Actor {
  const p = ctx.principal;
  return {
    id: p.kind === 'advisor' ? p.advisorId : `${p.kind}:${p.label}`,
    via: ctx.via ?? 'api',
    ...(ctx.via === 'cli' ? {} : { tokenId: p.tokenId, ip: ctx.ip }),
  };
}

export function bookContext(ctx: AnyContext): BookContext {
  return { db: ctx.deps.db, actor: actorOf(ctx), today: ctx.deps.today() };
}

const forbidden = (detail: string, where: string) =>
  new Problem(403, 'Forbidden', detail, where, PROBLEM_TYPES.forbidden);

/** Ops only (every change but an advisor's own account settings). */
export function requireOps(p: Principal, what: string): void {
  if (p.kind !== 'ops') {
    throw forbidden(
      `only an ops token may ${what}; this is a${p.kind === 'advisor' ? 'n advisor' : ' trader'} token`,
      'header.authorization',
    );
  }
}

/** Ops and traders (firm-wide lists an advisor does not see). */
export function requireStaff(p: Principal, what: string): void {
  if (p.kind === 'advisor') throw forbidden(`an advisor token may not ${what}`, 'header.authorization');
}

/** An advisor token asking for another advisor's data. */
export function assertOwnAdvisor(p: Principal, advisorId: string | undefined, where: string): void {
  if (p.kind === 'advisor' && advisorId !== undefined && advisorId !== p.advisorId) {
    throw forbidden(`an advisor token sees only its own accounts (${p.advisorId})`, where);
  }
}

export { forbidden };

/** A book error as a problem: `entityWhere` is where the addressed entity is (e.g. path.accountId). */
export function bookProblem(e: BookError, entityWhere: string, bodyWhere = 'body'): Problem {
  const where = e.field === ENTITY ? entityWhere : e.field === '' ? bodyWhere : `${bodyWhere}.${e.field}`;
  const [status, title, type] =
    e.kind === 'not_found'
      ? ([404, 'Not found', PROBLEM_TYPES.notFound] as const)
      : e.kind === 'conflict'
        ? ([409, 'Conflict', 'urn:zoe:problem:conflict'] as const)
        : e.kind === 'forbidden'
          ? ([403, 'Forbidden', PROBLEM_TYPES.forbidden] as const)
          : ([400, 'Invalid request', PROBLEM_TYPES.invalid] as const);
  return new Problem(status, title, e.message, where, type);
}

/** Runs a service call; its BookError becomes a problem. */
export async function viaBook<T>(entityWhere: string, fn: () => Promise<T>, bodyWhere = 'body'): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof BookError) throw bookProblem(e, entityWhere, bodyWhere);
    throw e;
  }
}
