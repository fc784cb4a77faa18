/**
 * `approve` / `reject` / `ops …` for an account whose day has ended (since the v7 patch a day that
 * will not trade ends at once, since v8 a traded one once booked, since v9 `batch-books-fills` an
 * approved one at its approval: its batch books the fills): no Update or signal can reach it, so
 * the CLI says what the day's own status shows instead of Temporal's "workflow not found".
 */
import type { AccountDayStatus } from '../workflows/messages';

type EndedDay = Pick<AccountDayStatus, 'accountId' | 'tradeDate' | 'stage' | 'decision' | 'proposal'>;

const ended = (s: EndedDay) => `${s.accountId}'s day of ${s.tradeDate} has ended (stage ${s.stage})`;

/** Since `batch-books-fills`: what happens to an approval whose day has ended `Approved`. */
const BATCH_BOOKS =
  "its batch books the fills once the day's blocks are done; until then ops can skip it (ops skip)";

export function endedDayMessage(kind: 'approve' | 'reject', s: EndedDay): string {
  const day = ended(s);
  const d = s.decision;
  if (!s.proposal) return `${day}: it had no proposal to ${kind}`;
  if (!d) return `${day}: proposal ${s.proposal.id} was not decided, and can no longer be`;
  if (d.decision === 'EXPIRED') return `${day}: proposal ${s.proposal.id} expired (${d.note ?? d.via})`;
  const asked = kind === 'approve' ? 'APPROVED' : 'REJECTED';
  const taken = `proposal ${s.proposal.id} was ${d.decision.toLowerCase()} by ${d.by} at ${d.at}`;
  const then = s.stage === 'Approved' ? `; ${BATCH_BOOKS}` : '';
  return d.decision === asked
    ? `${day}: ${taken} already${then}; nothing to do`
    : `${day}: ${taken}${then}; it cannot be ${asked.toLowerCase()} now`;
}

/**
 * `ops retry|skip|resolve` for an ended day whose stage is not `Approved` (a skip of an
 * `Approved` one goes to its batch: src/cli/ops.ts): what the day's status says instead.
 */
export function endedDayOpsMessage(action: 'retry' | 'skip' | 'resolve', s: EndedDay): string {
  const day = ended(s);
  if (action !== 'skip') {
    const what = action === 'retry' ? 'nothing to retry' : 'no break it holds for';
    return s.stage === 'Approved'
      ? `${day}: ${what}; its batch books it (a batch in stage Failed takes retry itself)`
      : `${day}: ${what}`;
  }
  switch (s.stage) {
    case 'Skipped':
      return `${day}: it was skipped already; nothing to do`;
    case 'NoAction':
      return `${day}: it had no proposal; nothing to skip`;
    case 'Rejected':
    case 'Expired':
      return `${day}: proposal ${s.proposal?.id ?? '?'} was ${s.stage.toLowerCase()}, it does not trade; nothing to skip`;
    case 'PendingSetup':
      return `${day}: it is pending setup and does not trade; nothing to skip`;
    case 'NotTraded':
      return `${day}: it did not trade; nothing to skip`;
    case 'Traded':
    case 'Confirmed':
    case 'ConfirmBreak':
      return `${day}: it has traded and its fills are booked; too late to skip`;
    default:
      return `${day}: too late to skip`;
  }
}
