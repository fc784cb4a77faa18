/**
 * Decisions on proposals: the one decision per proposal (approve, reject, expire) recorded with who
 * took it and through what, and ops withdrawing an approved proposal before the window.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { cancelReminder, proposalExpired } from '../notifications/notify';
import { writeAudit } from './audit';
import type { ActivityDeps } from './deps';
import { notifyContextOf } from './notifications';

/** The decision a proposal has in the book; `asked: false` when another call recorded it first. */
export interface RecordedDecision {
  decision: 'APPROVE' | 'REJECT' | 'EXPIRE';
  actor: string;
  via: string;
  note?: string;
  asked: boolean;
}

export function decisionActivities(deps: ActivityDeps) {
  const { db } = deps;
  const notifyCtx = notifyContextOf(deps);
  return {
    /**
     * Records the one decision on a proposal; a repeated call is a no-op. The advisor's reminder is
     * cancelled; a manual account's proposal that expired at the cut-off is reported to its advisor
     * (written to the outbox in the same transaction). Returns the decision the book holds, which
     * is not the one asked for when another was recorded first: a workflow task that took an
     * approval and recorded it can be lost with its worker (the book keeps the approval, the
     * replayed workflow never saw it and expires the proposal at the cut-off). The workflow goes
     * by the book's answer (src/workflows/account-day/workflow.ts).
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
    }): Promise<RecordedDecision> {
      const status = { APPROVE: 'APPROVED', REJECT: 'REJECTED', EXPIRE: 'EXPIRED' }[input.decision];
      return db.transaction(async (trx) => {
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
        if (inserted.length === 0) {
          const held = await trx('approvals').where({ proposal_id: input.proposalId }).first();
          return {
            decision: held.decision,
            actor: held.actor,
            via: held.via,
            note: held.note ?? undefined,
            asked: false,
          };
        }
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
        return {
          decision: input.decision,
          actor: input.actor,
          via: input.via,
          note: input.note,
          asked: true,
        };
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
