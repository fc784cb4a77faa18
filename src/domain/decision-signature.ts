/**
 * Signed decisions (docs/security.md, "The trust boundary to Temporal"). The API (and a CLI run
 * with the key) signs each decision it sends to an AccountDay workflow: HMAC-SHA256, keyed with
 * DECISION_SIGNING_KEY, over a canonical form that binds the account day (its workflow id), the
 * proposal, the decision, who decides, the note, the channel, the principal, the time and a nonce.
 * The worker's `verifyDecision` activity checks it before the workflow takes the decision; the
 * key never enters a workflow history. node:crypto: not for workflow code.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_VERSION = 'zoe-decision-v1';

/** What a signed message carries besides the decision itself. */
export interface DecisionOrigin {
  /** The channel: the advisor API, or the CLI. */
  via: 'API' | 'CLI';
  /** Who the channel authenticated: the API's token id and label, the CLI's operator. */
  principal: string;
  /** When it was signed (ISO instant). */
  at: string;
  nonce: string;
  /** Hex HMAC-SHA256 of the canonical form; absent when the sender has no key (dev). */
  signature?: string;
}

export interface SignedDecision {
  /** The AccountDay workflow id (the account day). */
  workflowId: string;
  proposalId: string;
  decision: 'APPROVE' | 'REJECT';
  /** The advisor (or trader) the message names. */
  actor: string;
  note: string | undefined;
}

/** The canonical form: a JSON array of strings in a fixed order (no key order to disagree on). */
export function canonicalDecision(d: SignedDecision, o: Omit<DecisionOrigin, 'signature'>): string {
  return JSON.stringify([
    SIGNATURE_VERSION,
    d.workflowId,
    d.proposalId,
    d.decision,
    d.actor,
    d.note ?? '',
    o.via,
    o.principal,
    o.at,
    o.nonce,
  ]);
}

function hmac(key: string, text: string): string {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(text, 'utf8').digest('hex');
}

/** The origin to send with a decision: signed when a key is given. */
export function decisionOrigin(
  d: SignedDecision,
  o: { via: DecisionOrigin['via']; principal: string },
  key: string | undefined,
  now: Date = new Date(),
): DecisionOrigin {
  const base = {
    via: o.via,
    principal: o.principal,
    at: now.toISOString(),
    nonce: randomBytes(12).toString('hex'),
  };
  return key ? { ...base, signature: hmac(key, canonicalDecision(d, base)) } : base;
}

/** How far a signature's time may be from the verifier's clock. */
export const MAX_SIGNATURE_SKEW_MS = 10 * 60_000;

/** Why a signed decision is not accepted, or undefined when it is. */
export function signatureRefusal(
  d: SignedDecision,
  o: DecisionOrigin | undefined,
  key: string,
  now: Date = new Date(),
): string | undefined {
  if (!o) return 'the decision is not signed (with a signing key set, decisions come through the API)';
  if (!o.signature) return `the decision from ${o.via} is not signed`;
  const want = Buffer.from(hmac(key, canonicalDecision(d, o)), 'hex');
  const got = Buffer.from(o.signature, 'hex');
  if (got.length !== want.length || !timingSafeEqual(got, want))
    return 'the decision signature does not verify';
  const skew = Math.abs(now.getTime() - Date.parse(o.at));
  if (!(skew <= MAX_SIGNATURE_SKEW_MS)) return `the decision was signed at ${o.at}, too far from now`;
  return undefined;
}
