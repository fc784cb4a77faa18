/**
 * Next-morning confirm matching: the custodian's trade activity (EXT872) for a trade date against
 * the accounts' filled orders (the rules: src/domain/confirms.ts), each result kept in
 * `confirm_matches` (a retried call updates its rows). One account at a time (`matchConfirms`, an
 * AccountDay before the `batch-matches-confirms` patch) or a whole batch's traded accounts in one
 * set of queries (`matchBatchConfirms`, the AccountBatch since it).
 */
import type { Knex } from 'knex';
import type { BatchConfirmResult, ConfirmSummary } from '../contracts';
import { nextSettlementDay, nextTradingDay } from '../domain/calendar';
import { type MatchConfirmsInput, type MatchConfirmsResult, matchConfirms } from '../domain/confirms';
import { confirmBreaks } from '../notifications/notify';
import type { NotifyContext } from '../notifications/notify';
import { accountRow } from './accounts';
import type { ActivityDeps } from './deps';
import type { Ingest } from './ingestion';
import { notifyContextOf } from './notifications';

/** Rows per INSERT of a batch's results (far below PostgreSQL's parameter limit). */
const INSERT_CHUNK = 500;

export function confirmActivities(deps: ActivityDeps, ingest: Ingest) {
  const { db } = deps;
  const notifyCtx = notifyContextOf(deps);
  return {
    /**
     * Next morning: ingests the next trading day's files and matches the custodian's trade
     * activity (EXT872) for the trade date against our orders (docs/domain.md §9): quantity exact,
     * average price ±$0.005, settlement date = next settlement day.
     */
    async matchConfirms(input: { tradeDate: string; accountId: string }): Promise<ConfirmSummary> {
      await ingest(nextTradingDay(input.tradeDate));
      const acct = await accountRow(db, input.accountId);
      const [ours, theirs] = await Promise.all([
        ourFills(db, input.tradeDate, [input.accountId]),
        custodianTrades(db, input.tradeDate, [acct.custodian_account_number]),
      ]);
      const matched = matchConfirms(
        confirmInput(input.tradeDate, acct.custodian_account_number, ours, theirs),
      );
      await db.transaction((trx) =>
        store(trx, notifyCtx, input.tradeDate, [{ accountId: input.accountId, matched }]),
      );
      return summaryOf(matched);
    },

    /**
     * The same for a batch's traded accounts at once: one query for their orders, one for the
     * custodian's trades, one transaction for every result. An account whose matching cannot run
     * (it no longer exists, or the rows do not parse: retrying would not help) is answered with its
     * error and the others are stored; a database error fails the whole call, which is retried.
     */
    async matchBatchConfirms(input: { tradeDate: string; accountIds: string[] }): Promise<
      BatchConfirmResult[]
    > {
      await ingest(nextTradingDay(input.tradeDate));
      const accounts: { id: string; custodian_account_number: string }[] = await db('accounts')
        .whereIn('id', input.accountIds)
        .select('id', 'custodian_account_number');
      const numberOf = new Map(accounts.map((a) => [a.id, a.custodian_account_number]));
      const [ours, theirs] = await Promise.all([
        ourFills(db, input.tradeDate, input.accountIds),
        custodianTrades(db, input.tradeDate, [...numberOf.values()]),
      ]);
      const oursOf = groupBy(ours, (o) => o.account_id);
      const theirsOf = groupBy(theirs, (t) => t.account_number);
      const out: BatchConfirmResult[] = [];
      const toStore: { accountId: string; matched: MatchConfirmsResult }[] = [];
      for (const accountId of input.accountIds) {
        const number = numberOf.get(accountId);
        if (number === undefined) {
          out.push({ accountId, error: `account ${accountId} does not exist` });
          continue;
        }
        try {
          const matched = matchConfirms(
            confirmInput(input.tradeDate, number, oursOf.get(accountId) ?? [], theirsOf.get(number) ?? []),
          );
          toStore.push({ accountId, matched });
          out.push({ accountId, confirms: summaryOf(matched) });
        } catch (e) {
          out.push({ accountId, error: e instanceof Error ? e.message : String(e) });
        }
      }
      await db.transaction((trx) => store(trx, notifyCtx, input.tradeDate, toStore));
      return out;
    },
  };
}

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

function summaryOf(matched: MatchConfirmsResult): ConfirmSummary {
  const s = matched.summary;
  return {
    matched: s.matched,
    matchedWithinTolerance: s.matchedWithinTolerance,
    mismatched: s.mismatched + s.canceledAtCustodian,
    unmatchedOurs: s.unmatchedOurs,
    unmatchedTheirs: s.unmatchedTheirs,
  };
}

/**
 * Every result kept (a retried call updates its rows), and the breaks sent to the advisor and to
 * ops (written once: a retried call adds nothing). '' rather than NULL for a missing id: NULLs are
 * distinct in a unique key.
 */
async function store(
  trx: Knex.Transaction,
  notifyCtx: NotifyContext,
  tradeDate: string,
  matched: { accountId: string; matched: MatchConfirmsResult }[],
): Promise<void> {
  const rows = new Map<string, Record<string, string>>();
  for (const m of matched)
    for (const r of m.matched.results) {
      const row = {
        trade_date: tradeDate,
        account_id: m.accountId,
        client_order_id: r.clientOrderId ?? '',
        custodian_order_id: r.custodianOrderId ?? '',
        result: r.result,
        diffs: JSON.stringify(r.diffs.map((d) => `${d.field}: ours ${d.ours}, theirs ${d.theirs}`)),
      };
      // One row per key, the last result winning, as one INSERT … ON CONFLICT per result would leave it.
      rows.set(JSON.stringify([row.account_id, row.client_order_id, row.custodian_order_id]), row);
    }
  const all = [...rows.values()];
  for (let i = 0; i < all.length; i += INSERT_CHUNK)
    await trx('confirm_matches')
      .insert(all.slice(i, i + INSERT_CHUNK))
      .onConflict(['trade_date', 'account_id', 'client_order_id', 'custodian_order_id'])
      .merge(['result', 'diffs', 'matched_at']);
  for (const m of matched) {
    const s = m.matched.summary;
    if (s.mismatched + s.canceledAtCustodian + s.unmatchedOurs + s.unmatchedTheirs > 0)
      await confirmBreaks(trx, notifyCtx, { tradeDate, accountId: m.accountId });
  }
}

interface OurFill {
  account_id: string;
  client_order_id: string;
  custodian_order_id: string | null;
  symbol: string;
  side: 'BUY' | 'SELL';
  filled_qty: string;
  avg_price: string;
}

interface CustodianTrade {
  account_number: string;
  order_id: string;
  client_order_id: string | null;
  buy_sell_code: 'B' | 'S' | 'C' | 'T';
  symbol: string;
  qty: string;
  price: string;
  principal: string;
  settle_date: string;
  trade_date: string;
}

/** Our filled orders of the trade date for the accounts. */
function ourFills(db: Knex, tradeDate: string, accountIds: string[]): Promise<OurFill[]> {
  return db('orders')
    .where({ trade_date: tradeDate })
    .whereIn('account_id', accountIds)
    .where('filled_qty', '>', 0)
    .orderBy('client_order_id');
}

/** The custodian's trades of the trade date for the account numbers. */
function custodianTrades(db: Knex, tradeDate: string, numbers: string[]): Promise<CustodianTrade[]> {
  return db('custodian_trades')
    .where({ trade_date: tradeDate })
    .whereIn('account_number', numbers)
    .orderBy('id');
}

/** One account's side of the matching: our fills and the custodian's trades. */
function confirmInput(
  tradeDate: string,
  accountNumber: string,
  ours: OurFill[],
  theirs: CustodianTrade[],
): MatchConfirmsInput {
  return {
    tradeDate,
    expectedSettlementDate: nextSettlementDay(tradeDate),
    ours: ours.map((o) => ({
      clientOrderId: o.client_order_id,
      custodianOrderId: o.custodian_order_id,
      accountNumber,
      symbol: o.symbol,
      side: o.side,
      qty: o.filled_qty,
      avgPrice: o.avg_price,
    })),
    theirs: theirs.map((t) => ({
      orderId: t.order_id,
      clientOrderId: t.client_order_id,
      accountNumber,
      symbol: t.symbol,
      buySellCode: t.buy_sell_code,
      quantity: t.qty,
      price: t.price,
      principalAmount: t.principal,
      settlementDate: t.settle_date,
      tradeDate: t.trade_date,
    })),
  };
}
