/**
 * What the AccountDay makes of its steps' outcomes: ops' skip unwinding a step, the decision the
 * book answered (./workflow.ts `recordDecision`), and an error's text as ops read it.
 */
import type { RecordedDecision } from '../../activities/decisions';
import type { Decision } from './state';

/** Ops skipped the account: unwinds whatever step it was in. */
export class SkipToday extends Error {
  constructor() {
    super('skipped by ops');
    this.name = 'SkipToday';
  }
}

/** A decision read back from the book (`recordDecision`'s answer) as the workflow holds one; none for an expiry. */
export function bookDecision(r: RecordedDecision): Decision | undefined {
  if (r.decision === 'EXPIRE') return undefined;
  return {
    kind: r.decision === 'APPROVE' ? 'APPROVED' : 'REJECTED',
    by: r.actor,
    via: r.via,
    ...(r.note !== undefined ? { note: r.note } : {}),
  };
}

/** The innermost message of an error chain ("Activity task failed" says nothing to ops). */
export function errorText(e: unknown): string {
  let cur = e as (Error & { cause?: unknown }) | undefined;
  while (cur?.cause instanceof Error) cur = cur.cause as Error & { cause?: unknown };
  return cur?.message ?? String(e);
}
