/**
 * `verifyDecision`: where the trust boundary to Temporal is enforced (docs/security.md). An
 * AccountDay workflow calls it with a decision message before taking the decision; it answers
 * the channel and principal to record, or why the decision is refused (the refusal is audited).
 *
 * - With DECISION_SIGNING_KEY (a cluster): only a message signed with the key for this account
 *   day, proposal, decision, actor and note, signed within ten minutes, is taken (via API or CLI,
 *   its principal); anything else is refused: a forged or unsigned Update never applies.
 * - Without a key (dev): a message the API or CLI marked is recorded via its channel (unverified),
 *   anything else via TEMPORAL (sent straight through Temporal: the UI, gRPC, the SDK).
 *
 * Here and not in the workflow: the key stays in the worker's environment and never enters a
 * workflow history, and node:crypto is not available in the workflow sandbox.
 */
import { Context } from '@temporalio/activity';
import { type DecisionOrigin, signatureRefusal } from '../domain/decision-signature';
import { writeAudit } from './audit';
import type { ActivityDeps } from './deps';

export interface VerifyDecisionInput {
  message: 'approve' | 'reject' | 'zoeReview';
  proposalId: string;
  decision: 'APPROVE' | 'REJECT';
  actor: string;
  note?: string;
  origin?: DecisionOrigin;
}

export type VerifyDecisionResult =
  | { ok: true; via: 'API' | 'CLI' | 'TEMPORAL'; principal?: string; verified: boolean }
  | { ok: false; reason: string };

export function decisionAuthActivities(deps: ActivityDeps) {
  return {
    async verifyDecision(input: VerifyDecisionInput): Promise<VerifyDecisionResult> {
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
      const key = deps.decisionSigningKey;
      const origin = input.origin;
      if (!key) {
        return origin
          ? { ok: true, via: origin.via, principal: origin.principal, verified: false }
          : { ok: true, via: 'TEMPORAL', verified: false };
      }
      const reason = signatureRefusal(
        {
          workflowId,
          proposalId: input.proposalId,
          decision: input.decision,
          actor: input.actor,
          note: input.note,
        },
        origin,
        key,
      );
      if (!reason) return { ok: true, via: origin!.via, principal: origin!.principal, verified: true };
      await writeAudit(deps.db, {
        actor: input.actor,
        action: 'DECISION_REFUSED',
        entity: 'proposal',
        entityId: input.proposalId,
        details: {
          reason,
          message: input.message,
          decision: input.decision,
          workflowId,
          claimedVia: origin?.via ?? null,
          claimedPrincipal: origin?.principal ?? null,
          nonce: origin?.nonce ?? null,
        },
      });
      return { ok: false, reason };
    },
  };
}
