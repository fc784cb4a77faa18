/**
 * API bearer tokens. A token is `zoe_` + 43 base64url characters (32 random bytes); it is shown
 * once, when created, and only its SHA-256 is stored. Advisor tokens are scoped to that
 * advisor's accounts; `ops` and `trader` tokens carry a role instead. Revoking keeps the row
 * (revoked_at) so the audit log can still name the token. The CLI calls these functions.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { findUnstorable, unstorableMessage } from '../domain/text';

export const TOKEN_PREFIX = 'zoe_';
/** What a well-formed token looks like; anything else is refused without a database look-up. */
export const TOKEN_RE = /^zoe_[A-Za-z0-9_-]{43}$/;

export type TokenRole = 'advisor' | 'ops' | 'trader';

export type TokenOwner = { advisorId: string; label: string } | { role: 'ops' | 'trader'; label: string };

export interface TokenInfo {
  id: string;
  role: TokenRole;
  advisorId: string | null;
  label: string;
  /** The first characters of the token, to recognise it (`zoe_AbCd…`). */
  prefix: string;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

interface TokenRow {
  id: string;
  token_hash: string;
  token_prefix: string;
  role: TokenRole;
  advisor_id: string | null;
  label: string;
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toInfo(r: TokenRow): TokenInfo {
  return {
    id: r.id,
    role: r.role,
    advisorId: r.advisor_id,
    label: r.label,
    prefix: r.token_prefix,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
    revokedBy: r.revoked_by,
  };
}

async function audit(db: Knex, actor: string, action: string, id: string, details: object): Promise<void> {
  await db('audit_log').insert({
    actor,
    action,
    entity: 'api_token',
    entity_id: id,
    details: JSON.stringify(details),
  });
}

function checkLabel(label: string): string {
  const l = label.trim();
  if (l.length === 0 || l.length > 200) throw new Error('a token needs a label of 1 to 200 characters');
  const u = findUnstorable(l);
  if (u) throw new Error(`the label ${unstorableMessage(u)}`);
  return l;
}

/** Who acts (recorded in the token and the audit log): 1 to 200 characters PostgreSQL can store. */
function checkBy(by: string): string {
  const u = findUnstorable(by);
  if (u || by.trim() === '' || by.length > 200)
    throw new Error(`--by ${u ? unstorableMessage(u) : 'must be 1 to 200 characters'}`);
  return by;
}

/**
 * Creates a token for an advisor (`{ advisorId, label }`) or a role (`{ role: 'ops' | 'trader', label }`).
 * Returns the plain token, which is never stored: show it once.
 */
export async function createAdvisorToken(
  db: Knex,
  owner: TokenOwner,
  opts: { by?: string } = {},
): Promise<{ id: string; token: string }> {
  const label = checkLabel(owner.label);
  const by = checkBy(opts.by ?? 'cli');
  let role: TokenRole;
  let advisorId: string | null = null;
  if ('advisorId' in owner) {
    const advisor = await db('advisors').where({ id: owner.advisorId }).first();
    if (!advisor) throw new Error(`no advisor ${owner.advisorId}`);
    role = 'advisor';
    advisorId = owner.advisorId;
  } else {
    if (owner.role !== 'ops' && owner.role !== 'trader') {
      throw new Error(`role must be ops or trader, not ${String(owner.role)}`);
    }
    role = owner.role;
  }
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const id = `tok_${randomBytes(6).toString('hex')}`;
  await db.transaction(async (trx) => {
    await trx('api_tokens').insert({
      id,
      token_hash: hashToken(token),
      token_prefix: token.slice(0, TOKEN_PREFIX.length + 4),
      role,
      advisor_id: advisorId,
      label,
      created_by: by,
    });
    await audit(trx, by, 'API_TOKEN_CREATED', id, { role, advisorId, label });
  });
  return { id, token };
}

/** Revokes a token by id. Revoking twice is harmless (`alreadyRevoked: true`); an unknown id throws. */
export async function revokeToken(
  db: Knex,
  id: string,
  opts: { by?: string } = {},
): Promise<{ id: string; revokedAt: string; alreadyRevoked: boolean }> {
  const by = checkBy(opts.by ?? 'cli');
  return db.transaction(async (trx) => {
    const row: TokenRow | undefined = await trx('api_tokens').where({ id }).forUpdate().first();
    if (!row) throw new Error(`no token ${id}`);
    if (row.revoked_at) {
      return { id, revokedAt: new Date(row.revoked_at).toISOString(), alreadyRevoked: true };
    }
    const [updated] = await trx('api_tokens')
      .where({ id })
      .update({ revoked_at: trx.fn.now(), revoked_by: by })
      .returning('revoked_at');
    await audit(trx, by, 'API_TOKEN_REVOKED', id, { role: row.role, advisorId: row.advisor_id });
    return { id, revokedAt: new Date(updated.revoked_at).toISOString(), alreadyRevoked: false };
  });
}

/** Every token (never a hash), newest first; `activeOnly` leaves out revoked ones. */
export async function listTokens(db: Knex, opts: { activeOnly?: boolean } = {}): Promise<TokenInfo[]> {
  const rows: TokenRow[] = await db('api_tokens')
    .modify((q) => (opts.activeOnly ? q.whereNull('revoked_at') : q))
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'asc' },
    ]);
  return rows.map(toInfo);
}

/**
 * Revokes the active tokens of the same owner and label, then creates a new one: what
 * `npm start` uses for its demo token, so restarts do not pile up valid demo tokens.
 */
export async function rotateToken(
  db: Knex,
  owner: TokenOwner,
  opts: { by?: string } = {},
): Promise<{ id: string; token: string; revoked: string[] }> {
  const label = checkLabel(owner.label);
  const stale: { id: string }[] = await db('api_tokens')
    .whereNull('revoked_at')
    .where({ label })
    .modify((q) =>
      'advisorId' in owner ? q.where({ advisor_id: owner.advisorId }) : q.where({ role: owner.role }),
    )
    .select('id');
  for (const s of stale) await revokeToken(db, s.id, opts);
  const created = await createAdvisorToken(db, owner, opts);
  return { ...created, revoked: stale.map((s) => s.id) };
}

export type Principal =
  | { kind: 'advisor'; tokenId: string; advisorId: string; label: string }
  | { kind: 'ops' | 'trader'; tokenId: string; advisorId: null; label: string };

/**
 * The principal of a presented token, or undefined when it is malformed, unknown or revoked.
 * Marks the token used (at most once a minute, so reads stay reads).
 */
export async function verifyToken(db: Knex, token: string): Promise<Principal | undefined> {
  if (!TOKEN_RE.test(token)) return undefined;
  const row: TokenRow | undefined = await db('api_tokens')
    .where({ token_hash: hashToken(token) })
    .whereNull('revoked_at')
    .first();
  if (!row) return undefined;
  if (!row.last_used_at || Date.now() - new Date(row.last_used_at).getTime() > 60_000) {
    await db('api_tokens').where({ id: row.id }).update({ last_used_at: db.fn.now() });
  }
  if (row.role === 'advisor' && row.advisor_id) {
    return { kind: 'advisor', tokenId: row.id, advisorId: row.advisor_id, label: row.label };
  }
  if (row.role === 'ops' || row.role === 'trader') {
    return { kind: row.role, tokenId: row.id, advisorId: null, label: row.label };
  }
  return undefined;
}
