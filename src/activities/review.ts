import { ApplicationFailure } from '@temporalio/activity';
import { type ActivityDeps, type AuditEntry, writeAudit } from './deps';
import { type Notification, logNotifier } from './notifier';

export function reviewActivities(deps: ActivityDeps) {
  const { db } = deps;
  const notifier = deps.notifier ?? logNotifier;

  /**
   * Outbox delivery: the message is written once (idempotency key), sent, then marked SENT.
   * A failed send records the error and throws, so Temporal retries with back-off; a message
   * already SENT is never sent again.
   */
  async function deliver(n: Notification): Promise<void> {
    await db('notifications')
      .insert({
        idempotency_key: n.idempotencyKey,
        kind: n.kind,
        recipient: n.recipient,
        payload: JSON.stringify(n.payload),
      })
      .onConflict('idempotency_key')
      .ignore();
    const row = await db('notifications').where({ idempotency_key: n.idempotencyKey }).first();
    if (row.status === 'SENT') return;
    await db('notifications').where({ id: row.id }).increment('attempts', 1);
    try {
      await notifier(n);
    } catch (e) {
      await db('notifications')
        .where({ id: row.id })
        .update({ last_error: (e as Error).message });
      throw e;
    }
    await db('notifications')
      .where({ id: row.id })
      .update({ status: 'SENT', sent_at: db.fn.now(), last_error: null });
    await writeAudit(db, {
      actor: 'system',
      action: n.kind,
      entity: 'notification',
      entityId: String(row.id),
      details: { recipient: n.recipient, ...n.payload },
      idempotencyKey: `sent:${n.idempotencyKey}`,
    });
  }

  return {
    async audit(e: AuditEntry): Promise<void> {
      await writeAudit(db, e);
    },

    async notifyAdvisor(input: { proposalId: string; advisorId: string; deadline: string }): Promise<void> {
      await deliver({
        kind: 'ADVISOR_APPROVAL_NEEDED',
        recipient: input.advisorId,
        payload: { proposalId: input.proposalId, deadline: input.deadline },
        idempotencyKey: `notify:${input.proposalId}`,
      });
    },

    async notifyTraders(input: { proposalId: string; flags: string[]; deadline: string }): Promise<void> {
      await deliver({
        kind: 'TRADER_REVIEW_NEEDED',
        recipient: 'zoe-trading',
        payload: { proposalId: input.proposalId, flags: input.flags, deadline: input.deadline },
        idempotencyKey: `review:${input.proposalId}`,
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
