/**
 * Messages the workflows report through the `audit` activity rather than an activity of their own
 * (so no workflow code changes, and no `patched()`): a step that failed for good (STEP_FAILED on an
 * account's day: ops hear which account, which step and why) and the day's completion
 * (DAY_COMPLETED: its summary to ops). docs/notifications.md has the table.
 */
import type { Knex } from 'knex';
import type { AuditEntry } from '../contracts';
import type { DaySummaryFacts } from './messages';
import { type NotifyContext, accountFailed, daySummary } from './notify';

/** `account-day/{tradeDate}/{accountId}` (src/workflows/ids.ts; activities do not import workflows). */
const ACCOUNT_DAY_ID = /^account-day\/(\d{4}-\d{2}-\d{2})\/(.+)$/;

/**
 * The rows an audit entry calls for (none for most). `callId` names the one workflow call that wrote
 * the entry (run id and activity id: the same for every retry of that call), so a retried activity
 * writes the message once and a second failure of the same account writes a second message.
 */
export async function notificationsForAudit(
  db: Knex,
  ctx: NotifyContext,
  e: AuditEntry,
  callId: string,
): Promise<number[]> {
  if (e.action === 'STEP_FAILED' && e.entity === 'account-day') {
    const m = ACCOUNT_DAY_ID.exec(e.entityId);
    if (!m) return [];
    const d = (e.details ?? {}) as { step?: unknown; error?: unknown };
    return accountFailed(db, ctx, {
      tradeDate: m[1]!,
      accountId: m[2]!,
      step: String(d.step ?? 'a step'),
      error: String(d.error ?? ''),
      failure: callId,
    });
  }
  if (e.action === 'DAY_COMPLETED' && e.entity === 'trading-day')
    return daySummary(db, ctx, e.details as unknown as DaySummaryFacts);
  return [];
}
