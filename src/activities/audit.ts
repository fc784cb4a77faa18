/** The append-only audit log: the helper every activity writes through, and the `audit` activity. */
import type { Knex } from 'knex';
import type { AuditEntry } from '../contracts';
import type { ActivityDeps } from './deps';

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

export function auditActivities(deps: ActivityDeps) {
  return {
    async audit(e: AuditEntry): Promise<void> {
      await writeAudit(deps.db, e);
    },
  };
}
