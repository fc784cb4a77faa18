/** Ops commands: find stuck accounts and unstick them with the same signals the UI sends. */
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { type AgeBucket, UNRESOLVED_STATUSES, ageBucket, ageInTradingDays } from '../domain/recon';
import { accountDayWorkflowId } from '../workflows/ids';
import {
  type AccountDayStatus,
  ResolveBreakSchema,
  resolveBreakSignal,
  retrySignal,
  skipTodaySignal,
  statusQuery,
} from '../workflows/messages';

/** Stages that need a person; any other stage is stuck only when it has not moved for too long. */
const NEEDS_SOMEONE = ['ReconBreak', 'Failed', 'AwaitingApproval', 'AwaitingZoeReview'];
const WORKING = ['Starting', 'Reconciling', 'Scanning', 'Trading', 'Traded'];

export interface StuckAccount {
  workflowId: string;
  accountId: string;
  stage: string;
  since: string;
  minutes: number;
  reason: string;
}

function reasonFor(s: AccountDayStatus): string {
  switch (s.stage) {
    case 'Failed':
      return s.lastError ?? 'a step failed';
    case 'ReconBreak':
      return `${s.breaks} open reconciliation break(s); resolveBreak or skipToday`;
    case 'AwaitingApproval':
      return `waiting for advisor ${s.advisorId} until ${s.deadlines.approvalCutoff}`;
    case 'AwaitingZoeReview':
      return `waiting for a Zoe trader: ${s.proposal?.flags.join('; ') ?? ''}`;
    default:
      return `no progress in stage ${s.stage} (an activity may be retrying: see Pending Activities in the UI)`;
  }
}

export async function findStuck(
  client: Client,
  tradeDate: string,
  thresholdMinutes: number,
  now = Date.now(),
) {
  const stages = [...NEEDS_SOMEONE, ...WORKING].map((s) => `"${s}"`).join(', ');
  const query = `WorkflowType="AccountDay" AND TradeDate="${tradeDate}" AND ExecutionStatus="Running" AND Stage IN (${stages})`;
  const out: StuckAccount[] = [];
  for await (const wf of client.workflow.list({ query })) {
    const s = await client.workflow.getHandle(wf.workflowId).query(statusQuery);
    const since = s.stageHistory[s.stageHistory.length - 1]?.at ?? s.deadlines.approvalCutoff;
    const minutes = Math.floor((now - Date.parse(since)) / 60_000);
    const needsSomeone = s.stage === 'Failed' || s.stage === 'ReconBreak';
    if (needsSomeone || minutes >= thresholdMinutes) {
      out.push({
        workflowId: wf.workflowId,
        accountId: s.accountId,
        stage: s.stage,
        since,
        minutes,
        reason: reasonFor(s),
      });
    }
  }
  return out.sort((a, b) => b.minutes - a.minutes);
}

export async function opsSignal(
  client: Client,
  action: 'retry' | 'skip' | 'resolve',
  tradeDate: string,
  accountId: string,
  by: string,
  note?: string,
  /** resolve: what happens to the book (EXPLAINED by `item`, or ADOPT the custodian's figures). */
  resolution: { resolution?: string; item?: string } = {},
): Promise<AccountDayStatus> {
  const handle = client.workflow.getHandle(accountDayWorkflowId(tradeDate, accountId));
  if (action === 'resolve') {
    const payload = ResolveBreakSchema.parse({ by, ...(note ? { note } : {}), ...resolution });
    await handle.signal(resolveBreakSignal, payload);
  } else {
    await handle.signal(action === 'retry' ? retrySignal : skipTodaySignal, { by, note });
  }
  await new Promise((r) => setTimeout(r, 1000));
  return handle.query(statusQuery);
}

/** A reconciliation break as ops see it, with its age on the day asked about. */
export interface BreakView {
  id: number;
  openedOn: string;
  lastSeen: string;
  accountId: string;
  type: string;
  category: string;
  symbol: string;
  ours: string;
  theirs: string;
  diff: string;
  materialityUsd: string;
  escalate: boolean;
  ageDays: number;
  ageBucket: AgeBucket;
  status: string;
  hold: string;
  cause: string;
}

/**
 * Breaks on `date`: every break still unresolved then, and the ones seen that day that were
 * resolved (automatically or by hand); with `all`, every break opened up to that day. Escalated
 * first, then by materiality.
 */
export async function listBreaks(
  db: Knex,
  opts: { date: string; accountId?: string; all?: boolean },
): Promise<BreakView[]> {
  const q = db('breaks').where('trade_date', '<=', opts.date);
  if (opts.accountId) q.where({ account_id: opts.accountId });
  if (!opts.all)
    q.where((w) => w.whereIn('status', UNRESOLVED_STATUSES).orWhere('last_seen_date', opts.date));
  const rows: {
    id: number;
    trade_date: string;
    last_seen_date: string;
    first_seen_date: string;
    account_id: string;
    type: string;
    category: string;
    symbol: string | null;
    ours: string | null;
    theirs: string | null;
    diff: string | null;
    materiality_usd: string | null;
    escalate: boolean;
    status: string;
    hold: string;
    cause: string | null;
    note: string | null;
  }[] = await q.orderBy([
    { column: 'escalate', order: 'desc' },
    { column: 'materiality_usd', order: 'desc', nulls: 'last' },
    { column: 'account_id' },
    { column: 'id' },
  ]);
  return rows.map((r) => {
    const unresolved = UNRESOLVED_STATUSES.includes(r.status as (typeof UNRESOLVED_STATUSES)[number]);
    const ageDays = ageInTradingDays(r.first_seen_date, unresolved ? opts.date : r.last_seen_date);
    return {
      id: r.id,
      openedOn: r.trade_date,
      lastSeen: r.last_seen_date,
      accountId: r.account_id,
      type: r.type,
      category: r.category,
      symbol: r.symbol ?? 'USD',
      ours: r.ours ?? '',
      theirs: r.theirs ?? '',
      diff: r.diff ?? '',
      materialityUsd: r.materiality_usd ?? '0.00',
      escalate: r.escalate,
      ageDays,
      ageBucket: ageBucket(ageDays),
      status: r.status,
      hold: unresolved ? r.hold : 'NONE',
      cause: r.cause ?? r.note ?? '',
    };
  });
}

/** A plain-text table of breaks (the cause last, in full). */
export function renderBreaks(rows: BreakView[]): string {
  const head = [
    'ID',
    'ACCOUNT',
    'TYPE',
    'CATEGORY',
    'SYMBOL',
    'OURS',
    'THEIRS',
    'DIFF',
    'MATERIALITY',
    'ESC',
    'AGE',
    'STATUS',
    'HOLD',
    'OPENED',
    'CAUSE',
  ];
  const body = rows.map((b) => [
    String(b.id),
    b.accountId,
    b.type,
    b.category,
    b.symbol,
    b.ours,
    b.theirs,
    b.diff,
    `$${b.materialityUsd}`,
    b.escalate ? 'YES' : '',
    `${b.ageBucket} (${b.ageDays}d)`,
    b.status,
    b.hold,
    b.openedOn,
    b.cause,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...body.map(line)].join('\n');
}
