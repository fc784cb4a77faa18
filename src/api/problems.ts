/**
 * RFC 9457 (formerly 7807) problem details: every error the API answers is
 * `application/problem+json` with `type`, `title`, `status`, `detail` (what) and, for caller
 * mistakes, `where` (which part of the request: `path.proposalId`, `query.date`, `body.reason`).
 */
import type { z } from 'zod';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Stable problem types; `about:blank` is used where the status code says it all. */
export const PROBLEM_TYPES = {
  invalid: 'urn:zoe:problem:invalid-request',
  unauthenticated: 'urn:zoe:problem:unauthenticated',
  forbidden: 'urn:zoe:problem:forbidden',
  notFound: 'urn:zoe:problem:not-found',
  rateLimited: 'urn:zoe:problem:rate-limited',
  cutoffPassed: 'urn:zoe:problem:approval-cutoff-passed',
  notAwaiting: 'urn:zoe:problem:not-awaiting-decision',
  wrongVersion: 'urn:zoe:problem:wrong-proposal-version',
  refused: 'urn:zoe:problem:decision-refused',
  unavailable: 'urn:zoe:problem:workflow-unavailable',
  internal: 'urn:zoe:problem:internal',
} as const;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  where?: string;
}

export class Problem extends Error {
  /** The error behind a 5xx, for the server log (never sent to the caller). */
  origin?: unknown;

  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly where?: string,
    readonly type: string = 'about:blank',
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  causedBy(e: unknown): this {
    this.origin = e;
    return this;
  }

  body(): ProblemBody {
    const b: ProblemBody = { type: this.type, title: this.title, status: this.status, detail: this.detail };
    if (this.where) b.where = this.where;
    return b;
  }
}

function issuePath(where: string, path: (string | number)[]): string {
  return path.length ? `${where}.${path.join('.')}` : where;
}

/**
 * A 400 for a zod failure: `detail` lists every issue as `where.field: message`, `where` names
 * the first offending field (an unknown key names itself: `body.advisorId`).
 */
export function zodProblem(where: string, err: z.ZodError): Problem {
  const parts: string[] = [];
  let first: string | undefined;
  for (const i of err.issues) {
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) {
        const at = issuePath(where, [...i.path, k]);
        first ??= at;
        parts.push(`${at}: unknown field`);
      }
      continue;
    }
    const at = issuePath(where, i.path);
    first ??= at;
    parts.push(`${at}: ${i.message}`);
  }
  return new Problem(400, 'Invalid request', parts.join('; '), first ?? where, PROBLEM_TYPES.invalid);
}

export const notFound = (detail: string, where?: string) =>
  new Problem(404, 'Not found', detail, where, PROBLEM_TYPES.notFound);
