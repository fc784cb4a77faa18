/**
 * Decisions on proposals: the one decision per proposal (approve, reject, expire) recorded with who
 * took it and through what, and ops withdrawing an approved proposal before the window.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { cancelReminder, proposalExpired } from '../notifications/notify';
import { writeAudit } from './audit';
import type { ActivityDeps } from './deps';
import { notifyContextOf } from './notifications';

export function decisionActivities(deps: ActivityDeps) {
  const { db } = deps;
  const notifyCtx = notifyContextOf(deps);
  return {
    /**
     * Records the one decision on a proposal; a repeated call is a no-op. The advisor's reminder is
     * cancelled; a manual account's proposal that expired at the cut-off is reported to its advisor
     * (written to the outbox in the same transaction).
     */
    async recordDecision(input: {
      proposalId: string;
      decision: 'APPROVE' | 'REJECT' | 'EXPIRE';
      actor: string;
      via: string;
      note?: string;
      at: string;
      /** Who the channel authenticated (the API's token), when known: kept in the audit row. */
      principal?: string;
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
          details: {
            via: input.via,
            note: input.note ?? null,
            at: input.at,
            ...(input.principal !== undefined ? { principal: input.principal } : {}),
          },
          idempotencyKey: `decision:${input.proposalId}`,
        });
        await cancelReminder(trx, input.proposalId);
        if (input.decision === 'EXPIRE' && input.via === 'timer') {
          const acct = await trx('accounts').where({ id: proposal.account_id }).first('mode');
          if (acct?.mode === 'MANUAL') await proposalExpired(trx, notifyCtx, input.proposalId);
        }
      });
    },

    /**
     * Ops skipped the account before the window: its approved proposal is withdrawn (EXPIRED) so
     * the day's blocks leave it out. False when the blocks were built already (it is RELEASED).
     */
    async withdrawProposal(input: { proposalId: string; by: string; note: string }): Promise<boolean> {
      return db.transaction(async (trx) => {
        const n = await trx('proposals')
          .where({ id: input.proposalId, status: 'APPROVED' })
          .update({ status: 'EXPIRED' });
        const p = await trx('proposals').where({ id: input.proposalId }).first('status');
        if (n > 0)
          await writeAudit(trx, {
            actor: input.by,
            action: 'PROPOSAL_WITHDRAWN',
            entity: 'proposal',
            entityId: input.proposalId,
            details: { note: input.note },
            idempotencyKey: `withdrawn:${input.proposalId}`,
          });
        return n > 0 || p?.status === 'EXPIRED';
      });
    },
  };
}
