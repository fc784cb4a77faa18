/** A row of the append-only audit log. `idempotencyKey` makes a retried write a no-op. */
export interface AuditEntry {
  actor: string;
  action: string;
  entity: string;
  entityId: string;
  details?: Record<string, unknown>;
  idempotencyKey?: string;
}
