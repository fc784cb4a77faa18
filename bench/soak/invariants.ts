/**
 * What must hold after every day of the soak, on top of bench/chaos/invariants.ts (the day
 * completed, every account terminal and an approved one booked by its batch, every batch done, no
 * duplicate orders, approvals honoured, fills booked as the custodian filled them, orders inside
 * the window, Σ allocations = block fills). Checked in SQL on
 * NUMERIC; quantities and money reach JavaScript as decimal strings only.
 *
 *   noUnexpectedBreaks      no break of any kind on the day, except on the demo's deliberate break
 *                           accounts and the planted settlement fails (./events.ts), and every
 *                           planted fail is found as a SETTLEMENT break on the morning it is due;
 *                           accounts (src/demo/seed.ts BREAK_ACCOUNT)
 *   noAccountHeld           no account Skipped, Failed or left in ReconBreak
 *   bookEqualsCustodian     after the day: positions (book − custodian differences exactly the seed's
 *                           deliberate ones), Σ lot quantity and Σ lot cost per account and symbol,
 *                           cash to the cent (the custodian's, less what it reports on a later
 *                           morning, e.g. a withdrawal the book SENT today, = the book's)
 *   cashLinesPostedOnce     every cash movement at the custodian (sim.cash_activity) up to the day
 *                           was reported in its morning's EXT869 (count and sum per account and
 *                           morning), and every such line (not a trade settlement) is on exactly
 *                           one cash flow of the book (source_ref), none twice
 *   withdrawalsPaidInTime   every withdrawal the book requested is PAID by the 3rd trading day after
 *                           its effective date
 *   modelChangeOnce         no proposal of the day gives MODEL_CHANGE for a model version its account
 *                           was recorded as holding (MODEL_VERSION_TRADED) before the day started
 *   noNegativeCash          no negative cash in the book or at the custodian, except a debit the book
 *                           did not send and could not know of yet, or one it is raising cash for
 *                           (./cash-invariant.ts)
 */
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { type SimClosedLot, lotsAsOf } from '../../src/custodian/sim/lots';
import { nextTradingDay } from '../../src/domain/calendar';
import { cashStr, dec, qtyStr } from '../../src/domain/money';
import { SA } from '../../src/workflows/search-attributes';
import type { TradingDayResult } from '../../src/workflows/types';
import type { InvariantCheck, PositionDiff } from '../chaos/invariants';
import { noNegativeCash } from './cash-invariant';
import { SAMPLE, check, rows } from './check';
import {
  depositsInvested,
  insideBandsAfterTrades,
  noWashSaleAcrossRun,
  realizedGainsMatchCustodian,
  setUpAccountsTrade,
} from './trading-invariants';

/** A break the soak planted: the morning it must show, the account, its type. */
export interface PlantedBreak {
  tradeDate: string;
  accountId: string;
  type: string;
  key: string;
}

async function noUnexpectedBreaks(
  db: Knex,
  tradeDate: string,
  breakAccounts: Set<string>,
  planted: PlantedBreak[],
) {
  const all = await rows<{
    account_id: string;
    type: string;
    symbol: string | null;
    status: string;
    key: string;
  }>(
    db,
    `SELECT account_id, type, symbol, status, category, key, ours, theirs, diff
       FROM breaks WHERE trade_date = ? ORDER BY account_id, type, symbol`,
    [tradeDate],
  );
  const due = planted.filter((p) => p.tradeDate === tradeDate);
  const isPlanted = (b: { account_id: string; type: string; key: string }) =>
    planted.some((p) => p.accountId === b.account_id && p.type === b.type && p.key === b.key);
  const bad: unknown[] = all.filter((b) => !breakAccounts.has(b.account_id) && !isPlanted(b));
  for (const p of due)
    if (!all.some((b) => b.account_id === p.accountId && b.type === p.type && b.key === p.key))
      bad.push({ kind: 'planted break not found', ...p });
  return check('noUnexpectedBreaks', bad, {
    breaks: all.length,
    onDeliberateBreakAccounts: all.filter((b) => breakAccounts.has(b.account_id)).length,
    plantedDue: due.length,
    plantedFound:
      due.length - bad.filter((b) => (b as { kind?: string }).kind === 'planted break not found').length,
    deliberateBreakAccounts: [...breakAccounts],
  });
}

async function noAccountHeld(client: Client, tradeDate: string, result: TradingDayResult | undefined) {
  const held = ['Skipped', 'Failed', 'ReconBreak'];
  const counts: Record<string, number> = Object.fromEntries(held.map((s) => [s, result?.byStage[s] ?? 0]));
  const bad: unknown[] = [];
  if (!result) bad.push({ why: 'the day has no result' });
  else if (held.some((s) => (counts[s] ?? 0) > 0) || result.failedAccounts.length > 0) {
    const q = `WorkflowType = "AccountDay" AND TradeDate = "${tradeDate}" AND Stage IN (${held.map((s) => `"${s}"`).join(', ')})`;
    for await (const w of client.workflow.list({ query: q })) {
      bad.push({ workflowId: w.workflowId, stage: w.typedSearchAttributes.get(SA.Stage) });
      if (bad.length >= SAMPLE) break;
    }
    if (bad.length === 0) bad.push({ byStage: result.byStage, failedAccounts: result.failedAccounts });
  }
  return check('noAccountHeld', bad, counts);
}

/**
 * The book's positions against the custodian's at the close of `tradeDate`: the simulator's
 * current positions with the corporate actions of later process dates undone (the next morning's
 * split is applied when its files are built, at this day's confirms; the book applies it at that
 * morning's sync). A symbol change is not undone: the book renames the security when it ingests
 * that morning's files, which it does at this day's confirm matching.
 */
export async function positionDiffsAtClose(db: Knex, tradeDate: string): Promise<PositionDiff[]> {
  return rows<PositionDiff>(
    db,
    `WITH b AS (SELECT a.custodian_account_number AS acct, p.symbol, p.qty
                  FROM positions p JOIN accounts a ON a.id = p.account_id),
          s0 AS (SELECT account_number AS acct, symbol, qty FROM sim.positions
                 UNION ALL
                 SELECT x.account_number, x.symbol, x.qty_before - x.qty_after
                   FROM sim.corporate_action_effects x JOIN sim.corporate_actions c ON c.id = x.action_id
                  WHERE c.process_date > ? AND c.action <> 'SYMBOL_CHANGE'),
          s AS (SELECT acct, symbol, sum(qty) AS qty FROM s0
                 WHERE acct IN (SELECT custodian_account_number FROM accounts) GROUP BY 1, 2)
     SELECT coalesce(b.acct, s.acct) AS account, coalesce(b.symbol, s.symbol) AS symbol,
            trim_scale(coalesce(b.qty, 0) - coalesce(s.qty, 0))::text AS diff
       FROM b FULL JOIN s ON b.acct = s.acct AND b.symbol = s.symbol
      WHERE coalesce(b.qty, 0) <> coalesce(s.qty, 0)
      ORDER BY 1, 2`,
    [tradeDate],
  );
}

/** The simulator's lots (replayed by lotsAsOf) in a temporary table of this transaction. */
async function loadSimLots(
  trx: Knex.Transaction,
  processDate: string,
  actionsThrough: string,
  closed: SimClosedLot[],
): Promise<number> {
  await trx.raw(
    `CREATE TEMPORARY TABLE soak_sim_lots (account_number text, symbol text, qty numeric, unit_cost numeric)
       ON COMMIT DROP`,
  );
  const lots = (await lotsAsOf(trx, processDate, { actionsThrough, keepRenames: true, closed })).map((l) => ({
    account_number: l.accountNumber,
    symbol: l.symbol,
    qty: qtyStr(l.qty),
    unit_cost: l.unitCost.toFixed(),
  }));
  for (let i = 0; i < lots.length; i += 1000) await trx('soak_sim_lots').insert(lots.slice(i, i + 1000));
  return lots.length;
}

async function bookEqualsCustodian(
  db: Knex,
  tradeDate: string,
  deliberate: PositionDiff[],
  closed: SimClosedLot[],
) {
  const key = (d: PositionDiff) => `${d.account}|${d.symbol}|${d.diff}`;
  const allowed = new Set(deliberate.map(key));
  const diffs = await positionDiffsAtClose(db, tradeDate);
  const positions = [
    ...diffs.filter((d) => !allowed.has(key(d))).map((d) => ({ kind: 'position', ...d })),
    ...deliberate
      .filter((d) => !diffs.some((x) => key(x) === key(d)))
      .map((d) => ({ kind: 'deliberate difference gone or changed', ...d })),
  ];
  // The custodian's cash includes what it reports on a later morning (tomorrow's events, the
  // book's withdrawals it paid out today): less that, it is what the book must have.
  const later = `coalesce((SELECT sum(x.amount_in) FROM sim.cash_activity x
                   WHERE x.account_number = s.account_number AND x.process_date > ?), 0)`;
  const cash = await rows<Record<string, string>>(
    db,
    `SELECT a.id AS account, c.amount::text AS book, s.cash::text AS custodian,
            ${later}::text AS custodian_reports_later,
            coalesce((SELECT sum(f.amount) FROM cash_flows f WHERE f.account_id = a.id AND f.status = 'SENT'), 0)::text AS sent
       FROM accounts a JOIN cash_balances c ON c.account_id = a.id
       JOIN sim.accounts s ON s.account_number = a.custodian_account_number
      WHERE c.amount <> s.cash - ${later}
      ORDER BY 1`,
    [tradeDate, tradeDate],
  );
  const { lots, simLots } = await db.transaction(async (trx) => {
    const simLots = await loadSimLots(trx, nextTradingDay(tradeDate), tradeDate, closed);
    const lots = await rows<Record<string, string>>(
      trx,
      `WITH b AS (SELECT a.custodian_account_number AS acct, l.symbol, sum(l.qty) AS qty,
                         round(sum(l.qty * l.unit_cost), 2) AS cost, count(*) AS n
                    FROM tax_lots l JOIN accounts a ON a.id = l.account_id WHERE l.qty > 0 GROUP BY 1, 2),
            s AS (SELECT account_number AS acct, symbol, sum(qty) AS qty, round(sum(qty * unit_cost), 2) AS cost,
                         count(*) AS n
                    FROM soak_sim_lots WHERE account_number IN (SELECT custodian_account_number FROM accounts)
                   GROUP BY 1, 2)
       SELECT coalesce(b.acct, s.acct) AS account, coalesce(b.symbol, s.symbol) AS symbol,
              trim_scale(b.qty)::text AS book_qty, trim_scale(s.qty)::text AS custodian_qty,
              b.cost::text AS book_cost, s.cost::text AS custodian_cost
         FROM b FULL JOIN s ON b.acct = s.acct AND b.symbol = s.symbol
        WHERE b.qty IS DISTINCT FROM s.qty OR b.cost IS DISTINCT FROM s.cost
        ORDER BY 1, 2`,
    );
    return { lots, simLots };
  });
  const [n] = await rows<{ accounts: number; positions: number; lots: number }>(
    db,
    `SELECT (SELECT count(*)::int FROM accounts) AS accounts,
            (SELECT count(*)::int FROM positions WHERE qty <> 0) AS positions,
            (SELECT count(*)::int FROM tax_lots WHERE qty > 0) AS lots`,
  );
  const bad = [
    ...positions,
    ...cash.map((r) => ({ kind: 'cash', ...r })),
    ...lots.map((r) => ({ kind: 'lots (Σ qty, Σ cost)', ...r })),
  ];
  return check('bookEqualsCustodian', bad, {
    ...n,
    simLots,
    deliberatePositionDiffs: deliberate.length,
    positionDiffs: positions.length,
    cashDiffs: cash.length,
    lotDiffs: lots.length,
  });
}

async function cashLinesPostedOnce(db: Knex, tradeDate: string) {
  const lines = await rows<Record<string, unknown>>(
    db,
    `SELECT c.process_date::text AS process_date, c.line_no, c.account_number, c.description,
            c.amount_in::text AS amount_in, count(f.id)::int AS flows
       FROM custodian_cash_activity c
       JOIN accounts a ON a.custodian_account_number = c.account_number
       LEFT JOIN cash_flows f ON f.account_id = a.id AND f.source_ref = 'EXT869/' || c.process_date::text || '/' || c.line_no
      WHERE c.trade_date IS NULL AND c.process_date <= ?
      GROUP BY 1, 2, 3, 4, 5
     HAVING count(f.id) <> 1
      ORDER BY 1, 2`,
    [tradeDate],
  );
  const twice = await rows<Record<string, unknown>>(
    db,
    `SELECT source_ref, count(*)::int AS flows, array_agg(id ORDER BY id) AS ids FROM cash_flows
      WHERE source_ref IS NOT NULL GROUP BY 1 HAVING count(*) > 1 ORDER BY 1`,
  );
  // What the custodian recorded against what its files reported (a line recorded for a morning
  // whose files were already built is never reported: the book could not post it).
  const unreported = await rows<Record<string, unknown>>(
    db,
    `WITH s AS (SELECT account_number, process_date, count(*)::int AS n, sum(amount_in) AS total
                  FROM sim.cash_activity WHERE process_date <= ?
                   AND account_number IN (SELECT custodian_account_number FROM accounts) GROUP BY 1, 2),
          r AS (SELECT account_number, process_date, count(*)::int AS n, sum(amount_in) AS total
                  FROM custodian_cash_activity WHERE trade_date IS NULL AND process_date <= ?
                   AND account_number IN (SELECT custodian_account_number FROM accounts) GROUP BY 1, 2)
     SELECT coalesce(s.account_number, r.account_number) AS account_number,
            coalesce(s.process_date, r.process_date)::text AS process_date,
            s.n AS at_custodian, r.n AS reported, s.total::text AS custodian_total, r.total::text AS reported_total
       FROM s FULL JOIN r ON r.account_number = s.account_number AND r.process_date = s.process_date
      WHERE s.n IS DISTINCT FROM r.n OR s.total IS DISTINCT FROM r.total
      ORDER BY 2, 1`,
    [tradeDate, tradeDate],
  );
  const [n] = await rows<{ lines: number; today: number; posted: number }>(
    db,
    `SELECT (SELECT count(*)::int FROM custodian_cash_activity c
               JOIN accounts a ON a.custodian_account_number = c.account_number
              WHERE c.trade_date IS NULL AND c.process_date <= ?) AS lines,
            (SELECT count(*)::int FROM custodian_cash_activity c
               JOIN accounts a ON a.custodian_account_number = c.account_number
              WHERE c.trade_date IS NULL AND c.process_date = ?) AS today,
            (SELECT count(*)::int FROM cash_flows WHERE source_ref LIKE 'EXT869/%') AS posted`,
    [tradeDate, tradeDate],
  );
  const bad = [
    ...lines.map((r) => ({ kind: 'cash line not on exactly one flow', ...r })),
    ...twice.map((r) => ({ kind: 'source_ref on several flows', ...r })),
    ...unreported.map((r) => ({ kind: 'custodian cash movement not reported in its morning', ...r })),
  ];
  return check('cashLinesPostedOnce', bad, { ...n });
}

/** The `n`th trading day after `date`. */
function tradingDaysAfter(date: string, n: number): string {
  let d = date;
  for (let i = 0; i < n; i++) d = nextTradingDay(d);
  return d;
}

export const WITHDRAWAL_DAYS = 3;

async function withdrawalsPaidInTime(db: Knex, tradeDate: string) {
  const flows = await rows<{
    id: string;
    account_id: string;
    amount: string;
    status: string;
    effective_date: string;
    posted_date: string | null;
  }>(
    db,
    `SELECT id, account_id, amount::text AS amount, status, effective_date::text AS effective_date,
            posted_date::text AS posted_date
       FROM cash_flows WHERE type = 'WITHDRAWAL' AND source = 'BOOK' AND effective_date <= ?
      ORDER BY effective_date, id`,
    [tradeDate],
  );
  const bad: unknown[] = [];
  const byStatus: Record<string, number> = {};
  for (const f of flows) {
    byStatus[f.status] = (byStatus[f.status] ?? 0) + 1;
    const deadline = tradingDaysAfter(f.effective_date, WITHDRAWAL_DAYS);
    const late = f.status === 'PAID' ? f.posted_date! > deadline : tradeDate >= deadline;
    if (late) bad.push({ ...f, deadline });
  }
  return check('withdrawalsPaidInTime', bad, { withdrawals: flows.length, byStatus, withinTradingDays: 3 });
}

async function modelChangeOnce(db: Knex, tradeDate: string, dayStartedAt: string) {
  const bad = await rows<Record<string, unknown>>(
    db,
    `SELECT p.id AS proposal_id, p.account_id, p.model_id, p.model_version,
            (SELECT min(x.at)::text FROM audit_log x WHERE x.action = 'MODEL_VERSION_TRADED'
                AND x.entity_id = p.account_id AND (x.details->>'version')::int = p.model_version) AS traded_at
       FROM proposals p
      WHERE p.trade_date = ?
        AND EXISTS (SELECT 1 FROM jsonb_array_elements(p.reasons) r WHERE r->>'code' = 'MODEL_CHANGE')
        AND EXISTS (SELECT 1 FROM audit_log x WHERE x.action = 'MODEL_VERSION_TRADED'
                      AND x.entity = 'account' AND x.entity_id = p.account_id
                      AND (x.details->>'version')::int = p.model_version AND x.at < ?::timestamptz)
      ORDER BY 1`,
    [tradeDate, dayStartedAt],
  );
  const [n] = await rows<{ fired: number }>(
    db,
    `SELECT count(*)::int AS fired FROM proposals p WHERE p.trade_date = ?
        AND EXISTS (SELECT 1 FROM jsonb_array_elements(p.reasons) r WHERE r->>'code' = 'MODEL_CHANGE')`,
    [tradeDate],
  );
  return check('modelChangeOnce', bad, { modelChangeProposals: n?.fired ?? 0 });
}

export async function checkSoakDay(opts: {
  db: Knex;
  client: Client;
  tradeDate: string;
  result: TradingDayResult | undefined;
  dayStartedAt: string;
  breakAccounts: Set<string>;
  deliberate: PositionDiff[];
  planted: PlantedBreak[];
}): Promise<InvariantCheck[]> {
  const { db, tradeDate } = opts;
  const closed: SimClosedLot[] = [];
  return [
    await noUnexpectedBreaks(db, tradeDate, opts.breakAccounts, opts.planted),
    await noAccountHeld(opts.client, tradeDate, opts.result),
    await bookEqualsCustodian(db, tradeDate, opts.deliberate, closed),
    await realizedGainsMatchCustodian(db, closed),
    await noWashSaleAcrossRun(db, tradeDate),
    await insideBandsAfterTrades(db, tradeDate),
    await depositsInvested(db, tradeDate),
    await setUpAccountsTrade(db, tradeDate),
    await cashLinesPostedOnce(db, tradeDate),
    await withdrawalsPaidInTime(db, tradeDate),
    await modelChangeOnce(db, tradeDate, opts.dayStartedAt),
    await noNegativeCash(db, tradeDate),
  ];
}

/** The cash flows the sync posted (or paid) on the day, by type: how many and their total. */
export async function postedToday(
  db: Knex,
  tradeDate: string,
): Promise<Record<string, { flows: number; total: string }>> {
  const r = await rows<{ type: string; n: number; total: string }>(
    db,
    `SELECT type, count(*)::int AS n, sum(amount)::text AS total FROM cash_flows
      WHERE posted_date = ? GROUP BY 1 ORDER BY 1`,
    [tradeDate],
  );
  return Object.fromEntries(r.map((x) => [x.type, { flows: x.n, total: cashStr(dec(x.total)) }]));
}
