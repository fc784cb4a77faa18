/**
 * The day report (docs/day-report.md): for one trade date, accounts per stage (at the end and over
 * the day), the trade blotter, the exceptions with their reasons, drift before and after by sleeve
 * for every account that traded, and filled notional by symbol and side. Everything is read from
 * the book; the page (./page.ts) and the CSV export (./csv.ts) show this one object.
 */
import type { Knex } from 'knex';
import { dec } from '../domain/money';
import { carriedBecause } from '../notifications/messages';
import {
  type BlockLine,
  type NotionalBar,
  type OrderLine,
  blockLines,
  notionalBySymbolSide,
  orderLines,
} from './blotter';
import { type AccountDrift, driftBeforeAfter } from './drift';
import { type ReportScope, inScope } from './scope';
import {
  REPORT_STAGES,
  type ReportStage,
  type StagePoint,
  finalStages,
  stageMarks,
  stageTimeline,
} from './timeline';

export interface ReportException {
  kind: 'RECON_BREAK' | 'NOT_TRADED' | 'PARTLY_FILLED' | 'CONFIRM_BREAK' | 'ACCOUNT_FAILED' | 'NOTIFICATION';
  accountId: string | null;
  subject: string;
  reason: string;
}

export interface DayReport {
  tradeDate: string;
  /** `firm`: every account (ops, trading); `advisor`: that advisor's accounts only. */
  scope: 'firm' | 'advisor';
  advisorId: string | null;
  generatedAt: string;
  accounts: number;
  stages: { stage: ReportStage; accounts: number }[];
  timeline: StagePoint[];
  /** Firm-wide blocks (empty in an advisor's report). */
  blocks: BlockLine[];
  orders: OrderLine[];
  exceptions: ReportException[];
  drift: AccountDrift[];
  notional: NotionalBar[];
}

export async function dayReport(db: Knex, tradeDate: string, scope: ReportScope): Promise<DayReport> {
  const marks = await stageMarks(db, tradeDate, scope);
  const final = finalStages(marks);
  const counts = new Map<ReportStage, number>();
  for (const s of final.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
  const orders = await orderLines(db, tradeDate, scope);
  return {
    tradeDate,
    scope: scope.advisorId ? 'advisor' : 'firm',
    advisorId: scope.advisorId ?? null,
    generatedAt: new Date().toISOString(),
    accounts: final.size,
    stages: REPORT_STAGES.filter((s) => counts.has(s)).map((s) => ({ stage: s, accounts: counts.get(s)! })),
    timeline: stageTimeline(marks),
    blocks: scope.advisorId ? [] : await blockLines(db, tradeDate),
    orders,
    exceptions: await exceptions(db, tradeDate, scope, orders),
    drift: await driftBeforeAfter(db, tradeDate, orders),
    notional: notionalBySymbolSide(orders),
  };
}

const CONFIRM_BREAKS = ['MISMATCHED', 'UNMATCHED_OURS', 'UNMATCHED_THEIRS', 'CANCELED_AT_CUSTODIAN'];

async function exceptions(
  db: Knex,
  tradeDate: string,
  scope: ReportScope,
  orders: OrderLine[],
): Promise<ReportException[]> {
  const out: ReportException[] = [];
  const breaks: {
    account_id: string;
    type: string;
    symbol: string | null;
    diff: string | null;
    status: string;
    hold: string;
  }[] = await db('breaks')
    .where({ trade_date: tradeDate })
    .modify(inScope(db, scope))
    .orderBy(['account_id', 'id']);
  for (const b of breaks)
    out.push({
      kind: 'RECON_BREAK',
      accountId: b.account_id,
      subject: `${b.type} break${b.symbol ? ` in ${b.symbol}` : ''} (${b.status}${b.hold === 'ACCOUNT' ? ', held the account' : ''})`,
      reason: `book and custodian differ${b.diff ? ` by ${b.diff}` : ''}`,
    });
  for (const o of orders) {
    if (dec(o.residualQty).lte(0)) continue;
    const none = dec(o.filledQty).lte(0);
    out.push({
      kind: none ? 'NOT_TRADED' : 'PARTLY_FILLED',
      accountId: o.accountId,
      subject: `${o.side} ${o.symbol}: ${o.filledQty} of ${o.qty} filled, ${o.residualQty} carried`,
      reason: carriedBecause(o.reason ?? 'BLOCK_NOT_FILLED'),
    });
  }
  const confirms: { account_id: string; client_order_id: string | null; result: string; diffs: unknown }[] =
    await db('confirm_matches')
      .where({ trade_date: tradeDate })
      .whereIn('result', CONFIRM_BREAKS)
      .modify(inScope(db, scope))
      .orderBy(['account_id', 'id']);
  for (const c of confirms)
    out.push({
      kind: 'CONFIRM_BREAK',
      accountId: c.account_id,
      subject: `confirm ${c.result}${c.client_order_id ? ` for ${c.client_order_id}` : ''}`,
      reason: Array.isArray(c.diffs) && c.diffs.length ? c.diffs.join('; ') : c.result,
    });
  const failed: { entity_id: string; details: { step?: string; error?: string } }[] = await db('audit_log')
    .where({ action: 'STEP_FAILED', entity: 'account-day' })
    .where('entity_id', 'like', `account-day/${tradeDate}/%`)
    .orderBy('id');
  const visible = scope.advisorId
    ? new Set(
        (await db('accounts').where({ advisor_id: scope.advisorId }).select('id')).map((a) => a.id as string),
      )
    : undefined;
  for (const f of failed) {
    const accountId = f.entity_id.slice(`account-day/${tradeDate}/`.length);
    if (visible && !visible.has(accountId)) continue;
    out.push({
      kind: 'ACCOUNT_FAILED',
      accountId,
      subject: `step ${f.details?.step ?? '?'} failed`,
      reason: f.details?.error ?? '',
    });
  }
  if (!scope.advisorId) {
    const stuck: {
      id: string;
      kind: string;
      address: string | null;
      status: string;
      last_error: string | null;
      account_id: string | null;
    }[] = await db('notifications')
      .where({ trade_date: tradeDate })
      .whereIn('status', ['FAILED', 'UNCERTAIN'])
      .orderBy('id');
    for (const n of stuck)
      out.push({
        kind: 'NOTIFICATION',
        accountId: n.account_id,
        subject: `notification ${n.id} ${n.kind} to ${n.address ?? 'the notifier'}: ${n.status}`,
        reason: n.last_error ?? '',
      });
  }
  return out;
}
