/**
 * Accounts per stage over the day, from the book (the moments each account's day left a mark):
 * scanned (account_scans), held by breaks (breaks.opened_at), proposed (proposals.created_at),
 * decided (the decision's audit entry), trading (its first order), booked (the booking's audit
 * entry), confirmed or confirm break (confirm_matches). An account is in the stage of its latest
 * mark at a given time. The same marks give the end-of-day count per stage.
 */
import type { Knex } from 'knex';
import { type ReportScope, inScope } from './scope';

export const REPORT_STAGES = [
  'Scanned',
  'ReconBreak',
  'NoTrade',
  'AwaitingDecision',
  'Approved',
  'Rejected',
  'Expired',
  'Trading',
  'Booked',
  'NotTraded',
  'Confirmed',
  'ConfirmBreak',
] as const;
export type ReportStage = (typeof REPORT_STAGES)[number];

export interface Mark {
  accountId: string;
  at: string;
  stage: ReportStage;
}

const CONFIRM_BREAKS = ['MISMATCHED', 'UNMATCHED_OURS', 'UNMATCHED_THEIRS', 'CANCELED_AT_CUSTODIAN'];
const iso = (d: Date | string) => new Date(d).toISOString();

/** Every account's marks on the trade date, oldest first. */
export async function stageMarks(db: Knex, tradeDate: string, scope: ReportScope): Promise<Mark[]> {
  const marks: Mark[] = [];
  const scans: { account_id: string; scanned_at: Date }[] = await db('account_scans')
    .where({ trade_date: tradeDate })
    .modify(inScope(db, scope));
  for (const s of scans) marks.push({ accountId: s.account_id, at: iso(s.scanned_at), stage: 'Scanned' });
  const holds: { account_id: string; at: Date }[] = await db('breaks')
    .where({ trade_date: tradeDate, hold: 'ACCOUNT' })
    .modify(inScope(db, scope))
    .groupBy('account_id')
    .select('account_id', db.raw('min(opened_at) as at'));
  for (const h of holds) marks.push({ accountId: h.account_id, at: iso(h.at), stage: 'ReconBreak' });
  const proposals: { id: string; account_id: string; status: string; created_at: Date }[] = await db(
    'proposals',
  )
    .where({ trade_date: tradeDate })
    .modify(inScope(db, scope));
  const proposed = new Set(proposals.map((p) => p.account_id));
  // A scanned account without a proposal needed no trade: its scan is its last mark.
  for (const s of scans)
    if (!proposed.has(s.account_id))
      marks.push({ accountId: s.account_id, at: iso(s.scanned_at), stage: 'NoTrade' });
  const byId = new Map(proposals.map((p) => [p.id, p]));
  for (const p of proposals)
    marks.push({ accountId: p.account_id, at: iso(p.created_at), stage: 'AwaitingDecision' });
  const audits: { entity_id: string; idempotency_key: string; at: Date }[] = await db('audit_log')
    .where({ entity: 'proposal' })
    .whereIn(
      'entity_id',
      proposals.map((p) => p.id),
    )
    .where((q) =>
      q.where('idempotency_key', 'like', 'decision:%').orWhere('idempotency_key', 'like', 'booked:%'),
    )
    .select('entity_id', 'idempotency_key', 'at');
  for (const a of audits) {
    const p = byId.get(a.entity_id)!;
    const decided = a.idempotency_key.startsWith('decision:');
    marks.push({
      accountId: p.account_id,
      at: iso(a.at),
      stage: decided ? decisionStage(p.status) : bookedStage(p.status),
    });
  }
  const firstOrders: { account_id: string; at: Date }[] = await db('orders')
    .where({ trade_date: tradeDate })
    .modify(inScope(db, scope))
    .groupBy('account_id')
    .select('account_id', db.raw('min(created_at) as at'));
  for (const o of firstOrders) marks.push({ accountId: o.account_id, at: iso(o.at), stage: 'Trading' });
  const confirms: { account_id: string; at: Date; breaks: string }[] = await db('confirm_matches')
    .where({ trade_date: tradeDate })
    .modify(inScope(db, scope))
    .groupBy('account_id')
    .select(
      'account_id',
      db.raw('max(matched_at) as at'),
      db.raw('count(*) filter (where result = any(?)) as breaks', [CONFIRM_BREAKS]),
    );
  for (const c of confirms)
    marks.push({
      accountId: c.account_id,
      at: iso(c.at),
      stage: Number(c.breaks) > 0 ? 'ConfirmBreak' : 'Confirmed',
    });
  return marks.sort((a, b) => a.at.localeCompare(b.at) || order(a.stage) - order(b.stage));
}

const order = (s: ReportStage) => REPORT_STAGES.indexOf(s);

function decisionStage(status: string): ReportStage {
  if (status === 'REJECTED') return 'Rejected';
  if (status === 'EXPIRED') return 'Expired';
  return 'Approved';
}

function bookedStage(status: string): ReportStage {
  return status === 'EXECUTED' || status === 'PARTIALLY_EXECUTED' ? 'Booked' : 'NotTraded';
}

/** Each account's stage after its latest mark (the end of the day as the book has it). */
export function finalStages(marks: Mark[]): Map<string, ReportStage> {
  const out = new Map<string, ReportStage>();
  for (const m of marks) out.set(m.accountId, m.stage);
  return out;
}

export interface StagePoint {
  at: string;
  counts: Partial<Record<ReportStage, number>>;
}

/** Accounts per stage at `points` evenly spaced instants from the first mark to the last. */
export function stageTimeline(marks: Mark[], points = 24): StagePoint[] {
  if (marks.length === 0) return [];
  const t0 = Date.parse(marks[0]!.at);
  const t1 = Date.parse(marks.at(-1)!.at);
  const n = t1 > t0 ? points : 1;
  const out: StagePoint[] = [];
  let i = 0;
  const current = new Map<string, ReportStage>();
  for (let k = 0; k < n; k++) {
    const at = n === 1 ? t1 : t0 + ((t1 - t0) * (k + 1)) / n;
    while (i < marks.length && Date.parse(marks[i]!.at) <= at) {
      current.set(marks[i]!.accountId, marks[i]!.stage);
      i++;
    }
    const counts: Partial<Record<ReportStage, number>> = {};
    for (const s of current.values()) counts[s] = (counts[s] ?? 0) + 1;
    out.push({ at: new Date(at).toISOString(), counts });
  }
  return out;
}
