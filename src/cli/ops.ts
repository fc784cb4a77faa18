/** Ops commands: find stuck accounts and unstick them with the same signals the UI sends. */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Knex } from 'knex';
import { z } from 'zod';
import { type AgeBucket, UNRESOLVED_STATUSES, ageBucket, ageInTradingDays } from '../domain/recon';
import { accountDayWorkflowId } from '../workflows/ids';
import { ResolveBreakSchema, type SkipAccountInput, SkipAccountSchema } from '../workflows/message-schemas';
import {
  type AccountDayStatus,
  resolveBreakSignal,
  retrySignal,
  skipAccountSignal,
  skipTodaySignal,
  statusQuery,
} from '../workflows/messages';
import { SA } from '../workflows/search-attributes';
import { endedDayOpsMessage } from './ended-day';

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

/** What `ops retry|skip|resolve` came to. */
export interface OpsOutcome {
  /** The account's day after the signal (or as it ended). */
  status: AccountDayStatus;
  /** A skip of a day ended `Approved`: sent to its batch, and what the batch's memo `skips` says. */
  batch?: { workflowId: string; outcome: string };
}

/** One entry of an AccountBatch's memo `skips` (src/workflows/batch-booking.ts). */
const SkipOutcomeSchema = z.object({ accountId: z.string(), by: z.string(), outcome: z.string() });
export type SkipOutcome = z.infer<typeof SkipOutcomeSchema>;

/** A batch's memo `skips` (the last outcomes, oldest first); entries that are not one are left out. */
export function memoSkips(memo: Record<string, unknown> | undefined): SkipOutcome[] {
  const skips = memo?.skips;
  if (!Array.isArray(skips)) return [];
  return skips.flatMap((x) => {
    const r = SkipOutcomeSchema.safeParse(x);
    return r.success ? [r.data] : [];
  });
}

/**
 * The outcome the batch added for `accountId` since `before` was read, or undefined while there is
 * none. The memo keeps the last outcomes only (older ones drop off the front), so the new entries
 * are those after the longest run that ends `before` and starts `after`.
 */
export function newSkipOutcome(
  before: SkipOutcome[],
  after: SkipOutcome[],
  accountId: string,
): SkipOutcome | undefined {
  const same = (a: SkipOutcome, b: SkipOutcome) =>
    a.accountId === b.accountId && a.by === b.by && a.outcome === b.outcome;
  let kept = Math.min(before.length, after.length);
  while (kept > 0 && !after.slice(0, kept).every((x, i) => same(x, before[before.length - kept + i]!)))
    kept--;
  return after
    .slice(kept)
    .filter((x) => x.accountId === accountId)
    .at(-1);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `ops skip` of an account whose day has ended `Approved` (since `batch-books-fills`): its batch
 * (the day's parent) holds the proposal until the blocks, so the skip goes there as `skipAccount`;
 * the answer is what the batch then writes in its memo `skips` (withdrawn, or refused and why).
 */
async function skipAtBatch(
  client: Client,
  batchId: string,
  skip: SkipAccountInput,
  waitMs: number,
): Promise<string> {
  const batch = client.workflow.getHandle(batchId);
  const before = await batch.describe();
  if (before.status.name !== 'RUNNING') {
    const stage = before.typedSearchAttributes.get(SA.Stage) ?? before.status.name;
    return `too late to skip: its batch has ended (stage ${stage})`;
  }
  const seen = memoSkips(before.memo);
  await batch.signal(skipAccountSignal, skip);
  for (const deadline = Date.now() + waitMs; ; ) {
    const outcome = newSkipOutcome(seen, memoSkips((await batch.describe()).memo), skip.accountId);
    if (outcome) return outcome.outcome;
    if (Date.now() >= deadline)
      return "asked; the batch has not answered yet (its memo's skips will say: Temporal UI or ops skip again)";
    await pause(500);
  }
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
  /** How long a skip sent to a batch waits for its answer in the memo. */
  batchWaitMs = 10_000,
  /** Called again because the day ended under the signal. */
  again = false,
): Promise<OpsOutcome> {
  const handle = client.workflow.getHandle(accountDayWorkflowId(tradeDate, accountId));
  const day = await handle.describe();
  if (day.status.name !== 'RUNNING') {
    // The day has ended (its status query still answers): since `batch-books-fills` an approved
    // one ends `Approved` and its batch skips it; any other ended day has nothing to take a signal.
    const status = await handle.query(statusQuery);
    const batchId = day.parentExecution?.workflowId;
    if (action !== 'skip' || status.stage !== 'Approved') throw new Error(endedDayOpsMessage(action, status));
    if (!batchId) throw new Error(`${accountId}'s day of ${tradeDate} ended Approved but has no batch`);
    const skip = SkipAccountSchema.parse({ accountId, by, ...(note ? { note } : {}) });
    return {
      status,
      batch: { workflowId: batchId, outcome: await skipAtBatch(client, batchId, skip, batchWaitMs) },
    };
  }
  try {
    if (action === 'resolve') {
      const payload = ResolveBreakSchema.parse({ by, ...(note ? { note } : {}), ...resolution });
      await handle.signal(resolveBreakSignal, payload);
    } else {
      await handle.signal(action === 'retry' ? retrySignal : skipTodaySignal, { by, note });
    }
  } catch (e) {
    // It ended between the describe and the signal (e.g. approved just now): once more, as ended.
    if (e instanceof WorkflowNotFoundError && !again)
      return opsSignal(client, action, tradeDate, accountId, by, note, resolution, batchWaitMs, true);
    throw e;
  }
  await pause(1000);
  return { status: await handle.query(statusQuery) };
}

/** The line `ops retry|skip|resolve` prints. */
export function opsOutcomeLine(accountId: string, o: OpsOutcome): string {
  const s = o.status;
  if (o.batch) return `${accountId}: stage ${s.stage}; its batch ${o.batch.workflowId}: ${o.batch.outcome}`;
  return `${accountId}: stage ${s.stage}${s.refusedMessages.length ? `; refused: ${s.refusedMessages.at(-1)?.reason}` : ''}`;
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
