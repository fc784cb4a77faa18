/**
 * What must hold after any trading day, however rough: checked from the databases (the book and
 * the simulator's `sim` schema in PostgreSQL, and Temporal's own store through its API).
 * Quantities and money are compared in SQL (NUMERIC) and only ever reach JavaScript as decimal
 * strings; JavaScript numbers are used for counts only.
 *
 *   dayCompleted          the day's workflow completed, with every eligible account in its result
 *   accountDaysTerminal   every eligible account's AccountDay completed in a terminal stage, every
 *                         filled order has its next-morning confirm match (a batch matches them),
 *                         and every day that ended Approved (since `batch-books-fills` its batch
 *                         books it) has its approved proposal booked by the batch (EXECUTED,
 *                         PARTIALLY_EXECUTED or FAILED) or withdrawn by ops' skip (EXPIRED, audited)
 *   batchesDone           every AccountBatch of the day completed and not left in Stage Failed,
 *                         AwaitingBlocks, Booking or AwaitingConfirms, and the day's result counts
 *                         no account Approved or Traded (its batch booked and matched every one)
 *   noDuplicateOrders     no client order id twice at the simulator; no two live orders for the same
 *                         (account, symbol, side, trade date, attempt), at the simulator or in the
 *                         book; as many simulator orders as book orders carrying a custodian order id
 *   approvalsHonoured     every proposal has its one decision; every approval was traded, or did
 *                         not fully trade for a recorded reason (an approval ops withdrew with a
 *                         skip before the blocks: EXPIRED, PROPOSAL_WITHDRAWN audited, no orders);
 *                         nothing rejected or expired traded
 *   bookMatchesCustodian  nothing half-written: every order terminal and booked, its fill equal to
 *                         the simulator's and to the sum of its executions, no leg over-filled, and
 *                         book-vs-custodian position differences unchanged from before the day
 *   ordersInsideWindow    (given the day's window) every order reached the custodian between the
 *                         window's open and close (docs/domain.md §8.1: orders go out in the window only)
 *   blocksAllocated       (only when block tables exist) Σ allocated = filled per block, and each
 *                         allocation within its requested quantity
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Knex } from 'knex';
import { accountBatchWorkflowId, accountDayWorkflowId, tradingDayWorkflowId } from '../../src/workflows/ids';
import { SA } from '../../src/workflows/search-attributes';
import type { BatchStage } from '../../src/workflows/stages';
import { FINAL_STAGES, type TradingDayResult } from '../../src/workflows/types';

export const TERMINAL_STAGES: ReadonlySet<string> = FINAL_STAGES;

/**
 * A batch's stages it may not end in: waiting for the blocks, booking, waiting for the confirms,
 * or Failed (ops' retry outstanding). A batch ends Confirmed, ConfirmBreak or NotTraded, or with no
 * stage at all when none of its accounts was approved.
 */
export const BATCH_NOT_DONE: ReadonlySet<BatchStage> = new Set<BatchStage>([
  'AwaitingBlocks',
  'Booking',
  'AwaitingConfirms',
  'Failed',
]);

/** What a day's result may not count: an account its batch did not book or whose confirms it did not match. */
const RESULT_NOT_DONE = ['Approved', 'Traded'];

/** The proposal statuses a booked approval ends in (src/activities/booking.ts `bookProposal`). */
const BOOKED = ['EXECUTED', 'PARTIALLY_EXECUTED', 'FAILED'];

export interface InvariantCheck {
  name: string;
  ok: boolean;
  /** Counts and samples; quantities as decimal strings. */
  details: Record<string, unknown>;
  /** Up to 10 offending rows, when any. */
  violations?: unknown[];
}

export interface InvariantReport {
  ok: boolean;
  failed: string[];
  checks: InvariantCheck[];
}

/** A book-minus-custodian position difference (decimal string, trailing zeros trimmed). */
export interface PositionDiff {
  account: string;
  symbol: string;
  diff: string;
}

const SAMPLE = 10;

async function rows<T>(db: Knex, sql: string, bindings: readonly unknown[] = []): Promise<T[]> {
  return (await db.raw(sql, bindings as Knex.RawBinding[])).rows as T[];
}

/**
 * Book minus custodian, per (custodian account, symbol), where they differ. Taken before the day
 * (deliberate reconciliation breaks differ from the start) and compared after it: a fill booked
 * twice, or executed at the custodian and never booked, changes a difference.
 */
export async function positionDiffs(db: Knex): Promise<PositionDiff[]> {
  return rows<PositionDiff>(
    db,
    `WITH b AS (SELECT a.custodian_account_number AS acct, p.symbol, p.qty
                  FROM positions p JOIN accounts a ON a.id = p.account_id),
          s AS (SELECT account_number AS acct, symbol, qty FROM sim.positions
                 WHERE account_number IN (SELECT custodian_account_number FROM accounts))
     SELECT coalesce(b.acct, s.acct) AS account, coalesce(b.symbol, s.symbol) AS symbol,
            trim_scale(coalesce(b.qty, 0) - coalesce(s.qty, 0))::text AS diff
       FROM b FULL JOIN s ON b.acct = s.acct AND b.symbol = s.symbol
      WHERE coalesce(b.qty, 0) <> coalesce(s.qty, 0)
      ORDER BY 1, 2`,
  );
}

async function tableExists(db: Knex, qualified: string): Promise<boolean> {
  const r = await rows<{ t: string | null }>(db, 'SELECT to_regclass(?)::text AS t', [qualified]);
  return r[0]?.t != null;
}

async function columns(db: Knex, schema: string, table: string): Promise<Set<string>> {
  const r = await rows<{ column_name: string }>(
    db,
    'SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?',
    [schema, table],
  );
  return new Set(r.map((c) => c.column_name));
}

async function mapLimited<T, R>(xs: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(xs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, xs.length) }, async () => {
      while (next < xs.length) {
        const i = next++;
        out[i] = await fn(xs[i]!);
      }
    }),
  );
  return out;
}

async function checkDay(
  db: Knex,
  client: Client,
  tradeDate: string,
  eligible: string[],
): Promise<InvariantCheck[]> {
  const dayId = tradingDayWorkflowId(tradeDate);
  const day = await client.workflow
    .getHandle(dayId)
    .describe()
    .then((d) => d.status.name as string)
    .catch((e: Error) => `not found (${e.message})`);
  let result: TradingDayResult | undefined;
  if (day === 'COMPLETED') result = await client.workflow.getHandle(dayId).result();
  const dayCheck: InvariantCheck = {
    name: 'dayCompleted',
    ok:
      day === 'COMPLETED' &&
      result?.status === 'COMPLETED' &&
      result.accounts === eligible.length &&
      result.failedAccounts.length === 0,
    details: {
      workflowId: dayId,
      status: day,
      accountsInResult: result?.accounts,
      eligibleAccounts: eligible.length,
      failedAccounts: result?.failedAccounts.slice(0, SAMPLE),
      byStage: result?.byStage,
    },
  };

  const described = await mapLimited(eligible, 16, async (accountId) => {
    const id = accountDayWorkflowId(tradeDate, accountId);
    try {
      const d = await client.workflow.getHandle(id).describe();
      return { accountId, status: d.status.name as string, stage: d.typedSearchAttributes.get(SA.Stage) };
    } catch (e) {
      return { accountId, status: `not found (${(e as Error).message})`, stage: undefined };
    }
  });
  const byStage: Record<string, number> = {};
  for (const d of described) byStage[d.stage ?? '?'] = (byStage[d.stage ?? '?'] ?? 0) + 1;
  const bad = described.filter((d) => d.status !== 'COMPLETED' || !TERMINAL_STAGES.has(d.stage ?? ''));
  // Confirm breaks are terminal, but say whether fills and confirms disagreed anywhere.
  const confirmMatches = Object.fromEntries(
    (
      await rows<{ result: string; n: number }>(
        db,
        'SELECT result, count(*)::int AS n FROM confirm_matches WHERE trade_date = ? GROUP BY 1 ORDER BY 1',
        [tradeDate],
      )
    ).map((r) => [r.result, r.n]),
  );
  // A day that ends Traded leaves the confirms to its batch: every filled order must have its match.
  const unconfirmed = await rows<{ account_id: string; client_order_id: string }>(
    db,
    `SELECT o.account_id, o.client_order_id FROM orders o
      WHERE o.trade_date = ? AND o.filled_qty > 0 AND NOT EXISTS (
        SELECT 1 FROM confirm_matches m WHERE m.trade_date = o.trade_date AND m.account_id = o.account_id
          AND m.client_order_id = o.client_order_id)
      ORDER BY 2 LIMIT ${SAMPLE}`,
    [tradeDate],
  );
  // Since `batch-books-fills` an approved account's day ends Approved and its batch books it after
  // the blocks: its proposal must be booked (or withdrawn by ops' skip before them, audited).
  const approvedDays = described
    .filter((d) => d.status === 'COMPLETED' && d.stage === 'Approved')
    .map((d) => d.accountId);
  const approvedProposals = approvedDays.length
    ? await rows<{
        account_id: string;
        proposal_id: string | null;
        status: string | null;
        decision: string | null;
        withdrawn: boolean;
      }>(
        db,
        `SELECT x.id AS account_id, p.id AS proposal_id, p.status,
                (SELECT a.decision FROM approvals a WHERE a.proposal_id = p.id ORDER BY a.id DESC LIMIT 1) AS decision,
                EXISTS (SELECT 1 FROM audit_log l WHERE l.entity = 'proposal' AND l.entity_id = p.id
                         AND l.action = 'PROPOSAL_WITHDRAWN') AS withdrawn
           FROM unnest(?::text[]) AS x(id)
           LEFT JOIN proposals p ON p.account_id = x.id AND p.trade_date = ?
          ORDER BY 1`,
        [approvedDays, tradeDate],
      )
    : [];
  const approvedOutcomes: Record<string, number> = {};
  const unbooked: { accountId: string; proposalId: string | null; status: string | null; problem: string }[] =
    [];
  for (const p of approvedProposals) {
    const problem =
      p.proposal_id === null
        ? 'day ended Approved, no proposal in the book'
        : p.decision !== 'APPROVE'
          ? `day ended Approved, the book's decision is ${p.decision ?? 'none'}`
          : BOOKED.includes(p.status ?? '')
            ? undefined
            : p.status === 'EXPIRED' && p.withdrawn
              ? undefined
              : `day ended Approved, proposal left ${p.status} (its batch did not book it)`;
    const key = problem ? 'VIOLATION' : p.status === 'EXPIRED' ? 'EXPIRED (withdrawn by a skip)' : p.status!;
    approvedOutcomes[key] = (approvedOutcomes[key] ?? 0) + 1;
    if (problem)
      unbooked.push({ accountId: p.account_id, proposalId: p.proposal_id, status: p.status, problem });
  }
  const violations = [
    ...bad.slice(0, SAMPLE),
    ...unconfirmed.map((u) => ({ ...u, problem: 'filled, no confirm match' })),
    ...unbooked.slice(0, SAMPLE),
  ];
  return [
    dayCheck,
    {
      name: 'accountDaysTerminal',
      ok: bad.length === 0 && unconfirmed.length === 0 && unbooked.length === 0,
      details: {
        accounts: described.length,
        byStage,
        confirmMatches,
        approvedDaysByProposalStatus: approvedDays.length ? approvedOutcomes : undefined,
      },
      violations: violations.length ? violations : undefined,
    },
    await checkBatches(client, tradeDate, result),
  ];
}

/**
 * The day's AccountBatches (`account-batch/{date}/{n}`, numbered from 0; found by describing them
 * in turn until one is not found): each completed and in a stage a batch ends in.
 */
async function checkBatches(
  client: Client,
  tradeDate: string,
  result: TradingDayResult | undefined,
): Promise<InvariantCheck> {
  const batches: { workflowId: string; status: string; stage?: string }[] = [];
  for (let n = 0; ; n++) {
    const workflowId = accountBatchWorkflowId(tradeDate, n);
    try {
      const d = await client.workflow.getHandle(workflowId).describe();
      batches.push({
        workflowId,
        status: d.status.name as string,
        stage: d.typedSearchAttributes.get(SA.Stage),
      });
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) break;
      batches.push({ workflowId, status: `describe failed (${(e as Error).message})` });
      break;
    }
  }
  const byStage: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  for (const b of batches) {
    byStage[b.stage ?? '(none)'] = (byStage[b.stage ?? '(none)'] ?? 0) + 1;
    byStatus[b.status] = (byStatus[b.status] ?? 0) + 1;
  }
  const bad: unknown[] = batches
    .filter((b) => b.status !== 'COMPLETED' || BATCH_NOT_DONE.has((b.stage ?? '') as BatchStage))
    .map((b) => ({
      ...b,
      problem: b.status !== 'COMPLETED' ? 'batch not completed' : `batch left ${b.stage}`,
    }));
  if (batches.length === 0) bad.push({ problem: `no AccountBatch found for ${tradeDate}` });
  const resultNotDone = Object.fromEntries(
    RESULT_NOT_DONE.flatMap((s) => ((result?.byStage[s] ?? 0) > 0 ? [[s, result!.byStage[s]!]] : [])),
  );
  if (Object.keys(resultNotDone).length > 0)
    bad.push({
      problem: "the day's result counts accounts not booked or not matched",
      byStage: resultNotDone,
    });
  return {
    name: 'batchesDone',
    ok: bad.length === 0,
    details: { batches: batches.length, byStatus, byStage },
    violations: bad.length ? bad.slice(0, SAMPLE) : undefined,
  };
}

async function checkOrders(db: Knex, tradeDate: string): Promise<InvariantCheck> {
  const dupIds = await rows<{ client_order_id: string; n: number }>(
    db,
    'SELECT client_order_id, count(*)::int AS n FROM sim.orders GROUP BY 1 HAVING count(*) > 1 ORDER BY 1',
  );
  // "Live": anything the custodian did not reject (it may have filled). The attempt is the
  // client order id's -A{n} suffix at the simulator (-AL: a block allocation), a column in the book.
  const liveDupSim = await rows<Record<string, unknown>>(
    db,
    `SELECT account_number, symbol, side, order_date::text AS trade_date,
            substring(client_order_id from '-A([0-9]+|L)$') AS attempt,
            count(*)::int AS n, array_agg(client_order_id ORDER BY client_order_id) AS client_order_ids
       FROM sim.orders
      WHERE order_date = ? AND order_status <> 'REJECTED'
      GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1 ORDER BY 1, 2, 3, 5`,
    [tradeDate],
  );
  const liveDupBook = await rows<Record<string, unknown>>(
    db,
    `SELECT account_id, symbol, side, trade_date::text AS trade_date, attempt,
            count(*)::int AS n, array_agg(client_order_id ORDER BY client_order_id) AS client_order_ids
       FROM orders
      WHERE trade_date = ? AND status <> 'REJECTED'
      GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1 ORDER BY 1, 2, 3, 5`,
    [tradeDate],
  );
  // Every simulator order of the day is one of the book's: an account's order (`orders`, also the
  // trade an allocation books on the account) or, with block orders, a block order (`block_orders`)
  // on the average-price account. Matched on the custodian's order id.
  const blockOrders = await tableExists(db, 'public.block_orders');
  const ours = `SELECT custodian_order_id, client_order_id FROM orders
                 WHERE trade_date = ? AND custodian_order_id IS NOT NULL
                ${
                  blockOrders
                    ? `UNION ALL SELECT bo.custodian_order_id, bo.client_order_id FROM block_orders bo
                         JOIN blocks b ON b.id = bo.block_id
                        WHERE b.trade_date = ? AND bo.custodian_order_id IS NOT NULL`
                    : ''
                }`;
  const oursBindings = blockOrders ? [tradeDate, tradeDate] : [tradeDate];
  const [counts] = await rows<{
    sim_orders: number;
    book_with_custodian_id: number;
    book_orders: number;
    book_never_acknowledged: number;
  }>(
    db,
    `SELECT (SELECT count(*)::int FROM sim.orders WHERE order_date = ?) AS sim_orders,
            (SELECT count(*)::int FROM (${ours}) x) AS book_with_custodian_id,
            (SELECT count(*)::int FROM orders WHERE trade_date = ?) AS book_orders,
            (SELECT count(*)::int FROM orders WHERE trade_date = ? AND custodian_order_id IS NULL
                AND coalesce(reject_reason, '') = '') AS book_never_acknowledged`,
    [tradeDate, ...oursBindings, tradeDate, tradeDate],
  );
  // Sent but not recorded (the custodian has it, the book has no row with its order id), and the reverse.
  const unrecorded = await rows<Record<string, unknown>>(
    db,
    `SELECT s.client_order_id, s.order_id, s.account_number, s.order_status FROM sim.orders s
      WHERE s.order_date = ? AND s.order_id NOT IN (SELECT custodian_order_id FROM (${ours}) x)
      ORDER BY 1 LIMIT ${SAMPLE}`,
    [tradeDate, ...oursBindings],
  );
  const missingAtSim = await rows<Record<string, unknown>>(
    db,
    `SELECT x.client_order_id, x.custodian_order_id FROM (${ours}) x
      WHERE NOT EXISTS (SELECT 1 FROM sim.orders s WHERE s.order_id = x.custodian_order_id)
      ORDER BY 1 LIMIT ${SAMPLE}`,
    oursBindings,
  );
  const c = counts!;
  const ok =
    dupIds.length === 0 &&
    liveDupSim.length === 0 &&
    liveDupBook.length === 0 &&
    c.sim_orders === c.book_with_custodian_id &&
    unrecorded.length === 0 &&
    missingAtSim.length === 0;
  const violations = [
    ...dupIds.map((r) => ({ kind: 'client order id twice at the simulator', ...r })),
    ...liveDupSim.map((r) => ({ kind: 'two live orders at the simulator', ...r })),
    ...liveDupBook.map((r) => ({ kind: 'two live orders in the book', ...r })),
    ...unrecorded.map((r) => ({ kind: 'at the simulator, not recorded in the book', ...r })),
    ...missingAtSim.map((r) => ({ kind: 'in the book, not at the simulator', ...r })),
  ];
  return {
    name: 'noDuplicateOrders',
    ok,
    details: {
      duplicateClientOrderIdsAtSim: dupIds.length,
      duplicateLiveOrdersAtSim: liveDupSim.length,
      duplicateLiveOrdersInBook: liveDupBook.length,
      simOrders: c.sim_orders,
      bookOrdersWithCustodianId: c.book_with_custodian_id,
      blockOrders: blockOrders ? 'counted with the book orders' : 'no block_orders table',
      bookOrders: c.book_orders,
      bookOrdersNeverAcknowledged: c.book_never_acknowledged,
    },
    violations: violations.length ? violations.slice(0, SAMPLE) : undefined,
  };
}

interface ProposalRow {
  id: string;
  status: string;
  decision: string | null;
  orders: number;
  flagged: boolean;
  window_missed: boolean;
  withdrawn: boolean;
  custodian_rejects: string[] | null;
  short_legs: number;
  short_legs_cancelled: number;
  short_legs_unsent: number;
}

async function checkApprovals(db: Knex, tradeDate: string): Promise<InvariantCheck> {
  const ps = await rows<ProposalRow>(
    db,
    `WITH p AS (SELECT * FROM proposals WHERE trade_date = ?),
          o AS (SELECT o.* FROM orders o JOIN p ON o.proposal_id = p.id
                 AND o.account_id = p.account_id AND o.trade_date = p.trade_date),
          leg AS (SELECT l.proposal_id, l.leg_no, l.qty,
                         coalesce((SELECT sum(o.filled_qty) FROM o WHERE o.proposal_id = l.proposal_id
                                    AND o.leg_no = l.leg_no), 0) AS filled,
                         (SELECT o.status FROM o WHERE o.proposal_id = l.proposal_id AND o.leg_no = l.leg_no
                           ORDER BY o.attempt DESC LIMIT 1) AS last_status
                    FROM proposal_legs l JOIN p ON p.id = l.proposal_id)
     SELECT p.id, p.status, a.decision,
            (SELECT count(*)::int FROM o WHERE o.proposal_id = p.id) AS orders,
            EXISTS (SELECT 1 FROM audit_log x WHERE x.entity = 'proposal' AND x.entity_id = p.id
                     AND x.action = 'PROPOSAL_' || p.status) AS flagged,
            EXISTS (SELECT 1 FROM audit_log x WHERE x.entity = 'proposal' AND x.entity_id = p.id
                     AND x.action = 'WINDOW_MISSED') AS window_missed,
            EXISTS (SELECT 1 FROM audit_log x WHERE x.entity = 'proposal' AND x.entity_id = p.id
                     AND x.action = 'PROPOSAL_WITHDRAWN') AS withdrawn,
            (SELECT array_agg(DISTINCT o.reject_reason) FROM o
              WHERE o.proposal_id = p.id AND o.reject_reason IS NOT NULL) AS custodian_rejects,
            (SELECT count(*)::int FROM leg WHERE leg.proposal_id = p.id AND leg.filled < leg.qty) AS short_legs,
            (SELECT count(*)::int FROM leg WHERE leg.proposal_id = p.id AND leg.filled < leg.qty
                AND leg.last_status IN ('CANCELED', 'REJECTED')) AS short_legs_cancelled,
            (SELECT count(*)::int FROM leg WHERE leg.proposal_id = p.id AND leg.filled < leg.qty
                AND leg.last_status IS NULL) AS short_legs_unsent
       FROM p LEFT JOIN approvals a ON a.proposal_id = p.id
      ORDER BY p.id`,
    [tradeDate],
  );
  const outcomes: Record<string, number> = {};
  const violations: unknown[] = [];
  const count = (k: string) => {
    outcomes[k] = (outcomes[k] ?? 0) + 1;
  };
  for (const p of ps) {
    const bad = (why: string) => {
      count(`VIOLATION: ${why}`);
      violations.push({
        proposalId: p.id,
        status: p.status,
        decision: p.decision,
        orders: p.orders,
        shortLegs: p.short_legs,
        shortLegsCancelled: p.short_legs_cancelled,
        shortLegsUnsent: p.short_legs_unsent,
        why,
      });
    };
    if (p.decision === null) {
      bad('no decision recorded');
      continue;
    }
    if (p.decision !== 'APPROVE') {
      const want = p.decision === 'REJECT' ? 'REJECTED' : 'EXPIRED';
      if (p.orders > 0) bad(`${p.decision.toLowerCase()}ed but orders were sent`);
      else if (p.status !== want) bad(`decision ${p.decision} but proposal ${p.status}`);
      else count(`${p.decision}: not traded`);
      continue;
    }
    if (p.status === 'EXECUTED' && p.short_legs === 0) {
      count('APPROVE: traded in full');
      continue;
    }
    // Ops' skip before the blocks withdrew the approval (the day's or, since `batch-books-fills`,
    // the batch's `skipAccount`): nothing may have been sent for it.
    if (p.status === 'EXPIRED' && p.withdrawn) {
      if (p.orders > 0) bad('withdrawn by a skip but orders were sent');
      else count('APPROVE: withdrawn by a skip before the blocks (PROPOSAL_WITHDRAWN audited)');
      continue;
    }
    if (p.status !== 'PARTIALLY_EXECUTED' && p.status !== 'FAILED' && p.status !== 'EXECUTED') {
      bad(`approved, left ${p.status} (never booked)`);
      continue;
    }
    if (!p.flagged) {
      bad(`${p.status} without its PROPOSAL_${p.status} audit entry`);
      continue;
    }
    // Not fully traded: which recorded fact says why.
    if (p.window_missed && p.orders === 0) count('APPROVE: window missed (WINDOW_MISSED audited)');
    else if (p.custodian_rejects?.length)
      count(`APPROVE: ${p.status}, recorded on its orders (${p.custodian_rejects.join(', ')})`);
    else if (p.short_legs > 0 && p.short_legs === p.short_legs_cancelled)
      count(`APPROVE: ${p.status}, residual cancelled (window closed or retry used up)`);
    else if (p.short_legs > 0 && p.short_legs === p.short_legs_cancelled + p.short_legs_unsent)
      count(`APPROVE: ${p.status}, window closed before every leg was sent`);
    else bad(`approved, ${p.status} with no recorded reason`);
  }
  return {
    name: 'approvalsHonoured',
    ok: violations.length === 0,
    details: { proposals: ps.length, outcomes },
    violations: violations.length ? violations.slice(0, SAMPLE) : undefined,
  };
}

async function checkBook(
  db: Knex,
  tradeDate: string,
  baseline: PositionDiff[] | undefined,
): Promise<InvariantCheck> {
  const notTerminal = await rows<Record<string, unknown>>(
    db,
    `SELECT client_order_id, status, custodian_order_id FROM orders
      WHERE trade_date = ? AND (status NOT IN ('FILLED', 'CANCELED', 'REJECTED') OR NOT booked)
      ORDER BY 1`,
    [tradeDate],
  );
  const fillMismatch = await rows<Record<string, unknown>>(
    db,
    `SELECT b.client_order_id, b.status, b.filled_qty::text AS book_filled, s.order_status AS sim_status,
            s.filled_quantity::text AS sim_filled,
            (SELECT coalesce(sum(e.qty), 0)::text FROM executions e WHERE e.client_order_id = b.client_order_id) AS book_executions,
            (SELECT coalesce(sum(e.quantity), 0)::text FROM sim.executions e WHERE e.order_id = s.order_id) AS sim_executions
       FROM orders b JOIN sim.orders s ON s.order_id = b.custodian_order_id
      WHERE b.trade_date = ?
        AND (b.filled_qty <> s.filled_quantity
          OR b.filled_qty <> (SELECT coalesce(sum(e.qty), 0) FROM executions e WHERE e.client_order_id = b.client_order_id)
          OR s.filled_quantity <> (SELECT coalesce(sum(e.quantity), 0) FROM sim.executions e WHERE e.order_id = s.order_id))
      ORDER BY 1`,
    [tradeDate],
  );
  const overfilled = await rows<Record<string, unknown>>(
    db,
    `SELECT l.proposal_id, l.leg_no, l.qty::text AS leg_qty, sum(o.filled_qty)::text AS filled
       FROM proposal_legs l JOIN proposals p ON p.id = l.proposal_id
       JOIN orders o ON o.proposal_id = l.proposal_id AND o.leg_no = l.leg_no
        AND o.account_id = p.account_id AND o.trade_date = p.trade_date
      WHERE p.trade_date = ?
      GROUP BY 1, 2, 3 HAVING sum(o.filled_qty) > l.qty ORDER BY 1, 2`,
    [tradeDate],
  );
  let positions: { changed: PositionDiff[]; baseline: number; now: number } | undefined;
  if (baseline) {
    const now = await positionDiffs(db);
    const key = (d: PositionDiff) => `${d.account}|${d.symbol}|${d.diff}`;
    const before = new Set(baseline.map(key));
    const after = new Set(now.map(key));
    const changed = [
      ...now.filter((d) => !before.has(key(d))).map((d) => ({ ...d, when: 'after' })),
      ...baseline.filter((d) => !after.has(key(d))).map((d) => ({ ...d, when: 'before' })),
    ];
    positions = { changed, baseline: baseline.length, now: now.length };
  }
  const ok =
    notTerminal.length === 0 &&
    fillMismatch.length === 0 &&
    overfilled.length === 0 &&
    (positions?.changed.length ?? 0) === 0;
  const violations = [
    ...notTerminal.map((r) => ({ kind: 'order open or not booked at the end of the day', ...r })),
    ...fillMismatch.map((r) => ({ kind: 'fill differs between book, simulator and executions', ...r })),
    ...overfilled.map((r) => ({ kind: 'leg filled beyond its quantity', ...r })),
    ...(positions?.changed ?? []).map((r) => ({
      kind: 'book-vs-custodian position difference changed',
      ...r,
    })),
  ];
  return {
    name: 'bookMatchesCustodian',
    ok,
    details: {
      ordersOpenOrUnbooked: notTerminal.length,
      fillMismatches: fillMismatch.length,
      overfilledLegs: overfilled.length,
      positionDiffs: positions
        ? { before: positions.baseline, after: positions.now, changed: positions.changed.length }
        : 'no baseline taken',
    },
    violations: violations.length ? violations.slice(0, SAMPLE) : undefined,
  };
}

/** Orders the simulator received (and filled: fills happen at creation) outside the window. */
async function checkWindow(
  db: Knex,
  tradeDate: string,
  window: { open: string; close: string },
): Promise<InvariantCheck> {
  // Trades an allocation books on a client account are not street orders: they may follow the window.
  const notAllocation = (await tableExists(db, 'sim.allocations'))
    ? 'AND NOT EXISTS (SELECT 1 FROM sim.allocations al WHERE al.order_id = o.order_id)'
    : '';
  const outside = await rows<Record<string, unknown>>(
    db,
    `SELECT o.client_order_id, o.order_status, o.create_time, o.filled_quantity::text AS filled_quantity,
            round(extract(epoch FROM o.create_time - ?::timestamptz)::numeric, 1)::text AS seconds_after_close
       FROM sim.orders o
      WHERE o.order_date = ? AND (o.create_time < ?::timestamptz OR o.create_time > ?::timestamptz)
        ${notAllocation}
      ORDER BY o.create_time`,
    [window.close, tradeDate, window.open, window.close],
  );
  return {
    name: 'ordersInsideWindow',
    ok: outside.length === 0,
    details: { window, ordersOutside: outside.length },
    violations: outside.length ? outside.slice(0, SAMPLE) : undefined,
  };
}

/**
 * Block orders, when the schema has them: `blocks` with `block_allocations(block_id, account_id,
 * proposal_id, requested_qty, allocated_qty, price)`, or (the shape migrations/…_blocks.ts is
 * taking) the book's `allocations` extended with `block_id`, `requested_qty` and `qty` (allocated).
 */
async function checkBlocks(db: Knex, tradeDate: string): Promise<InvariantCheck | undefined> {
  if (!(await tableExists(db, 'public.blocks'))) return undefined;
  let table: string;
  let allocated: string;
  if (await tableExists(db, 'public.block_allocations')) {
    table = 'block_allocations';
    allocated = 'allocated_qty';
  } else {
    const cols = await columns(db, 'public', 'allocations');
    if (!(cols.has('block_id') && cols.has('requested_qty') && cols.has('qty'))) return undefined;
    table = 'allocations';
    allocated = 'qty';
  }
  const sums = await rows<Record<string, unknown>>(
    db,
    `SELECT b.id AS block_id, b.status, b.filled_qty::text AS filled_qty,
            coalesce(sum(a.${allocated}), 0)::text AS allocated
       FROM blocks b LEFT JOIN ${table} a ON a.block_id = b.id
      WHERE b.trade_date = ?
      GROUP BY b.id, b.status, b.filled_qty
     HAVING coalesce(sum(a.${allocated}), 0) <> b.filled_qty
      ORDER BY 1`,
    [tradeDate],
  );
  const over = await rows<Record<string, unknown>>(
    db,
    `SELECT a.block_id, a.account_id, a.requested_qty::text AS requested_qty, a.${allocated}::text AS allocated_qty
       FROM ${table} a JOIN blocks b ON b.id = a.block_id
      WHERE b.trade_date = ? AND a.${allocated} > a.requested_qty
      ORDER BY 1, 2`,
    [tradeDate],
  );
  const [n] = await rows<{ blocks: number; allocations: number }>(
    db,
    `SELECT (SELECT count(*)::int FROM blocks WHERE trade_date = ?) AS blocks,
            (SELECT count(*)::int FROM ${table} a JOIN blocks b ON b.id = a.block_id WHERE b.trade_date = ?) AS allocations`,
    [tradeDate, tradeDate],
  );
  // With block orders: a block's fill is its orders' fills, each equal to the custodian's.
  const streetMismatch = (await tableExists(db, 'public.block_orders'))
    ? await rows<Record<string, unknown>>(
        db,
        `SELECT b.id AS block_id, b.filled_qty::text AS block_filled,
                (SELECT coalesce(sum(bo.filled_qty), 0) FROM block_orders bo WHERE bo.block_id = b.id)::text AS orders_filled,
                (SELECT coalesce(sum(s.filled_quantity), 0) FROM block_orders bo
                   JOIN sim.orders s ON s.order_id = bo.custodian_order_id WHERE bo.block_id = b.id)::text AS custodian_filled
           FROM blocks b
          WHERE b.trade_date = ?
            AND (b.filled_qty <> (SELECT coalesce(sum(bo.filled_qty), 0) FROM block_orders bo WHERE bo.block_id = b.id)
              OR b.filled_qty <> (SELECT coalesce(sum(s.filled_quantity), 0) FROM block_orders bo
                                    JOIN sim.orders s ON s.order_id = bo.custodian_order_id WHERE bo.block_id = b.id))
          ORDER BY 1`,
        [tradeDate],
      )
    : [];
  const violations = [
    ...sums.map((r) => ({ kind: 'Σ allocated ≠ block filled', ...r })),
    ...over.map((r) => ({ kind: 'allocated > requested', ...r })),
    ...streetMismatch.map((r) => ({ kind: 'block filled ≠ its block orders / the custodian', ...r })),
  ];
  return {
    name: 'blocksAllocated',
    ok: violations.length === 0,
    details: { allocationTable: table, blocks: n?.blocks ?? 0, allocations: n?.allocations ?? 0 },
    violations: violations.length ? violations.slice(0, SAMPLE) : undefined,
  };
}

/** Every invariant above for one trade date. `positionsBefore`: positionDiffs() taken before the day. */
export async function checkInvariants(opts: {
  db: Knex;
  client: Client;
  tradeDate: string;
  positionsBefore?: PositionDiff[];
  /** The day's trading window (ISO instants), for ordersInsideWindow. */
  window?: { open: string; close: string };
}): Promise<InvariantReport> {
  const { db, client, tradeDate } = opts;
  const eligible =
    // The accounts with a day: ACTIVE ones, and PENDING_SETUP ones adopted from the custodian's
    // files up to that morning (src/activities/accounts.ts; one adopted from a later morning's files,
    // ingested at this day's confirm matching, has its first day tomorrow).
    (
      await rows<{ id: string }>(
        db,
        `SELECT id FROM accounts WHERE status = 'ACTIVE' OR (status = 'PENDING_SETUP' AND onboarded_on <= ?) ORDER BY id`,
        [tradeDate],
      )
    ).map((r) => r.id);
  const checks: InvariantCheck[] = [
    ...(await checkDay(db, client, tradeDate, eligible)),
    await checkOrders(db, tradeDate),
    await checkApprovals(db, tradeDate),
    await checkBook(db, tradeDate, opts.positionsBefore),
  ];
  if (opts.window) checks.push(await checkWindow(db, tradeDate, opts.window));
  const blocks = await checkBlocks(db, tradeDate);
  if (blocks) checks.push(blocks);
  const failed = checks.filter((c) => !c.ok).map((c) => c.name);
  return { ok: failed.length === 0, failed, checks };
}
