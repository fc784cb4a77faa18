/**
 * What an error from an account's workflow means to the API caller. A refusal by an Update
 * validator is the workflow's own answer (409 with its reason); a finished or absent workflow
 * is "not awaiting a decision" (409); Temporal being slow or down is 504/503, never a 4xx.
 */
import {
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcDeadlineError,
  isGrpcServiceError,
} from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { PROBLEM_TYPES, Problem } from './problems';

const GRPC_UNAVAILABLE = 14;

/** A refusal is about the proposal named in the path, or about the version in the body. */
function refusal(reason: string): { title: string; type: string; where: string } {
  const r = refusalKind(reason);
  return { ...r, where: r.type === PROBLEM_TYPES.wrongVersion ? 'body.version' : 'path.proposalId' };
}

function refusalKind(reason: string): { title: string; type: string } {
  if (/approval cut-off/i.test(reason))
    return { title: 'Past the approval cut-off', type: PROBLEM_TYPES.cutoffPassed };
  if (/is at version/i.test(reason))
    return { title: 'Wrong proposal version', type: PROBLEM_TYPES.wrongVersion };
  if (/not awaiting|no proposal is open|not the open proposal/i.test(reason)) {
    return { title: 'Not awaiting a decision', type: PROBLEM_TYPES.notAwaiting };
  }
  if (/already (approved|rejected)/i.test(reason))
    return { title: 'Already decided', type: PROBLEM_TYPES.refused };
  return { title: 'Refused', type: PROBLEM_TYPES.refused };
}

function grpcCode(e: unknown): number | undefined {
  for (let cur: unknown = e, i = 0; cur && i < 5; cur = (cur as { cause?: unknown }).cause, i++) {
    if (isGrpcServiceError(cur)) return cur.code;
  }
  return undefined;
}

export function temporalProblem(
  e: unknown,
  ctx: { tradeDate: string; accountId: string; what: 'decision' | 'status' },
): Problem {
  if (e instanceof Problem) return e;
  if (e instanceof WorkflowUpdateFailedError) {
    const reason = e.cause?.message ?? e.message;
    const { title, type, where } = refusal(reason);
    return new Problem(409, title, reason, where, type);
  }
  if (e instanceof WorkflowNotFoundError) {
    const over = /completed|closed/i.test(e.message);
    return new Problem(
      409,
      'Not awaiting a decision',
      over
        ? `not awaiting a decision: the day of ${ctx.tradeDate} for account ${ctx.accountId} is over (${e.message})`
        : `not awaiting a decision: no account day is running for account ${ctx.accountId} on ${ctx.tradeDate}`,
      ctx.what === 'decision' ? 'path.proposalId' : 'path.accountId',
      PROBLEM_TYPES.notAwaiting,
    );
  }
  if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(e)) {
    return new Problem(
      504,
      'Workflow did not answer',
      `the workflow of account ${ctx.accountId} for ${ctx.tradeDate} did not answer in time; try again`,
      undefined,
      PROBLEM_TYPES.unavailable,
    ).causedBy(e);
  }
  if (grpcCode(e) === GRPC_UNAVAILABLE) {
    return new Problem(
      503,
      'Temporal unavailable',
      'the workflow service cannot be reached; try again shortly',
      undefined,
      PROBLEM_TYPES.unavailable,
      { 'retry-after': '5' },
    );
  }
  return new Problem(
    500,
    'Internal error',
    `the ${ctx.what} could not be completed`,
    undefined,
    PROBLEM_TYPES.internal,
  ).causedBy(e);
}
