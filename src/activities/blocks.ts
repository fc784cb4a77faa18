/**
 * Block orders (docs/domain.md §8.2): at the window, the day's approved legs are grouped
 * into one block per (symbol, side) with a pre-trade allocation statement, and before the buys go
 * out (§8.6) an account whose sells brought in less than planned has its buy lines scaled to its cash.
 * Sending and following a block's orders: ./block-orders.ts; allocating its fill: ./allocation.ts.
 * Every write is idempotent: blocks are built once per day under an advisory lock.
 */
import type { Knex } from 'knex';
import type { BlockRef } from '../contracts';
import { type Block, blockFromLegs } from '../domain/allocation';
import { type BuyFunding, buyScaleFactors, scaledBuyQty } from '../domain/block-pricing';
import { type Dec, ZERO, dec, qtyStr } from '../domain/money';
import { writeAudit } from './audit';
import { type AllocationRow, type BlockRow, blockRefs, securitySteps } from './block-rows';
import type { ActivityDeps } from './deps';
import { blockIdFor } from './ids';

export function blockActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /**
     * Once per day, at the window: every leg of the day's APPROVED proposals, grouped into one
     * block per (symbol, side) with its allocation statement; the proposals become RELEASED.
     * Called again (a retry, a replay), it answers the blocks already built.
     */
    async buildBlocks(input: { tradeDate: string }): Promise<BlockRef[]> {
      return db.transaction(async (trx) => {
        await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`blocks:${input.tradeDate}`]);
        const existing: BlockRow[] = await trx('blocks')
          .where({ trade_date: input.tradeDate })
          .orderBy(['side', 'symbol']);
        if (existing.length > 0) return blockRefs(existing);
        const legs: {
          proposal_id: string;
          leg_no: number;
          symbol: string;
          side: 'BUY' | 'SELL';
          qty: string;
          account_id: string;
        }[] = await trx('proposal_legs as l')
          .join('proposals as p', 'p.id', 'l.proposal_id')
          .where({ 'p.trade_date': input.tradeDate, 'p.status': 'APPROVED' })
          .where('l.qty', '>', 0)
          .select('l.proposal_id', 'l.leg_no', 'l.symbol', 'l.side', 'l.qty', 'p.account_id');
        if (legs.length === 0) return [];
        const blocks = blockFromLegs(
          legs.map((l) => ({
            accountId: l.account_id,
            proposalId: l.proposal_id,
            legNo: l.leg_no,
            symbol: l.symbol,
            side: l.side,
            qty: qtyStr(dec(l.qty)),
          })),
        );
        const rows: BlockRow[] = [];
        for (const b of blocks) rows.push(await insertBlock(trx, input.tradeDate, b));
        const proposalIds = [...new Set(legs.map((l) => l.proposal_id))];
        for (let i = 0; i < proposalIds.length; i += 1000)
          await trx('proposals')
            .whereIn('id', proposalIds.slice(i, i + 1000))
            .update({ status: 'RELEASED' });
        await writeAudit(trx, {
          actor: 'system',
          action: 'BLOCKS_BUILT',
          entity: 'trading-day',
          entityId: input.tradeDate,
          details: {
            blocks: blocks.map((b) => ({
              symbol: b.symbol,
              side: b.side,
              requestedQty: b.requestedQty,
              accounts: b.requests.length,
            })),
            proposals: proposalIds.length,
          },
          idempotencyKey: `blocks-built:${input.tradeDate}`,
        });
        return blockRefs(rows);
      });
    },

    /**
     * Before the buys go out (every sell block ended, or the buy deadline, docs/domain.md §8.6): an
     * account whose sells brought in less than planned (partly filled, filled lower, or not
     * allocated yet: a sell block still open has its lines at qty 0) and whose cash (less pending
     * withdrawals) plus the proceeds allocated so far no longer covers its planned buys gets its buy
     * lines scaled down to what it has, to the security's step, so no account is bought into
     * negative cash; the audit names the account's sells still open. Returns the buy blocks still
     * to send. Runs once per day: a retried call (its answer lost) answers the same blocks and
     * scales nothing again, even if a sell was allocated in between.
     */
    async prepareBuyBlocks(input: { tradeDate: string }): Promise<BlockRef[]> {
      return db.transaction(async (trx) => {
        await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`blocks:${input.tradeDate}`]);
        const buys: BlockRow[] = await trx('blocks')
          .where({ trade_date: input.tradeDate, side: 'BUY' })
          .orderBy('symbol');
        const toSend = buys.filter((b) => b.status === 'STATEMENT');
        if (toSend.length === 0) return [];
        const preparedKey = `buys-prepared:${input.tradeDate}`;
        if (await trx('audit_log').where({ idempotency_key: preparedKey }).first('id'))
          return blockRefs(toSend);
        const funding = await buyFunding(trx, input.tradeDate);
        const factor = buyScaleFactors(funding);
        const openSells = await openSellsByAccount(trx, input.tradeDate);
        const stepOf = await securitySteps(
          trx,
          toSend.map((b) => b.symbol),
        );
        const out: BlockRow[] = [];
        for (const b of toSend)
          out.push(await scaleBuyBlock(trx, b, factor, dec(stepOf.get(b.symbol) ?? '0.00001'), openSells));
        await writeAudit(trx, {
          actor: 'system',
          action: 'BUYS_PREPARED',
          entity: 'trading-day',
          entityId: input.tradeDate,
          details: {
            buyBlocks: out.filter((b) => b.status === 'STATEMENT').map((b) => b.symbol),
            scaledAccounts: [...factor.keys()].sort(),
            openSells: [...new Set([...openSells.values()].flat())].sort(),
          },
          idempotencyKey: preparedKey,
        });
        return blockRefs(out.filter((b) => b.status === 'STATEMENT'));
      });
    },
  };
}

/** One block and its allocation statement: one line per account (its first leg for this security and side). */
async function insertBlock(trx: Knex.Transaction, tradeDate: string, b: Block): Promise<BlockRow> {
  const id = blockIdFor(tradeDate, b.symbol, b.side);
  const [row] = await trx('blocks')
    .insert({
      id,
      trade_date: tradeDate,
      symbol: b.symbol,
      side: b.side,
      requested_qty: b.requestedQty,
      status: 'STATEMENT',
      accounts: b.requests.length,
    })
    .returning('*');
  const first = new Map<string, { proposalId: string; legNo: number }>();
  for (const l of b.statement) if (!first.has(l.accountId)) first.set(l.accountId, l);
  for (let i = 0; i < b.requests.length; i += 500) {
    await trx('allocations').insert(
      b.requests.slice(i, i + 500).map((r) => ({
        block_id: id,
        account_id: r.accountId,
        proposal_id: first.get(r.accountId)!.proposalId,
        leg_no: first.get(r.accountId)!.legNo,
        requested_qty: r.qty,
        qty: '0',
        status: 'STATEMENT',
      })),
    );
  }
  return row as BlockRow;
}

/** What each account with planned buys today planned, got from its sells, and has in cash. */
async function buyFunding(trx: Knex.Transaction, tradeDate: string): Promise<BuyFunding[]> {
  const planned: { account_id: string; side: string; est: string }[] = await trx('proposal_legs as l')
    .join('proposals as p', 'p.id', 'l.proposal_id')
    .where({ 'p.trade_date': tradeDate, 'p.status': 'RELEASED' })
    .groupBy('p.account_id', 'l.side')
    .select('p.account_id', 'l.side', trx.raw('sum(l.est_notional)::text as est'));
  const proceeds: { account_id: string; got: string }[] = await trx('allocations as a')
    .join('blocks as b', 'b.id', 'a.block_id')
    .where({ 'b.trade_date': tradeDate, 'b.side': 'SELL' })
    .groupBy('a.account_id')
    .select('a.account_id', trx.raw('coalesce(sum(a.qty * coalesce(a.price, 0)), 0)::text as got'));
  const plannedSell = new Map<string, Dec>();
  const plannedBuy = new Map<string, Dec>();
  for (const p of planned) (p.side === 'SELL' ? plannedSell : plannedBuy).set(p.account_id, dec(p.est));
  const got = new Map(proceeds.map((p) => [p.account_id, dec(p.got)]));
  const buyers = [...plannedBuy.keys()];
  const cashRows: { account_id: string; amount: string }[] = buyers.length
    ? await trx('cash_balances').whereIn('account_id', buyers).select('account_id', 'amount')
    : [];
  const pendingOut: { account_id: string; out: string }[] = buyers.length
    ? await trx('cash_flows')
        .whereIn('account_id', buyers)
        .whereIn('status', ['PENDING', 'SENT'])
        .where('amount', '<', 0)
        .groupBy('account_id')
        .select('account_id', trx.raw('sum(amount)::text as out'))
    : [];
  const cash = new Map(cashRows.map((c) => [c.account_id, dec(c.amount)]));
  const withdrawing = new Map(pendingOut.map((c) => [c.account_id, dec(c.out)]));
  return buyers.map((accountId) => ({
    accountId,
    plannedBuy: plannedBuy.get(accountId) ?? ZERO,
    plannedSell: plannedSell.get(accountId) ?? ZERO,
    sellProceeds: got.get(accountId) ?? ZERO,
    cash: cash.get(accountId) ?? ZERO,
    pendingOut: withdrawing.get(accountId) ?? ZERO,
  }));
}

/**
 * Each account's sell blocks of the day not allocated to it yet (its line still a statement: the
 * block is still working, e.g. a halted security), by symbol. Their proceeds do not fund the buys.
 */
async function openSellsByAccount(trx: Knex.Transaction, tradeDate: string): Promise<Map<string, string[]>> {
  const rows: { account_id: string; symbol: string }[] = await trx('allocations as a')
    .join('blocks as b', 'b.id', 'a.block_id')
    .where({ 'b.trade_date': tradeDate, 'b.side': 'SELL', 'a.status': 'STATEMENT' })
    .orderBy(['a.account_id', 'b.symbol'])
    .select('a.account_id', 'b.symbol');
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.account_id, [...(out.get(r.account_id) ?? []), r.symbol]);
  return out;
}

/**
 * One buy block's statement with the scaled accounts' lines cut to their factor (audited), and the
 * block's requested quantity and account count brought in line; a block left with nothing is DONE.
 * Scaling starts from the account's planned legs, so the same factor gives the same lines.
 */
async function scaleBuyBlock(
  trx: Knex.Transaction,
  b: BlockRow,
  factor: Map<string, Dec>,
  step: Dec,
  openSells: Map<string, string[]>,
): Promise<BlockRow> {
  const lines: (AllocationRow & { planned: string })[] = await trx('allocations as a')
    .where({ 'a.block_id': b.id })
    .select(
      'a.*',
      trx.raw(
        `(SELECT sum(l.qty) FROM proposal_legs l WHERE l.proposal_id = a.proposal_id
           AND l.symbol = ? AND l.side = 'BUY')::text AS planned`,
        [b.symbol],
      ),
    );
  let total = ZERO;
  let accounts = 0;
  for (const l of lines) {
    const f = factor.get(l.account_id);
    let q = dec(l.requested_qty);
    if (f !== undefined) {
      q = scaledBuyQty(dec(l.planned), f, step);
      await trx('allocations')
        .where({ id: l.id })
        .update({ requested_qty: qtyStr(q), status: q.gt(0) ? 'STATEMENT' : 'DROPPED' });
      await writeAudit(trx, {
        actor: 'system',
        action: 'BUY_SCALED_TO_CASH',
        entity: 'proposal',
        entityId: l.proposal_id,
        details: {
          blockId: b.id,
          requested: l.requested_qty,
          now: qtyStr(q),
          factor: f.toFixed(6),
          // The account's sells not allocated when the buys started (still working at the deadline).
          openSells: openSells.get(l.account_id) ?? [],
        },
        idempotencyKey: `buy-scaled:${b.id}:${l.account_id}`,
      });
    }
    total = total.plus(q);
    if (q.gt(0)) accounts++;
  }
  const [row] = await trx('blocks')
    .where({ id: b.id })
    .update({
      requested_qty: qtyStr(total),
      accounts,
      ...(total.gt(0) ? {} : { status: 'DONE', note: 'nothing left to buy after the sells' }),
      updated_at: trx.fn.now(),
    })
    .returning('*');
  return row as BlockRow;
}
