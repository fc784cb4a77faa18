/**
 * Notifications through the `notifications` outbox: each message is written once (idempotency key),
 * sent through the configured notifier (./notifier.ts), then marked SENT; a message already SENT is
 * never sent again.
 */
import { writeAudit } from './audit';
import type { ActivityDeps } from './deps';
import { type Notification, logNotifier } from './notifier';

export function notificationActivities(deps: ActivityDeps) {
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
  };
}
