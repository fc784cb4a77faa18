/** Activities on the book: eligible accounts, reconciliation, proposals, booking fills. */
import { ApplicationFailure } from '@temporalio/activity';
import Decimal from 'decimal.js';
import type { Knex } from 'knex';
import { planAccount } from '../domain/engine';
import { type Dec, ZERO, cashStr, dec, qtyStr, sum } from '../domain/money';
import type { AccountBatchRange, AccountRef } from '../workflows/types';
import { type ActivityDeps, writeAudit } from './deps';
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
     * Compares the custodian's trade-date positions (EXT871 for the trade date) with the book,
     * exact at 5 dp. Each difference is an OPEN position break that holds the account;
     * breaks ops resolved by hand stay resolved.
     */
    async reconcileAccount(input: {
      tradeDate: string;
      accountId: string;
      afterOpsResolution?: boolean;
    }): Promise<{ openBreaks: number; breaks: { symbol: string; ours: string; theirs: string }[] }> {
      const acct = await account(input.accountId);
      const file = await db('custodian_files')
        .where({ process_date: input.tradeDate, code: 'EXT871', status: 'INGESTED' })
        .first();
      if (!file) {
        throw ApplicationFailure.nonRetryable(
          `no positions file (EXT871) ingested for ${input.tradeDate}: see custodian_files for rejected files`,
          'MissingCustodianFile',
        );
      }
      const theirs: { symbol: string; trade_qty: string; closing_price: string }[] = await db(
        'custodian_positions',
      )
        .where({ process_date: input.tradeDate, account_number: acct.custodian_account_number })
        .select('symbol', 'trade_qty', 'closing_price');
      const ours: { symbol: string; qty: string }[] = await db('positions')
        .where({ account_id: input.accountId })
        .select('symbol', 'qty');
      const theirMap = new Map(theirs.map((r) => [r.symbol, r]));
      const ourMap = new Map(ours.map((r) => [r.symbol, dec(r.qty)]));
      const symbols = [...new Set([...theirMap.keys(), ...ourMap.keys()])].sort();
      const found: { symbol: string; ours: string; theirs: string; materiality: string }[] = [];
      for (const s of symbols) {
        const o = ourMap.get(s) ?? ZERO;
        const t = theirMap.get(s);
        const tq = t ? dec(t.trade_qty) : ZERO;
        if (!o.eq(tq)) {
          const px = t ? dec(t.closing_price) : ZERO;
          found.push({
            symbol: s,
            ours: qtyStr(o),
            theirs: qtyStr(tq),
            materiality: cashStr(o.minus(tq).abs().times(px)),
          });
        }
      }
      await db.transaction(async (trx) => {
        for (const b of found) {
          await trx('breaks')
            .insert({
              trade_date: input.tradeDate,
              type: 'POSITION',
              account_id: input.accountId,
              symbol: b.symbol,
              ours: b.ours,
              theirs: b.theirs,
              diff: qtyStr(dec(b.theirs).minus(dec(b.ours))),
              materiality_usd: b.materiality,
              status: 'OPEN',
            })
            .onConflict(['trade_date', 'type', 'account_id', 'symbol'])
            .ignore();
        }
      });
      const open = await db('breaks')
        .where({ trade_date: input.tradeDate, account_id: input.accountId, status: 'OPEN' })
        .select('symbol', 'ours', 'theirs');
      return { openBreaks: open.length, breaks: open };
    },

    async resolveBreaks(input: {
      tradeDate: string;
      accountId: string;
      by: string;
      note: string;
    }): Promise<number> {
      return db.transaction(async (trx) => {
        const n = await trx('breaks')
          .where({ trade_date: input.tradeDate, account_id: input.accountId, status: 'OPEN' })
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
