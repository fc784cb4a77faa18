/**
 * The origin the API puts in every decision it sends to a workflow (docs/security.md, "The trust
 * boundary to Temporal"): via API, the token that authenticated the caller, and, when the API has
 * DECISION_SIGNING_KEY, an HMAC over the decision as the workflow will read it (its own schema
 * parses the payload first, so a trimmed reason is signed trimmed).
 */
import { type DecisionOrigin, decisionOrigin } from '../domain/decision-signature';
import { ApproveSchema, RejectSchema, ZoeReviewSchema } from '../workflows/message-schemas';
import type { Principal } from './tokens';

type Payload =
  | { kind: 'approve'; args: { proposalId: string; advisorId: string; note?: string; version?: number } }
  | { kind: 'reject'; args: { proposalId: string; advisorId: string; reason: string; version?: number } }
  | {
      kind: 'zoeReview';
      args: { proposalId: string; trader: string; decision: 'APPROVE' | 'REJECT'; note: string };
    };

/** Who the API says authenticated the caller: the token id and its owner. */
export function principalName(p: Principal): string {
  return `${p.tokenId} (${p.kind === 'advisor' ? p.advisorId : `${p.kind} ${p.label}`})`;
}

export function withOrigin<P extends Payload>(
  workflowId: string,
  payload: P,
  principal: Principal,
  key: string | undefined,
): P['args'] & { origin: DecisionOrigin } {
  let signed: { proposalId: string; decision: 'APPROVE' | 'REJECT'; actor: string; note: string | undefined };
  if (payload.kind === 'approve') {
    const a = ApproveSchema.safeParse(payload.args).data ?? payload.args;
    signed = { proposalId: a.proposalId, decision: 'APPROVE', actor: a.advisorId, note: a.note };
  } else if (payload.kind === 'reject') {
    const a = RejectSchema.safeParse(payload.args).data ?? payload.args;
    signed = { proposalId: a.proposalId, decision: 'REJECT', actor: a.advisorId, note: a.reason };
  } else {
    const a = ZoeReviewSchema.safeParse(payload.args).data ?? payload.args;
    signed = { proposalId: a.proposalId, decision: a.decision, actor: a.trader, note: a.note };
  }
  const origin = decisionOrigin(
    { workflowId, ...signed },
    { via: 'API', principal: principalName(principal) },
    key,
  );
  return { ...payload.args, origin };
}
