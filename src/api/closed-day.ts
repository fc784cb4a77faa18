/**
 * A decision sent for an account whose day has ended. Since the v7 patch (`wait-stages-and-early-end`) an account
 * that will not trade today (no action, rejected, expired, skipped) ends its day at once instead
 * of waiting for the window to close, so a late or repeated decision finds no running workflow:
 * the answer comes from the book, as the workflow would have given it.
 *
 * - a version that is not the proposal's: 409 "Wrong proposal version";
 * - the wrong channel for the account's mode (an advisor on an auto account, a trader on a manual
 *   one): 409 "Refused", as the workflow refuses it;
 * - the proposal expired at the cut-off: 409 "Past the approval cut-off";
 * - approved, then withdrawn by ops' skip (EXPIRED; since `batch-books-fills` the day has ended
 *   `Approved` and its batch withdraws it on `skipAccount`): 409 "Not awaiting a decision", either way;
 * - a repeat of the decision taken (e.g. a second reject): 200, `duplicate: true`; an approval of
 *   a day ended `Approved` whose batch books it (or has booked it) is such a repeat;
 * - the other decision: 409 "Already decided";
 * - no decision in the book (withdrawn by ops, or no proposal today): 409 "Not awaiting a decision".
 */
import type { z } from 'zod';
import { PROBLEM_TYPES, Problem } from './problems';
import type { ProposalOut } from './proposals';
import type { DecisionResponse } from './schemas';

export function closedDayAnswer(
  p: ProposalOut,
  asked: 'APPROVED' | 'REJECTED',
  dayOver: string,
  version?: number,
  by: 'advisor' | 'trader' = 'advisor',
): z.infer<typeof DecisionResponse> | Problem {
  const d = p.decision;
  const where = 'path.proposalId';
  const wrongChannel =
    by === 'advisor' && p.mode === 'AUTO'
      ? `account ${p.accountId} rebalances automatically: flagged trades are decided by a Zoe trader (zoeReview)`
      : by === 'trader' && p.mode === 'MANUAL'
        ? `account ${p.accountId} is a manual account: its advisor approves or rejects`
        : undefined;
  if (wrongChannel) return new Problem(409, 'Refused', wrongChannel, where, PROBLEM_TYPES.refused);
  if (version !== undefined && version !== p.version) {
    return new Problem(
      409,
      'Wrong proposal version',
      `proposal ${p.id} is at version ${p.version}, not ${version}`,
      'body.version',
      PROBLEM_TYPES.wrongVersion,
    );
  }
  if (d?.decision === 'EXPIRED' && d.via === 'timer') {
    return new Problem(
      409,
      'Past the approval cut-off',
      // Written as the day's clock writes it (UTC, no milliseconds), as the workflow said it.
      `the approval cut-off (${p.deadline.replace(/\.000Z$/, 'Z')}) has passed; tomorrow's run proposes afresh`,
      where,
      PROBLEM_TYPES.cutoffPassed,
    );
  }
  if (d?.decision === 'APPROVED' && p.status === 'EXPIRED') {
    return new Problem(
      409,
      'Not awaiting a decision',
      `not awaiting a decision: ${dayOver}; proposal ${p.id} was approved (by ${d.actor} at ${d.decidedAt}), then withdrawn by ops: it does not trade today`,
      where,
      PROBLEM_TYPES.notAwaiting,
    );
  }
  if (d?.decision === asked) {
    return { proposalId: p.id, accountId: p.accountId, decision: asked, duplicate: true };
  }
  if (d && d.decision !== 'EXPIRED') {
    return new Problem(
      409,
      'Already decided',
      `proposal was already ${d.decision.toLowerCase()} (by ${d.actor} at ${d.decidedAt})`,
      where,
      PROBLEM_TYPES.refused,
    );
  }
  const why = d ? `it expired: ${d.note ?? d.via}` : 'no decision was taken';
  return new Problem(
    409,
    'Not awaiting a decision',
    `not awaiting a decision: ${dayOver}; proposal ${p.id} is ${p.status} (${why})`,
    where,
    PROBLEM_TYPES.notAwaiting,
  );
}
