/**
 * Reading proposals for the API: one query shape for the pending list, one proposal and the
 * history, always scoped to what the caller may see (an advisor: their own accounts).
 */
import type { Knex } from 'knex';
import type { z } from 'zod';
import { Dec, cashStr, dec } from '../domain/money';
import type { Leg, Proposal, Reason, TaxEstimate } from './schemas';
import type { Principal } from './tokens';

export type ProposalOut = z.infer<typeof Proposal>;
type ReasonOut = z.infer<typeof Reason>;

interface ProposalRow {
  id: string;
  account_id: string;
  account_name: string;
  advisor_id: string;
  mode: 'AUTO' | 'MANUAL';
  tax_status: string;
  trade_date: string;
  version: number;
  status: string;
  reasons: unknown;
  plan: unknown;
  created_at: Date;
  expires_at: Date;
  a_decision: string | null;
  a_actor: string | null;
  a_via: string | null;
  a_note: string | null;
  a_decided_at: Date | null;
}

interface LegRow {
  proposal_id: string;
  leg_no: number;
  symbol: string;
  side: 'BUY' | 'SELL';
  qty: string;
  est_price: string;
  est_notional: string;
  reasons: unknown;
}

/** Reasons are strings ("DRIFT BND: …", the interim planner) or objects ({ code, message }, the engine). */
export function normalizeReasons(raw: unknown): ReasonOut[] {
  const list = Array.isArray(raw) ? raw : raw == null ? [] : [raw];
  return list.map((r) => {
    if (typeof r === 'string') {
      const m = /^([A-Z][A-Z_]+)\b/.exec(r);
      return { code: m?.[1] ?? null, message: r };
    }
    if (r && typeof r === 'object') {
      const o = r as { code?: unknown; message?: unknown };
      const code = typeof o.code === 'string' ? o.code : null;
      const message = typeof o.message === 'string' ? o.message : (code ?? JSON.stringify(r));
      return { code, message };
    }
    return { code: null, message: String(r) };
  });
}

const isDecimal = (v: unknown): v is string => typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v);

/** The plan's tax estimate when the engine put one there (`plan.tax`), else null. */
export function taxEstimate(plan: unknown): z.infer<typeof TaxEstimate> | null {
  if (!plan || typeof plan !== 'object') return null;
  const tax = (plan as { tax?: unknown }).tax;
  if (!tax || typeof tax !== 'object') return null;
  const t = tax as { realizedST?: unknown; realizedLT?: unknown; estTax?: unknown };
  if (!isDecimal(t.realizedST) || !isDecimal(t.realizedLT)) return null;
  return {
    realizedShortTerm: t.realizedST,
    realizedLongTerm: t.realizedLT,
    estimatedTax: isDecimal(t.estTax) ? t.estTax : null,
  };
}

const DECISION_NAMES: Record<string, 'APPROVED' | 'REJECTED' | 'EXPIRED'> = {
  APPROVE: 'APPROVED',
  REJECT: 'REJECTED',
  EXPIRE: 'EXPIRED',
};

export interface ProposalFilter {
  proposalId?: string;
  pendingOnly?: boolean;
  date?: string;
  from?: string;
  to?: string;
  accountId?: string;
  advisorId?: string;
}

/** Base query: proposals joined with their account and decision, limited to what `who` may see. */
function scoped(db: Knex, who: Principal, f: ProposalFilter): Knex.QueryBuilder {
  return db('proposals as p')
    .join('accounts as a', 'a.id', 'p.account_id')
    .leftJoin('approvals as d', 'd.proposal_id', 'p.id')
    .modify((q) => {
      if (who.kind === 'advisor') q.where('a.advisor_id', who.advisorId);
      if (f.advisorId) q.where('a.advisor_id', f.advisorId);
      if (f.proposalId) q.where('p.id', f.proposalId);
      if (f.pendingOnly) q.where('p.status', 'PENDING_APPROVAL');
      if (f.date) q.where('p.trade_date', f.date);
      if (f.from) q.where('p.trade_date', '>=', f.from);
      if (f.to) q.where('p.trade_date', '<=', f.to);
      if (f.accountId) q.where('p.account_id', f.accountId);
    });
}

const COLUMNS = [
  'p.id',
  'p.account_id',
  'a.name as account_name',
  'a.advisor_id',
  'a.mode',
  'a.tax_status',
  'p.trade_date',
  'p.version',
  'p.status',
  'p.reasons',
  'p.plan',
  'p.created_at',
  'p.expires_at',
  'd.decision as a_decision',
  'd.actor as a_actor',
  'd.via as a_via',
  'd.note as a_note',
  'd.decided_at as a_decided_at',
];

async function withLegs(db: Knex, rows: ProposalRow[]): Promise<ProposalOut[]> {
  const legs: LegRow[] = rows.length
    ? await db('proposal_legs')
        .whereIn(
          'proposal_id',
          rows.map((r) => r.id),
        )
        .orderBy(['proposal_id', 'leg_no'])
    : [];
  const byProposal = new Map<string, LegRow[]>();
  for (const l of legs) {
    const list = byProposal.get(l.proposal_id) ?? [];
    list.push(l);
    byProposal.set(l.proposal_id, list);
  }
  return rows.map((r) => {
    const mine = byProposal.get(r.id) ?? [];
    const notional = (side: 'BUY' | 'SELL') =>
      cashStr(
        mine.filter((l) => l.side === side).reduce((s, l) => s.plus(dec(l.est_notional).abs()), new Dec(0)),
      );
    const legsOut: z.infer<typeof Leg>[] = mine.map((l) => ({
      legNo: l.leg_no,
      symbol: l.symbol,
      side: l.side,
      qty: l.qty,
      estPrice: l.est_price,
      estNotional: l.est_notional,
      reasons: normalizeReasons(l.reasons),
    }));
    const decision =
      r.a_decision && r.a_decided_at
        ? {
            decision: DECISION_NAMES[r.a_decision] ?? 'EXPIRED',
            actor: r.a_actor ?? '',
            via: r.a_via ?? '',
            note: r.a_note,
            decidedAt: new Date(r.a_decided_at).toISOString(),
          }
        : null;
    return {
      id: r.id,
      accountId: r.account_id,
      accountName: r.account_name,
      advisorId: r.advisor_id,
      mode: r.mode,
      taxStatus: r.tax_status,
      tradeDate: r.trade_date,
      version: r.version,
      status: r.status,
      reasons: normalizeReasons(r.reasons),
      deadline: new Date(r.expires_at).toISOString(),
      createdAt: new Date(r.created_at).toISOString(),
      sellNotional: notional('SELL'),
      buyNotional: notional('BUY'),
      taxEstimate: taxEstimate(r.plan),
      legs: legsOut,
      decision,
    };
  });
}

export async function pendingProposals(db: Knex, who: Principal, f: ProposalFilter): Promise<ProposalOut[]> {
  const rows: ProposalRow[] = await scoped(db, who, { ...f, pendingOnly: true })
    .orderBy([
      { column: 'p.expires_at', order: 'asc' },
      { column: 'p.id', order: 'asc' },
    ])
    .select(COLUMNS);
  return withLegs(db, rows);
}

/** One proposal, or undefined when it does not exist or `who` may not see it (never a different answer). */
export async function oneProposal(
  db: Knex,
  who: Principal,
  proposalId: string,
): Promise<ProposalOut | undefined> {
  const rows: ProposalRow[] = await scoped(db, who, { proposalId }).select(COLUMNS);
  const [p] = await withLegs(db, rows);
  return p;
}

export async function proposalHistory(
  db: Knex,
  who: Principal,
  f: ProposalFilter & { limit: number; offset: number },
): Promise<{ items: ProposalOut[]; total: number }> {
  const [{ count }] = await scoped(db, who, f).count({ count: '*' });
  const rows: ProposalRow[] = await scoped(db, who, f)
    .orderBy([
      { column: 'p.trade_date', order: 'desc' },
      { column: 'p.id', order: 'asc' },
    ])
    .limit(f.limit)
    .offset(f.offset)
    .select(COLUMNS);
  return { items: await withLegs(db, rows), total: Number(count) };
}

/** The account if `who` may see it. */
export async function visibleAccount(
  db: Knex,
  who: Principal,
  accountId: string,
): Promise<{ id: string; advisor_id: string; mode: 'AUTO' | 'MANUAL'; name: string } | undefined> {
  return db('accounts')
    .where({ id: accountId })
    .modify((q) => (who.kind === 'advisor' ? q.where({ advisor_id: who.advisorId }) : q))
    .first('id', 'advisor_id', 'mode', 'name');
}
