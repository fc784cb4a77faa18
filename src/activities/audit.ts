/** The append-only audit log: the helper every activity writes through, and the `audit` activity. */
import { Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { AuditEntry } from '../contracts';
import { notificationsForAudit } from '../notifications/from-audit';
import type { ActivityDeps } from './deps';
import { notifyContextOf } from './notifications';

export type { AuditEntry };

export async function writeAudit(db: Knex, e: AuditEntry): Promise<void> {
  await db('audit_log')
    .insert({
      actor: e.actor,
      action: e.action,
      entity: e.entity,
      entity_id: e.entityId,
      details: JSON.stringify(e.details ?? {}),
      idempotency_key: e.idempotencyKey ?? null,
    })
    .onConflict('idempotency_key')
    .ignore();
}

/** The workflow call that wrote an entry: its run and activity id (the same on every retry). */
function auditCallId(): string {
  try {
    const info = Context.current().info;
    return `${info.workflowExecution?.runId ?? 'no-run'}:${info.activityId}`;
  } catch {
    return `direct:${Date.now()}`; // called outside an activity (a test)
  }
}

export function auditActivities(deps: ActivityDeps) {
  const ctx = notifyContextOf(deps);
  return {
    /** Writes the entry; a failed account's step or the day's completion also tells ops (outbox). */
    async audit(e: AuditEntry): Promise<void> {
      const callId = auditCallId();
      await deps.db.transaction(async (trx) => {
        await writeAudit(trx, e);
        await notificationsForAudit(trx, ctx, e, callId);
      });
    },
  };
}
