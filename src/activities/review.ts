import { ApplicationFailure, log } from '@temporalio/activity';
import { type ActivityDeps, type AuditEntry, writeAudit } from './deps';

export function reviewActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    async audit(e: AuditEntry): Promise<void> {
      await writeAudit(db, e);
    },

    async notifyAdvisor(input: { proposalId: string; advisorId: string; deadline: string }): Promise<void> {
      const key = `notify:${input.proposalId}`;
      const already = await db('audit_log').where({ idempotency_key: key }).first();
      if (already) return; // sent before: never twice
      if (deps.notify) await deps.notify(input);
      else log.info('advisor notified', input);
      await writeAudit(db, {
        actor: 'system',
        action: 'ADVISOR_NOTIFIED',
        entity: 'proposal',
        entityId: input.proposalId,
        details: input,
        idempotencyKey: key,
      });
    },

    /** Records the one decision on a proposal; a repeated call is a no-op. */
    async recordDecision(input: {
      proposalId: string;
      decision: 'APPROVE' | 'REJECT' | 'EXPIRE';
      actor: string;
      via: string;
      note?: string;
      at: string;
    }): Promise<void> {
      const status = { APPROVE: 'APPROVED', REJECT: 'REJECTED', EXPIRE: 'EXPIRED' }[input.decision];
      await db.transaction(async (trx) => {
        const proposal = await trx('proposals').where({ id: input.proposalId }).forUpdate().first();
        if (!proposal)
          throw ApplicationFailure.nonRetryable(`proposal ${input.proposalId} not found`, 'NotFound');
        const inserted = await trx('approvals')
          .insert({
            proposal_id: input.proposalId,
            decision: input.decision,
            actor: input.actor,
            via: input.via,
            note: input.note ?? null,
            decided_at: input.at,
          })
          .onConflict('proposal_id')
          .ignore()
          .returning('id');
        if (inserted.length === 0) return;
        await trx('proposals').where({ id: input.proposalId }).update({ status });
        await writeAudit(trx, {
          actor: input.actor,
          action: `PROPOSAL_${status}`,
          entity: 'proposal',
          entityId: input.proposalId,
          details: { via: input.via, note: input.note ?? null, at: input.at },
          idempotencyKey: `decision:${input.proposalId}`,
        });
      });
    },
  };
}
