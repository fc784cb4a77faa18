import type { Knex } from 'knex';
import type { CustodianPort } from '../custodian/port';
import type { Notifier } from './notifier';

export interface ActivityDeps {
  db: Knex;
  custodian: CustodianPort;
  dropDir: string;
  correspondent: string;
  /** The custodian account block orders execute in before allocation (default ZOEAVG01). */
  averagePriceAccount?: string;
  /** Where notifications go (a log line by default; see notifier.ts). */
  notifier?: Notifier;
  /** Review policy for auto accounts. */
  policy?: { autoReviewMaxLegUsd?: string };
}

/** A row of the append-only audit log. `idempotencyKey` makes a retried write a no-op. */
export interface AuditEntry {
  actor: string;
  action: string;
  entity: string;
  entityId: string;
  details?: Record<string, unknown>;
  idempotencyKey?: string;
}

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
