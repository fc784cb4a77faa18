/**
 * `approve` / `reject` for an account whose day has ended (since the v7 patch a day that will
 * not trade ends at once, since v8 a traded one once booked): no Update can reach it, so the CLI
 * says what the day's own status shows instead of Temporal's "workflow not found".
 */
import type { AccountDayStatus } from '../workflows/messages';

export function endedDayMessage(
  kind: 'approve' | 'reject',
  s: Pick<AccountDayStatus, 'accountId' | 'tradeDate' | 'stage' | 'decision' | 'proposal'>,
): string {
  const day = `${s.accountId}'s day of ${s.tradeDate} has ended (stage ${s.stage})`;
  const d = s.decision;
  if (!s.proposal) return `${day}: it had no proposal to ${kind}`;
  if (!d) return `${day}: proposal ${s.proposal.id} was not decided, and can no longer be`;
  if (d.decision === 'EXPIRED') return `${day}: proposal ${s.proposal.id} expired (${d.note ?? d.via})`;
  const asked = kind === 'approve' ? 'APPROVED' : 'REJECTED';
  const taken = `proposal ${s.proposal.id} was ${d.decision.toLowerCase()} by ${d.by} at ${d.at}`;
  return d.decision === asked
    ? `${day}: ${taken} already; nothing to do`
    : `${day}: ${taken}; it cannot be ${asked.toLowerCase()} now`;
}
