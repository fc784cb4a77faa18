/** Activities on the book: eligible accounts, reconciliation, proposals, booking fills. */
import { ApplicationFailure } from '@temporalio/activity';
import Decimal from 'decimal.js';
import type { Knex } from 'knex';
import { addCalendarDays, previousTradingDay } from '../domain/calendar';
import { planAccount } from '../domain/engine';
import { type Dec, ZERO, cashStr, dec, qtyStr, sum } from '../domain/money';
import {
  type BreakStatus,
  type BreakType,
  type CorporateActionRow,
  type Hold,
  type PendingCash,
  type PendingLot,
  type PendingPosition,
  type ReconInput,
  type ReconResult,
  UNRESOLVED_STATUSES,
  ageInTradingDays,
  reconcile,
} from '../domain/recon';
import type { AccountBatchRange, AccountRef } from '../workflows/types';
import { type ActivityDeps, writeAudit } from './deps';
import { latestPrices } from './prices';
import { loadSnapshot } from './snapshot';
import type { ProposeResult } from './types';

export function proposalIdFor(tradeDate: string, accountId: string): string {
  return `P${tradeDate.replaceAll('-', '')}-${accountId}`;
}

export function bookActivities(deps: ActivityDeps) {
  const { db } = deps;

  async function account(accountId: string) {
    const a = await db('accounts').where({ id: accountId }).first();
    if (!a) throw ApplicationFailure.nonRetryable(`account ${accountId} does not exist`, 'NotFound');
    return a;
  }

  return {
    /**
     * Splits the day's eligible accounts into batches of at most `batchSize`, as id ranges, so
     * the day's workflow never carries the whole account list (one set-based query).
     */
    async planAccountBatches(input: {
      tradeDate: string;
      batchSize: number;
      accountIds?: string[];
    }): Promise<AccountBatchRange[]> {
      const q = db
        .from(
          db('accounts')
            .where({ status: 'ACTIVE' })
            .modify((b) => (input.accountIds?.length ? b.whereIn('id', input.accountIds) : b))
            .select('id', db.raw('(row_number() OVER (ORDER BY id) - 1) / ? AS batch', [input.batchSize]))
            .as('a'),
        )
        .groupBy('batch')
        .orderBy('batch')
        .select(
          'batch',
          db.raw('min(id) AS first_id'),
          db.raw('max(id) AS last_id'),
          db.raw('count(*)::int AS n'),
        );
      const rows: { batch: string; first_id: string; last_id: string; n: number }[] = await q;
      return rows.map((r) => ({ batchNo: Number(r.batch), fromId: r.first_id, toId: r.last_id, count: r.n }));
    },

    /** The eligible accounts of one batch (an id range), with what each account day needs. */
    async listEligibleAccounts(input: {
      tradeDate: string;
      fromId: string;
      toId: string;
      accountIds?: string[];
    }): Promise<AccountRef[]> {
      const q = db('accounts')
        .where({ status: 'ACTIVE' })
        .whereBetween('id', [input.fromId, input.toId])
        .orderBy('id')
        .select('id', 'advisor_id', 'mode');
      if (input.accountIds?.length) q.whereIn('id', input.accountIds);
      const rows: { id: string; advisor_id: string; mode: 'AUTO' | 'MANUAL' }[] = await q;
      return rows.map((r) => ({ accountId: r.id, advisorId: r.advisor_id, mode: r.mode }));
    },

    /**
     * Reconciles the account's book with the custodian's start-of-day files for the trade date
     * (DOMAIN.md §3.4, src/domain/recon.ts): positions exact at 5 dp on trade-date quantities
     * (EXT871), cash ±$0.01 with pending items (EXT981, EXT869), cost basis per lot ±$0.01
     * (EXT_TAXLOT), explained by corporate actions (EXT235) and the security master (EXT747).
     *
     * Breaks are written with category, cause, materiality, escalation and age; TIMING and
     * SECURITY_MASTER breaks are resolved automatically (audited). An unresolved break stays one
     * row while it persists (its age grows) and is resolved automatically once the difference is
     * gone; breaks resolved by hand stay resolved for the day.
     *
     * `openBreaks` counts the unresolved breaks that hold the whole account (cash, an unexplained
     * quantity difference, anything escalated): the AccountDay workflow holds the account while
     * it is above zero. Breaks that hold one security (`securityHolds`) only keep the engine from
     * trading that security (see proposeTrades).
     */
    async reconcileAccount(input: {
      tradeDate: string;
      accountId: string;
      afterOpsResolution?: boolean;
    }): Promise<ReconcileResult> {
      const acct = await account(input.accountId);
      const have = new Set(
        (
          await db('custodian_files')
            .where({ process_date: input.tradeDate, status: 'INGESTED' })
            .distinct('code')
        ).map((r: { code: string }) => r.code),
      );
      if (!have.has('EXT871')) {
        throw ApplicationFailure.nonRetryable(
          `no positions file (EXT871) ingested for ${input.tradeDate}: see custodian_files for rejected files`,
          'MissingCustodianFile',
        );
      }
      const reconInput = await loadReconInput(db, input.tradeDate, acct, have);
      const found = reconcile(reconInput);
      const autoResolved = await writeBreaks(db, input.tradeDate, input.accountId, found);
      const open: BreakRow[] = await db('breaks')
        .where({ account_id: input.accountId })
        .where('trade_date', '<=', input.tradeDate)
        .whereIn('status', UNRESOLVED_STATUSES)
        .orderBy('id');
      const accountHolds = open.filter((b) => b.hold === 'ACCOUNT');
      return {
        openBreaks: accountHolds.length,
        breaks: accountHolds.map((b) => ({ symbol: b.symbol ?? 'USD', ours: b.ours, theirs: b.theirs })),
        securityHolds: [
          ...new Set(open.filter((b) => b.hold === 'SECURITY' && b.symbol).map((b) => b.symbol!)),
        ].sort(),
        autoResolved,
        checked: found.checked,
      };
    },

    /**
     * Ops resolved the account's breaks by hand: every unresolved break of the account up to
     * the trade date (account and security holds alike) becomes RESOLVED_MANUAL, audited.
     */
    async resolveBreaks(input: {
      tradeDate: string;
      accountId: string;
      by: string;
      note: string;
    }): Promise<number> {
      return db.transaction(async (trx) => {
        const n = await trx('breaks')
          .where({ account_id: input.accountId })
          .where('trade_date', '<=', input.tradeDate)
          .whereIn('status', UNRESOLVED_STATUSES)
          .update({
            status: 'RESOLVED_MANUAL',
            resolved_at: trx.fn.now(),
            resolved_by: input.by,
            note: input.note,
          });
        await writeAudit(trx, {
          actor: input.by,
          action: 'BREAKS_RESOLVED',
          entity: 'account',
          entityId: input.accountId,
          details: { tradeDate: input.tradeDate, count: n, note: input.note },
        });
        return n;
      });
    },

    /** Scans the account and writes a proposal when action is needed (idempotent per account and day). */
    async proposeTrades(input: {
      tradeDate: string;
      accountId: string;
      expiresAt: string;
    }): Promise<ProposeResult> {
      const id = proposalIdFor(input.tradeDate, input.accountId);
      const existing = await db('proposals').where({ id }).first();
      if (existing) return summarize(db, id, deps);
      const snapshot = await loadSnapshot(db, input.tradeDate, input.accountId);
      // Securities held by unresolved breaks (account or security holds): the engine freezes them.
      snapshot.blockedSymbols = await heldSymbols(db, input.tradeDate, input.accountId);
      const plan = planAccount(snapshot);
      const reasons = plan.reasons.map((r) => r.message);
      if (plan.action === 'NONE' || plan.legs.length === 0) {
        return { action: 'NONE', version: 0, legs: 0, reasons, notional: '0.00', flags: [] };
      }
      const legs = plan.legs;
      await db.transaction(async (trx) => {
        const inserted = await trx('proposals')
          .insert({
            id,
            account_id: input.accountId,
            trade_date: input.tradeDate,
            version: 1,
            status: 'PENDING_APPROVAL',
            model_id: snapshot.model.id,
            model_version: snapshot.model.version,
            reasons: JSON.stringify(plan.reasons),
            plan: JSON.stringify(plan),
            expires_at: input.expiresAt,
          })
          .onConflict('id')
          .ignore()
          .returning('id');
        if (inserted.length === 0) return;
        await trx('proposal_legs').insert(
          legs.map((l) => ({
            proposal_id: id,
            leg_no: l.legNo,
            symbol: l.symbol,
            side: l.side,
            qty: l.qty,
            est_price: l.estPrice,
            est_notional: l.estNotional,
            reasons: JSON.stringify(l.reasons),
            lots: JSON.stringify(l.lots),
          })),
        );
        await writeAudit(trx, {
          actor: 'rebalancer',
          action: 'PROPOSAL_CREATED',
          entity: 'proposal',
          entityId: id,
          details: { reasons, legs: legs.length, tax: plan.tax, compliance: plan.compliance },
          idempotencyKey: `proposal:${id}`,
        });
      });
      return summarize(db, id, deps);
    },

    /** Applies terminal orders' fills to positions, lots and cash, once per order. */
    async bookFills(input: { proposalId: string }): Promise<{ booked: number }> {
      return db.transaction(async (trx) => {
        const proposal = await trx('proposals').where({ id: input.proposalId }).forUpdate().first();
        if (!proposal)
          throw ApplicationFailure.nonRetryable(`proposal ${input.proposalId} not found`, 'NotFound');
        // The proposal's account and date as well: they pick the (trade_date, account_id) index.
        const mine = { account_id: proposal.account_id, trade_date: proposal.trade_date };
        const orders = await trx('orders')
          .where({ ...mine, proposal_id: input.proposalId, booked: false })
          .whereIn('status', ['FILLED', 'CANCELED', 'REJECTED'])
          .orderBy('client_order_id');
        let booked = 0;
        for (const o of orders) {
          const filled = dec(o.filled_qty);
          if (filled.gt(0)) {
            const leg = await trx('proposal_legs')
              .where({ proposal_id: input.proposalId, leg_no: o.leg_no })
              .first();
            await applyFill(trx, {
              accountId: o.account_id,
              symbol: o.symbol,
              side: o.side,
              qty: filled,
              price: dec(o.avg_price),
              tradeDate: proposal.trade_date,
              clientOrderId: o.client_order_id,
              lotInstructions: (leg?.lots ?? []) as { lotId: string }[],
            });
            booked++;
          }
          await trx('orders')
            .where({ client_order_id: o.client_order_id })
            .update({ booked: true, updated_at: trx.fn.now() });
        }
        const legs = await trx('proposal_legs').where({ proposal_id: input.proposalId });
        const all = await trx('orders').where({ ...mine, proposal_id: input.proposalId });
        const filledByLeg = (legNo: number) =>
          sum(
            all
              .filter((o: { leg_no: number }) => o.leg_no === legNo)
              .map((o: { filled_qty: string }) => dec(o.filled_qty)),
          );
        const complete = legs.every((l: { leg_no: number; qty: string }) =>
          filledByLeg(l.leg_no).gte(dec(l.qty)),
        );
        const anyFill = all.some((o: { filled_qty: string }) => dec(o.filled_qty).gt(0));
        const status = complete ? 'EXECUTED' : anyFill ? 'PARTIALLY_EXECUTED' : 'FAILED';
        await trx('proposals').where({ id: input.proposalId }).update({ status });
        await writeAudit(trx, {
          actor: 'system',
          action: `PROPOSAL_${status}`,
          entity: 'proposal',
          entityId: input.proposalId,
          details: { booked },
          idempotencyKey: `booked:${input.proposalId}`,
        });
        return { booked };
      });
    },
  };
}

/** The proposal as the workflow sees it, with the flags that send an auto account to a trader. */
async function summarize(db: Knex, id: string, deps: ActivityDeps): Promise<ProposeResult> {
  const p = await db('proposals').where({ id }).first();
  const legs: { leg_no: number; symbol: string; side: string; est_notional: string }[] = await db(
    'proposal_legs',
  )
    .where({ proposal_id: id })
    .orderBy('leg_no');
  const limit = dec(deps.policy?.autoReviewMaxLegUsd ?? '100000');
  const flags = legs
    .filter((l) => dec(l.est_notional).gt(limit))
    .map(
      (l) =>
        `leg ${l.leg_no} ${l.side} ${l.symbol} $${l.est_notional} is above the auto-approval limit $${cashStr(limit)}`,
    );
  const failures: { legNo: number | null; rule: string; message: string }[] =
    p.plan?.compliance?.failures ?? [];
  for (const f of failures)
    flags.push(`compliance ${f.rule}${f.legNo ? ` (leg ${f.legNo})` : ''}: ${f.message}`);
  return {
    action: 'TRADE',
    proposalId: id,
    version: p.version,
    legs: legs.length,
    reasons: (p.reasons as (string | { message: string })[]).map((r) =>
      typeof r === 'string' ? r : r.message,
    ),
    notional: cashStr(sum(legs.map((l) => dec(l.est_notional)))),
    flags,
  };
}

/**
 * Books one order's fill: position, cash, and lots. A buy opens a lot; a sell relieves the lots
 * the engine chose for the leg (its lot instructions, in order), then first-in first-out for
 * anything the instructions do not cover (e.g. a lot already relieved by an earlier attempt).
 */
async function applyFill(
  trx: Knex.Transaction,
  f: {
    accountId: string;
    symbol: string;
    side: 'BUY' | 'SELL';
    qty: Dec;
    price: Dec;
    tradeDate: string;
    clientOrderId: string;
    lotInstructions: { lotId: string }[];
  },
): Promise<void> {
  const { accountId, symbol, side, qty, price, tradeDate, clientOrderId } = f;
  const pos = await trx('positions').where({ account_id: accountId, symbol }).forUpdate().first();
  const current = pos ? dec(pos.qty) : ZERO;
  const next = side === 'BUY' ? current.plus(qty) : current.minus(qty);
  if (next.lt(0))
    throw ApplicationFailure.nonRetryable(`fill would make ${accountId} short ${symbol}`, 'Overfill');
  if (pos)
    await trx('positions')
      .where({ account_id: accountId, symbol })
      .update({ qty: qtyStr(next), updated_at: trx.fn.now() });
  else await trx('positions').insert({ account_id: accountId, symbol, qty: qtyStr(next) });
  const notional = qty.times(price).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN);
  const cash = await trx('cash_balances').where({ account_id: accountId }).forUpdate().first();
  const cashNext = dec(cash?.amount ?? '0')[side === 'BUY' ? 'minus' : 'plus'](notional);
  if (cash)
    await trx('cash_balances')
      .where({ account_id: accountId })
      .update({ amount: cashStr(cashNext), updated_at: trx.fn.now() });
  else await trx('cash_balances').insert({ account_id: accountId, amount: cashStr(cashNext) });
  if (side === 'BUY') {
    await trx('tax_lots').insert({
      id: `L-${clientOrderId}`,
      account_id: accountId,
      symbol,
      open_date: tradeDate,
      qty: qtyStr(qty),
      unit_cost: price.toFixed(6),
      source: 'BUY',
    });
    return;
  }
  let left = qty;
  const open = await trx('tax_lots')
    .where({ account_id: accountId, symbol })
    .where('qty', '>', 0)
    .orderBy([{ column: 'open_date' }, { column: 'id' }])
    .forUpdate();
  const rank = new Map(f.lotInstructions.map((l, i) => [l.lotId, i]));
  const lots = [...open].sort(
    (a, b) => (rank.get(a.id) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b.id) ?? Number.MAX_SAFE_INTEGER),
  );
  for (const lot of lots) {
    if (left.lte(0)) break;
    const take = Decimal.min(left, dec(lot.qty)) as Dec;
    await trx('tax_lots')
      .where({ id: lot.id })
      .update({ qty: qtyStr(dec(lot.qty).minus(take)) });
    left = left.minus(take);
  }
}

/* ------------------------------------------------------------------ reconciliation */

/** What the AccountDay workflow reads: `openBreaks` > 0 holds the whole account. */
export interface ReconcileResult {
  /** Unresolved breaks that hold the whole account. */
  openBreaks: number;
  /** Those breaks (symbol 'USD' for cash). */
  breaks: { symbol: string; ours: string; theirs: string }[];
  /** Securities held by unresolved breaks that do not hold the account: the engine does not trade them. */
  securityHolds: string[];
  /** Breaks resolved automatically by this run (TIMING, SECURITY_MASTER, or gone). */
  autoResolved: number;
  checked: ReconResult['checked'];
}

interface BreakRow {
  id: number;
  trade_date: string;
  type: BreakType;
  key: string;
  account_id: string;
  symbol: string | null;
  ours: string;
  theirs: string;
  status: BreakStatus;
  hold: Hold;
  first_seen_date: string;
  last_seen_date: string;
}

/** Symbols of the account held by unresolved breaks (whole-account and per-security holds). */
export async function heldSymbols(db: Knex, tradeDate: string, accountId: string): Promise<string[]> {
  const rows: { symbol: string }[] = await db('breaks')
    .where({ account_id: accountId })
    .where('trade_date', '<=', tradeDate)
    .whereIn('status', UNRESOLVED_STATUSES)
    .whereIn('hold', ['ACCOUNT', 'SECURITY'])
    .whereNotNull('symbol')
    .distinct('symbol')
    .orderBy('symbol');
  return rows.map((r) => r.symbol);
}

/** Corporate actions this many calendar days old still explain a difference. */
const CORPORATE_ACTION_LOOKBACK_DAYS = 30;

/** Everything the pure reconciliation needs about one account on one trade date. */
async function loadReconInput(
  db: Knex,
  tradeDate: string,
  acct: { id: string; custodian_account_number: string },
  files: ReadonlySet<string>,
): Promise<ReconInput> {
  const number = acct.custodian_account_number;
  const positions: {
    symbol: string;
    cusip: string;
    trade_qty: string;
    settle_qty: string;
    closing_price: string;
  }[] = await db('custodian_positions').where({ process_date: tradeDate, account_number: number });
  const balance = files.has('EXT981')
    ? await db('custodian_balances').where({ process_date: tradeDate, account_number: number }).first()
    : undefined;
  const lots: {
    lot_id: string;
    symbol: string;
    cusip: string;
    open_trade_date: string;
    qty: string;
    total_cost: string;
    adjusted_cost: string;
    wash_sale_adj: string;
  }[] = files.has('EXT_TAXLOT')
    ? await db('custodian_lots').where({ process_date: tradeDate, account_number: number }).orderBy('lot_id')
    : [];
  const actions: {
    action: CorporateActionRow['action'];
    cusip: string;
    cusip_old: string | null;
    symbol: string;
    symbol_old: string | null;
    stock_factor: string | null;
    cash_factor: string | null;
    process_date: string;
  }[] = await db('custodian_corporate_actions')
    .whereBetween('process_date', [addCalendarDays(tradeDate, -CORPORATE_ACTION_LOOKBACK_DAYS), tradeDate])
    .orderBy(['process_date', 'line_no']);
  const master: { cusip: string; symbol: string; old_cusip: string | null }[] = await db(
    'custodian_securities',
  )
    .where(
      'process_date',
      db('custodian_securities').where('process_date', '<=', tradeDate).max('process_date'),
    )
    .select('cusip', 'symbol', 'old_cusip');

  const bookPositions: { symbol: string; qty: string }[] = await db('positions')
    .where({ account_id: acct.id })
    .select('symbol', 'qty');
  const cash = await db('cash_balances').where({ account_id: acct.id }).first();
  const bookLots: { id: string; symbol: string; open_date: string; qty: string; unit_cost: string }[] =
    await db('tax_lots').where({ account_id: acct.id }).where('qty', '>', 0).orderBy('id');
  const securities: { symbol: string; cusip: string; cusip_old: string | null }[] = await db(
    'securities',
  ).select('symbol', 'cusip', 'cusip_old');

  // Pending items. (1) Our fills of the last trading day and today that the custodian has not
  // reported (no EXT872 row): the custodian's files cannot show them yet.
  const fills: {
    client_order_id: string;
    custodian_order_id: string | null;
    symbol: string;
    side: 'BUY' | 'SELL';
    filled_qty: string;
    avg_price: string;
    trade_date: string;
  }[] = await db('orders')
    .where({ account_id: acct.id, booked: true })
    .whereBetween('trade_date', [previousTradingDay(tradeDate), tradeDate])
    .where('filled_qty', '>', 0);
  const reported: { order_id: string; client_order_id: string | null }[] = fills.length
    ? await db('custodian_trades')
        .where({ account_number: number })
        .where('process_date', '<=', tradeDate)
        .where('trade_date', '>=', previousTradingDay(tradeDate))
        .select('order_id', 'client_order_id')
    : [];
  const unreported = fills.filter(
    (f) =>
      !reported.some(
        (r) =>
          (f.custodian_order_id && r.order_id === f.custodian_order_id) ||
          r.client_order_id === f.client_order_id,
      ),
  );
  const pendingPositions: PendingPosition[] = [];
  const pendingCash: PendingCash[] = [];
  const pendingLots: PendingLot[] = [];
  for (const f of unreported) {
    const q = dec(f.filled_qty);
    const notional = q.times(dec(f.avg_price)).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN);
    const what = `${f.side} ${qtyStr(q)} ${f.symbol} filled ${f.trade_date}, not reported by the custodian`;
    // Custodian − book: a buy the custodian does not know yet shows fewer shares and more cash there.
    pendingPositions.push({
      symbol: f.symbol,
      qty: qtyStr(f.side === 'BUY' ? q.neg() : q),
      ref: f.client_order_id,
      what,
    });
    pendingCash.push({
      amount: cashStr(f.side === 'BUY' ? notional : notional.neg()),
      ref: f.client_order_id,
      what,
    });
    if (f.side === 'BUY') pendingLots.push({ lotId: `L-${f.client_order_id}`, ref: f.client_order_id, what });
  }
  // (2) The custodian's cash activity of the day (EXT869) the book has not posted, and (3) the
  // book's pending cash flows the custodian may have posted already. Trade settlements (rows with
  // a trade date) are left out: trade-date cash has them since the trade date on both sides.
  const activity: {
    line_no: number;
    amount_in: string;
    description: string;
    batch_code: string;
    entry_date: string;
    trade_number: string;
  }[] = await db('custodian_cash_activity')
    .where({ process_date: tradeDate, account_number: number })
    .whereNull('trade_date')
    .orderBy('line_no');
  const flows: {
    id: string;
    type: string;
    amount: string;
    effective_date: string;
    status: string;
    custodian_ref: string | null;
  }[] = await db('cash_flows').where({ account_id: acct.id }).whereIn('status', ['POSTED', 'PENDING']);
  const usedFlows = new Set<string>();
  for (const a of activity) {
    const flow = flows.find(
      (f) =>
        !usedFlows.has(f.id) &&
        dec(f.amount).eq(dec(a.amount_in)) &&
        ((f.custodian_ref !== null && f.custodian_ref !== '' && f.custodian_ref === a.trade_number) ||
          (f.effective_date >= addCalendarDays(a.entry_date, -5) && f.effective_date <= tradeDate)),
    );
    if (flow) usedFlows.add(flow.id);
    if (flow?.status === 'POSTED') continue;
    pendingCash.push({
      amount: a.amount_in,
      ref: a.trade_number || `EXT869 line ${a.line_no}`,
      what: `${a.description || `batch ${a.batch_code}`} entered ${a.entry_date}, not posted in the book`,
    });
  }
  for (const f of flows) {
    if (f.status !== 'PENDING' || usedFlows.has(f.id) || f.effective_date > tradeDate) continue;
    pendingCash.push({ amount: f.amount, ref: f.id, what: `pending ${f.type.toLowerCase()}` });
  }

  return {
    asOf: tradeDate,
    book: {
      positions: bookPositions,
      cash: cash?.amount ?? '0.00',
      lots: bookLots.map((l) => ({
        lotId: l.id,
        symbol: l.symbol,
        openDate: l.open_date,
        qty: l.qty,
        unitCost: l.unit_cost,
      })),
    },
    custodian: {
      positions: positions.map((p) => ({
        symbol: p.symbol,
        cusip: p.cusip,
        tradeQty: p.trade_qty,
        settleQty: p.settle_qty,
        closingPrice: p.closing_price,
      })),
      // A balance file without a row for the account: the custodian reports no cash.
      cash: files.has('EXT981') ? (balance?.cash_trade_balance ?? '0.00') : null,
      lots: files.has('EXT_TAXLOT')
        ? lots.map((l) => ({
            lotId: l.lot_id,
            symbol: l.symbol,
            cusip: l.cusip,
            openTradeDate: l.open_trade_date,
            qty: l.qty,
            totalCost: l.total_cost,
            adjustedCost: l.adjusted_cost,
            washSaleAdj: l.wash_sale_adj,
          }))
        : null,
    },
    securities: securities.map((s) => ({ symbol: s.symbol, cusip: s.cusip, cusipOld: s.cusip_old })),
    securityMaster: master.map((m) => ({ cusip: m.cusip, symbol: m.symbol, oldCusip: m.old_cusip })),
    corporateActions: actions.map((a) => ({
      action: a.action,
      cusip: a.cusip,
      cusipOld: a.cusip_old,
      symbol: a.symbol,
      symbolOld: a.symbol_old,
      stockFactor: a.stock_factor,
      cashFactor: a.cash_factor,
      processDate: a.process_date,
    })),
    pending: { positions: pendingPositions, cash: pendingCash, lots: pendingLots },
    // Our closes, for the materiality of a holding the custodian reports no price for.
    prices: bookPositions.some((b) => !positions.some((p) => p.symbol === b.symbol))
      ? await latestPrices(db, tradeDate)
      : {},
  };
}

/**
 * Writes the run's breaks (one transaction, serialised per account):
 * - a break already unresolved (any earlier day) is updated: values, category, hold, age;
 * - a break resolved earlier today (by hand or automatically) stays resolved;
 * - anything else is a new row for the trade date; its age continues from yesterday's row of
 *   the same difference, if there was one (e.g. a TIMING break that did not clear);
 * - TIMING and SECURITY_MASTER breaks are RESOLVED_AUTO, with an audit entry;
 * - an unresolved break of a kind checked today that is no longer found is RESOLVED_AUTO (gone).
 * Returns how many breaks were resolved automatically.
 */
async function writeBreaks(
  db: Knex,
  tradeDate: string,
  accountId: string,
  found: ReconResult,
): Promise<number> {
  const yesterday = previousTradingDay(tradeDate);
  const checked = new Set<BreakType>(['POSITION']);
  if (found.checked.cash) checked.add('CASH');
  if (found.checked.lots !== null) checked.add('COST_BASIS');
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`recon:${accountId}`]);
    const known: BreakRow[] = await trx('breaks')
      .where({ account_id: accountId })
      .where('trade_date', '<=', tradeDate)
      .where((q) =>
        q.whereIn('status', UNRESOLVED_STATUSES).orWhereIn('last_seen_date', [tradeDate, yesterday]),
      )
      .orderBy('id');
    const isOpen = (r: BreakRow) => UNRESOLVED_STATUSES.includes(r.status);
    const touched = new Set<number>();
    let autoResolved = 0;
    const resolvedAuto = async (id: number, details: Record<string, unknown>) => {
      autoResolved++;
      await writeAudit(trx, {
        actor: 'recon',
        action: 'BREAK_RESOLVED_AUTO',
        entity: 'break',
        entityId: String(id),
        details: { accountId, tradeDate, ...details },
        idempotencyKey: `break-auto:${id}`,
      });
    };
    for (const b of found.breaks) {
      const same = (r: BreakRow) => r.type === b.type && r.key === b.key;
      const values = {
        category: b.category,
        symbol: b.symbol,
        ours: b.ours,
        theirs: b.theirs,
        diff: b.diff,
        materiality_usd: b.materialityUsd,
        escalate: b.escalate,
        cause: b.cause,
        hold: b.hold,
        last_seen_date: tradeDate,
      };
      const auto = b.autoResolve
        ? { status: 'RESOLVED_AUTO', resolved_at: trx.fn.now(), resolved_by: 'recon', note: b.cause }
        : {};
      const open = known.find((r) => same(r) && isOpen(r));
      if (open) {
        touched.add(open.id);
        await trx('breaks')
          .where({ id: open.id })
          .update({ ...values, ...auto, age_days: ageInTradingDays(open.first_seen_date, tradeDate) });
        if (b.autoResolve) await resolvedAuto(open.id, { category: b.category, cause: b.cause });
        continue;
      }
      if (known.some((r) => same(r) && r.last_seen_date === tradeDate)) continue;
      const firstSeen =
        known.find((r) => same(r) && r.last_seen_date === yesterday)?.first_seen_date ?? tradeDate;
      const inserted: { id: number }[] = await trx('breaks')
        .insert({
          trade_date: tradeDate,
          type: b.type,
          key: b.key,
          account_id: accountId,
          ...values,
          first_seen_date: firstSeen,
          age_days: ageInTradingDays(firstSeen, tradeDate),
          status: 'OPEN',
          ...auto,
        })
        .onConflict(['trade_date', 'type', 'account_id', 'key'])
        .ignore()
        .returning('id');
      const id = inserted[0]?.id;
      if (id === undefined) continue;
      if (b.autoResolve) await resolvedAuto(id, { category: b.category, cause: b.cause });
      else if (b.escalate)
        await writeAudit(trx, {
          actor: 'recon',
          action: 'BREAK_ESCALATED',
          entity: 'break',
          entityId: String(id),
          details: { accountId, tradeDate, category: b.category, materialityUsd: b.materialityUsd },
          idempotencyKey: `break-escalated:${id}`,
        });
    }
    for (const r of known) {
      if (!isOpen(r) || touched.has(r.id) || !checked.has(r.type)) continue;
      const note = `cleared on ${tradeDate}: custodian and book agree`;
      await trx('breaks').where({ id: r.id }).update({
        status: 'RESOLVED_AUTO',
        resolved_at: trx.fn.now(),
        resolved_by: 'recon',
        note,
        last_seen_date: tradeDate,
      });
      await resolvedAuto(r.id, { cleared: true, note });
    }
    return autoResolved;
  });
}
