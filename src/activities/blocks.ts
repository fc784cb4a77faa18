/**
 * Block orders (DOMAIN.md §6.4): at the window, the day's approved legs are grouped into one
 * block per (symbol, side) with a pre-trade allocation statement; each block is sent as one
 * order from the average-price account, followed and retried by its BlockOrder workflow, and
 * its fill is allocated pro rata at the block's average price to the accounts of the statement.
 * Every write is idempotent: blocks are built once per day, a block order is looked up at the
 * custodian before it is created, an allocation is booked under its own client order id.
 */
import { ApplicationFailure, Context, heartbeat, log } from '@temporalio/activity';
import type { Knex } from 'knex';
import { CustodianHttpError } from '../custodian/http-client';
import {
  type CustodianOrder,
  DEFAULT_AVERAGE_PRICE_ACCOUNT,
  type LotToClose,
  type OrderStatus,
  TERMINAL_STATUSES,
} from '../custodian/port';
import { allocateProRata, blockFromLegs } from '../domain/allocation';
import type { LegLot } from '../domain/engine/types';
import { type Dec, ZERO, apexAvgPriceStr, dec, qtyStr } from '../domain/money';
import { type ActivityDeps, writeAudit } from './deps';
import { applyCustodianOrder, view } from './orders';
import type { OrderStatusView } from './types';

const compact = (date: string) => date.replaceAll('-', '');

/** B{yyyymmdd}-{symbol}-{side}: one block per security and side per day. */
export function blockIdFor(tradeDate: string, symbol: string, side: 'BUY' | 'SELL'): string {
  return `B${compact(tradeDate)}-${symbol}-${side}`;
}

function blockOrderIdFor(blockId: string, attempt: number): string {
  const id = `${blockId}-A${attempt}`;
  if (id.length > 40)
    throw ApplicationFailure.nonRetryable(`client order id too long: ${id}`, 'InvalidOrder');
  return id;
}

/** The account's order in our book for its share of a block: `{yyyymmdd}-{account}-L{leg}-AL`. */
export function allocationOrderIdFor(tradeDate: string, accountId: string, legNo: number): string {
  const id = `${compact(tradeDate)}-${accountId}-L${legNo}-AL`;
  if (id.length > 40)
    throw ApplicationFailure.nonRetryable(`client order id too long: ${id}`, 'InvalidOrder');
  return id;
}

export interface BlockRef {
  blockId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  requestedQty: string;
  accounts: number;
}

export interface BlockResult {
  blockId: string;
  requestedQty: string;
  filledQty: string;
  avgPrice: string | null;
  /** Accounts that received shares. */
  allocated: number;
  /** Accounts whose statement quantity was not (fully) filled: carried to tomorrow, flagged. */
  carried: number;
  /** Allocations the custodian refused (e.g. the account no longer holds the shares): a break. */
  refused: number;
  /** Filled quantity that could not be placed in whole steps; stays in the average-price account. */
  residue: string;
}

interface BlockRow {
  id: string;
  trade_date: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  requested_qty: string;
  filled_qty: string;
  avg_price: string | null;
  status: string;
  accounts: number;
}

interface BlockOrderRow {
  client_order_id: string;
  block_id: string;
  attempt: number;
  qty: string;
  custodian_order_id: string | null;
  status: string;
  filled_qty: string;
  avg_price: string | null;
  reject_reason: string | null;
}

interface AllocationRow {
  id: number;
  block_id: string;
  account_id: string;
  proposal_id: string;
  leg_no: number;
  requested_qty: string;
  qty: string;
  price: string | null;
  status: string;
  client_order_id: string | null;
}

const BLOCK_TABLES = { orders: 'block_orders', executions: 'block_executions' };

function applyBlockOrder(db: Knex, o: CustodianOrder): Promise<BlockOrderRow> {
  return applyCustodianOrder<BlockOrderRow>(db, o, BLOCK_TABLES);
}

/**
 * The engine's lots for a sell leg, in its order, cut to what was allocated: whole lots while they
 * fit, the last one partly (the same lots the book relieves when it books the fill).
 */
export function lotsToClose(lots: LegLot[], qty: Dec): LotToClose[] {
  const out: LotToClose[] = [];
  let left = qty;
  for (const l of lots) {
    if (!left.gt(0)) break;
    const take = dec(l.qty).gt(left) ? left : dec(l.qty);
    out.push({ lotId: l.lotId, openDate: l.openDate, unitCost: l.unitCost, qty: qtyStr(take) });
    left = left.minus(take);
  }
  return out;
}

export function blockActivities(deps: ActivityDeps) {
  const { db, custodian } = deps;
  const avgAccount = deps.averagePriceAccount ?? DEFAULT_AVERAGE_PRICE_ACCOUNT;

  async function block(blockId: string): Promise<BlockRow> {
    const b: BlockRow | undefined = await db('blocks').where({ id: blockId }).first();
    if (!b) throw ApplicationFailure.nonRetryable(`block ${blockId} not found`, 'NotFound');
    return b;
  }

  async function steps(symbols: string[]): Promise<Map<string, string>> {
    const rows: { symbol: string; fractionable: boolean }[] = symbols.length
      ? await db('securities').whereIn('symbol', symbols).select('symbol', 'fractionable')
      : [];
    return new Map(rows.map((r) => [r.symbol, r.fractionable ? '0.00001' : '1']));
  }

  function refs(rows: BlockRow[]): BlockRef[] {
    return rows
      .filter((b) => dec(b.requested_qty).gt(0))
      .map((b) => ({
        blockId: b.id,
        symbol: b.symbol,
        side: b.side,
        requestedQty: b.requested_qty,
        accounts: b.accounts,
      }));
  }

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
        if (existing.length > 0) return refs(existing);
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
        for (const b of blocks) {
          const id = blockIdFor(input.tradeDate, b.symbol, b.side);
          const [row] = await trx('blocks')
            .insert({
              id,
              trade_date: input.tradeDate,
              symbol: b.symbol,
              side: b.side,
              requested_qty: b.requestedQty,
              status: 'STATEMENT',
              accounts: b.requests.length,
            })
            .returning('*');
          rows.push(row as BlockRow);
          // One statement line per account (its first leg for this security and side).
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
        }
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
        return refs(rows);
      });
    },

    /**
     * Before the buys go out: an account whose sells brought in less than planned (partly filled,
     * or filled lower) and whose cash (less pending withdrawals) plus actual proceeds no longer
     * covers its planned buys gets its buy lines scaled down to what it has, to the security's
     * step, so no account is bought into negative cash. Returns the buy blocks still to send.
     */
    async prepareBuyBlocks(input: { tradeDate: string }): Promise<BlockRef[]> {
      return db.transaction(async (trx) => {
        await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`blocks:${input.tradeDate}`]);
        const buys: BlockRow[] = await trx('blocks')
          .where({ trade_date: input.tradeDate, side: 'BUY' })
          .orderBy('symbol');
        if (buys.every((b) => b.status !== 'STATEMENT'))
          return refs(buys.filter((b) => b.status === 'STATEMENT'));
        const planned: { account_id: string; side: string; est: string }[] = await trx('proposal_legs as l')
          .join('proposals as p', 'p.id', 'l.proposal_id')
          .where({ 'p.trade_date': input.tradeDate, 'p.status': 'RELEASED' })
          .groupBy('p.account_id', 'l.side')
          .select('p.account_id', 'l.side', trx.raw('sum(l.est_notional)::text as est'));
        const proceeds: { account_id: string; got: string }[] = await trx('allocations as a')
          .join('blocks as b', 'b.id', 'a.block_id')
          .where({ 'b.trade_date': input.tradeDate, 'b.side': 'SELL' })
          .groupBy('a.account_id')
          .select('a.account_id', trx.raw('coalesce(sum(a.qty * coalesce(a.price, 0)), 0)::text as got'));
        const plannedSell = new Map<string, Dec>();
        const plannedBuy = new Map<string, Dec>();
        for (const p of planned) (p.side === 'SELL' ? plannedSell : plannedBuy).set(p.account_id, dec(p.est));
        const got = new Map(proceeds.map((p) => [p.account_id, dec(p.got)]));
        // Cash the account has for its buys: the book's cash, less pending withdrawals, plus what
        // its sells actually brought in. Only when the planned buys exceed it are they scaled down:
        // a small shortfall comes out of the cash buffer the engine kept, never below zero.
        const buyers = [...plannedBuy.keys()];
        const cashRows: { account_id: string; amount: string }[] = buyers.length
          ? await trx('cash_balances').whereIn('account_id', buyers).select('account_id', 'amount')
          : [];
        const pendingOut: { account_id: string; out: string }[] = buyers.length
          ? await trx('cash_flows')
              .whereIn('account_id', buyers)
              .where({ status: 'PENDING' })
              .where('amount', '<', 0)
              .groupBy('account_id')
              .select('account_id', trx.raw('sum(amount)::text as out'))
          : [];
        const cash = new Map(cashRows.map((c) => [c.account_id, dec(c.amount)]));
        const withdrawing = new Map(pendingOut.map((c) => [c.account_id, dec(c.out)]));
        const factor = new Map<string, Dec>();
        for (const [acct, buy] of plannedBuy) {
          if (!buy.gt(0)) continue;
          const sellShort = (plannedSell.get(acct) ?? ZERO).minus(got.get(acct) ?? ZERO);
          if (!sellShort.gt(0)) continue;
          const available = (cash.get(acct) ?? ZERO)
            .plus(withdrawing.get(acct) ?? ZERO)
            .plus(got.get(acct) ?? ZERO);
          if (available.gte(buy)) continue;
          factor.set(acct, available.gt(0) ? available.div(buy) : ZERO);
        }
        const stepOf = await steps(buys.map((b) => b.symbol));
        const out: BlockRow[] = [];
        for (const b of buys) {
          if (b.status !== 'STATEMENT') continue;
          const step = dec(stepOf.get(b.symbol) ?? '0.00001');
          // The statement line as built (the account's legs in this security): scaling starts from
          // it, so a retried call scales once, not twice.
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
              q = dec(l.planned).times(f).div(step).floor().times(step);
              await trx('allocations')
                .where({ id: l.id })
                .update({
                  requested_qty: qtyStr(q),
                  status: q.gt(0) ? 'STATEMENT' : 'DROPPED',
                });
              await writeAudit(trx, {
                actor: 'system',
                action: 'BUY_SCALED_TO_CASH',
                entity: 'proposal',
                entityId: l.proposal_id,
                details: { blockId: b.id, requested: l.requested_qty, now: qtyStr(q), factor: f.toFixed(6) },
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
          out.push(row as BlockRow);
        }
        return refs(out.filter((b) => b.status === 'STATEMENT'));
      });
    },

    /**
     * Attempt 1: the block's whole statement. Later attempts: what is left unfilled. Idempotent:
     * the custodian is asked for the client order id before anything is created. Undefined when
     * nothing is left to send.
     */
    async submitBlockOrder(input: {
      blockId: string;
      attempt: number;
      /** The window's close: an order not at the custodian yet is not sent after it. */
      notAfter?: string;
    }): Promise<OrderStatusView | undefined> {
      const b = await block(input.blockId);
      const id = blockOrderIdFor(b.id, input.attempt);
      // Server time of this attempt (a retry after a worker died may come after the close).
      const late =
        input.notAfter !== undefined &&
        Context.current().info.currentAttemptScheduledTimestampMs >= Date.parse(input.notAfter);
      let row: BlockOrderRow | undefined = await db('block_orders').where({ client_order_id: id }).first();
      if (!row) {
        const prior: BlockOrderRow[] = await db('block_orders')
          .where({ block_id: b.id })
          .where('attempt', '<', input.attempt);
        const filled = prior.reduce((a, o) => a.plus(dec(o.filled_qty)), ZERO);
        const qty = dec(b.requested_qty).minus(filled);
        if (!qty.gt(0)) return undefined;
        if (late) {
          await writeAudit(db, {
            actor: 'system',
            action: 'BLOCK_ORDER_NOT_SENT',
            entity: 'block',
            entityId: b.id,
            details: { attempt: input.attempt, reason: 'the window closed before it could be sent' },
            idempotencyKey: `block-not-sent:${id}`,
          });
          return undefined;
        }
        await db('block_orders')
          .insert({
            client_order_id: id,
            block_id: b.id,
            attempt: input.attempt,
            qty: qtyStr(qty),
            status: 'PENDING_NEW',
          })
          .onConflict('client_order_id')
          .ignore();
        row = (await db('block_orders').where({ client_order_id: id }).first()) as BlockOrderRow;
        await db('blocks').where({ id: b.id }).update({ status: 'WORKING', updated_at: db.fn.now() });
      }
      if (row.custodian_order_id && TERMINAL_STATUSES.has(row.status as OrderStatus)) return view(row);
      const known = await custodian.findOrder(avgAccount, id);
      if (!known && late) {
        // Recorded before a crash but never sent, and now the window is closed: it ends here.
        const [ended] = await db('block_orders')
          .where({ client_order_id: id })
          .update({ status: 'REJECTED', reject_reason: 'WINDOW_CLOSED_NOT_SENT', updated_at: db.fn.now() })
          .returning('*');
        return view(ended as BlockOrderRow);
      }
      const order =
        known ??
        (await custodian.createOrder({
          clientOrderId: id,
          accountNumber: avgAccount,
          symbol: b.symbol,
          side: b.side,
          quantity: row.qty,
          orderDate: b.trade_date,
        }));
      return view(await applyBlockOrder(db, order));
    },

    async pollBlockOrders(input: { clientOrderIds: string[] }): Promise<OrderStatusView[]> {
      const out: OrderStatusView[] = [];
      for (const id of input.clientOrderIds) {
        const row: BlockOrderRow | undefined = await db('block_orders')
          .where({ client_order_id: id })
          .first();
        if (!row) throw ApplicationFailure.nonRetryable(`block order ${id} not found`, 'NotFound');
        const o = await custodian.findOrder(avgAccount, id);
        out.push(view(o ? await applyBlockOrder(db, o) : row));
      }
      return out;
    },

    async cancelBlockOrders(input: { clientOrderIds: string[]; reason: string }): Promise<void> {
      for (const id of input.clientOrderIds) {
        const row: BlockOrderRow | undefined = await db('block_orders')
          .where({ client_order_id: id })
          .first();
        if (!row?.custodian_order_id || TERMINAL_STATUSES.has(row.status as OrderStatus)) continue;
        // TOO_LATE_TO_CANCEL and ORDER_ALREADY_CANCELED are answered by the next poll, not errors.
        await custodian.cancelOrder(avgAccount, row.custodian_order_id);
        log.info('block order cancel requested', { clientOrderId: id, reason: input.reason });
      }
    },

    /**
     * The block's fill (every one of its orders terminal) allocated pro rata to its statement at the
     * block's average price (DOMAIN.md §6.4): each allocation booked at the custodian from the
     * average-price account, and written to the book as the account's order for its leg. Resumable:
     * allocations already booked are skipped.
     */
    async allocateBlock(input: { blockId: string }): Promise<BlockResult> {
      const b = await block(input.blockId);
      const orders: BlockOrderRow[] = await db('block_orders').where({ block_id: b.id }).orderBy('attempt');
      const open = orders.filter((o) => !TERMINAL_STATUSES.has(o.status as OrderStatus));
      if (open.length > 0)
        throw ApplicationFailure.nonRetryable(
          `block ${b.id}: orders still open (${open.map((o) => o.client_order_id).join(', ')}); allocate after they end`,
          'BlockStillOpen',
        );
      const execs: { client_order_id: string; qty: string; price: string }[] = orders.length
        ? await db('block_executions')
            .whereIn(
              'client_order_id',
              orders.map((o) => o.client_order_id),
            )
            .select('client_order_id', 'qty', 'price')
        : [];
      // Per order: what its executions sum to, capped at its quantity (an overfill's excess is
      // a break, recorded when it was reported, and stays in the average-price account).
      let filled = ZERO;
      let notional = ZERO;
      for (const o of orders) {
        let q = ZERO;
        let n = ZERO;
        for (const e of execs) {
          if (e.client_order_id !== o.client_order_id) continue;
          q = q.plus(dec(e.qty));
          n = n.plus(dec(e.qty).times(dec(e.price)));
        }
        const capped = q.gt(dec(o.qty)) ? dec(o.qty) : q;
        if (!capped.eq(dec(o.filled_qty)))
          throw ApplicationFailure.nonRetryable(
            `block ${b.id}: the executions of ${o.client_order_id} sum to ${qtyStr(q)} but it reports ${qtyStr(dec(o.filled_qty))} filled`,
            'ExecutionMismatch',
          );
        filled = filled.plus(capped);
        notional = notional.plus(capped.eq(q) ? n : n.times(capped).div(q));
      }
      const avgPrice = filled.gt(0) ? apexAvgPriceStr(notional.div(filled)) : null;
      const lines: (AllocationRow & { leg_qty: string; leg_lots: LegLot[] | null })[] = await db(
        'allocations as a',
      )
        .join('proposal_legs as l', (j) =>
          j.on('l.proposal_id', 'a.proposal_id').andOn('l.leg_no', 'a.leg_no'),
        )
        .where({ 'a.block_id': b.id })
        .whereIn('a.status', ['STATEMENT', 'ALLOCATED', 'UNFILLED', 'REFUSED', 'DROPPED'])
        .orderBy('a.account_id')
        .select('a.*', 'l.qty as leg_qty', 'l.lots as leg_lots');
      const step = (await steps([b.symbol])).get(b.symbol) ?? '0.00001';
      const shares = new Map<string, string>();
      let residue = '0.00000';
      if (avgPrice && lines.length > 0) {
        const r = allocateProRata({
          filledQty: qtyStr(filled),
          avgPrice,
          step,
          requests: lines
            .filter((l) => dec(l.requested_qty).gt(0))
            .map((l) => ({ accountId: l.account_id, qty: qtyStr(dec(l.requested_qty)) })),
        });
        for (const a of r.allocations) shares.set(a.accountId, a.qty);
        residue = r.residue;
      }
      const numbers = new Map<string, string>(
        (
          await db('accounts')
            .whereIn(
              'id',
              lines.map((l) => l.account_id),
            )
            .select('id', 'custodian_account_number')
        ).map((a: { id: string; custodian_account_number: string }) => [a.id, a.custodian_account_number]),
      );
      let allocated = 0;
      let carried = 0;
      let refused = 0;
      let done = 0;
      for (const l of lines) {
        const qty = dec(shares.get(l.account_id) ?? '0');
        if (qty.lt(dec(l.leg_qty))) carried++;
        if (l.status !== 'STATEMENT' && l.status !== 'DROPPED') {
          if (l.status === 'ALLOCATED') allocated++;
          if (l.status === 'REFUSED') refused++;
          continue;
        }
        const orderId = allocationOrderIdFor(b.trade_date, l.account_id, l.leg_no);
        let booked: { allocationId: string; orderId?: string } | undefined;
        let refusal: string | undefined;
        if (qty.gt(0)) {
          try {
            booked = await custodian.allocate({
              clientOrderId: orderId,
              fromAccountNumber: avgAccount,
              toAccountNumber: numbers.get(l.account_id)!,
              symbol: b.symbol,
              side: b.side,
              quantity: qtyStr(qty),
              price: avgPrice!,
              tradeDate: b.trade_date,
              // A sell closes the lots the engine chose (so the custodian's cost basis is the book's).
              ...(b.side === 'SELL' && l.leg_lots?.length ? { lots: lotsToClose(l.leg_lots, qty) } : {}),
            });
          } catch (e) {
            // Refused for this account (not a transient failure): the shares stay in the
            // average-price account and the refusal is a break for ops.
            if (!(e instanceof CustodianHttpError && e.status >= 400 && e.status < 500 && e.status !== 429))
              throw e;
            refusal = e.message;
          }
        }
        await db.transaction(async (trx) => {
          const status = refusal
            ? 'REFUSED'
            : qty.gt(0)
              ? 'ALLOCATED'
              : l.status === 'DROPPED'
                ? 'DROPPED'
                : 'UNFILLED';
          const got = refusal ? ZERO : qty;
          const legQty = dec(l.leg_qty);
          // Why the account got less than its leg: refused, scaled to its cash, or the block short.
          const shortBy =
            refusal ??
            (got.gte(legQty)
              ? null
              : dec(l.requested_qty).lt(legQty) && got.gte(dec(l.requested_qty))
                ? 'SCALED_TO_CASH'
                : 'BLOCK_NOT_FILLED');
          await trx('orders')
            .insert({
              client_order_id: orderId,
              proposal_id: l.proposal_id,
              leg_no: l.leg_no,
              attempt: 1,
              account_id: l.account_id,
              trade_date: b.trade_date,
              symbol: b.symbol,
              side: b.side,
              qty: qtyStr(legQty),
              custodian_order_id: booked?.orderId ?? null,
              status: got.gte(legQty) ? 'FILLED' : 'CANCELED',
              filled_qty: qtyStr(got),
              avg_price: got.gt(0) ? avgPrice : null,
              reject_reason: shortBy,
            })
            .onConflict('client_order_id')
            .ignore();
          if (booked)
            await trx('executions')
              .insert({
                execution_id: booked.allocationId,
                client_order_id: orderId,
                qty: qtyStr(got),
                price: avgPrice,
                executed_at: new Date().toISOString(),
              })
              .onConflict('execution_id')
              .ignore();
          await trx('allocations')
            .where({ id: l.id })
            .update({
              qty: qtyStr(got),
              price: got.gt(0) ? avgPrice : null,
              status,
              client_order_id: orderId,
              custodian_allocation_id: booked?.allocationId ?? null,
            });
          if (refusal)
            await writeAudit(trx, {
              actor: 'system',
              action: 'ALLOCATION_REFUSED',
              entity: 'block',
              entityId: b.id,
              details: { accountId: l.account_id, qty: qtyStr(qty), reason: refusal },
              idempotencyKey: `alloc-refused:${orderId}`,
            });
        });
        if (refusal) refused++;
        else if (qty.gt(0)) allocated++;
        if (++done % 100 === 0) heartbeat({ blockId: b.id, done });
      }
      await db('blocks')
        .where({ id: b.id })
        .update({
          status: 'ALLOCATED',
          filled_qty: qtyStr(filled),
          avg_price: avgPrice,
          note: carried > 0 ? `${carried} account(s) not fully filled: carried to the next day` : null,
          updated_at: db.fn.now(),
        });
      const result: BlockResult = {
        blockId: b.id,
        requestedQty: b.requested_qty,
        filledQty: qtyStr(filled),
        avgPrice,
        allocated,
        carried,
        refused,
        residue,
      };
      await writeAudit(db, {
        actor: 'system',
        action: 'BLOCK_ALLOCATED',
        entity: 'block',
        entityId: b.id,
        details: { ...result },
        idempotencyKey: `block-allocated:${b.id}`,
      });
      return result;
    },

    /**
     * Ops skipped the account before the window: its approved proposal is withdrawn (EXPIRED) so
     * the day's blocks leave it out. False when the blocks were built already (it is RELEASED).
     */
    async withdrawProposal(input: { proposalId: string; by: string; note: string }): Promise<boolean> {
      return db.transaction(async (trx) => {
        const n = await trx('proposals')
          .where({ id: input.proposalId, status: 'APPROVED' })
          .update({ status: 'EXPIRED' });
        const p = await trx('proposals').where({ id: input.proposalId }).first('status');
        if (n > 0)
          await writeAudit(trx, {
            actor: input.by,
            action: 'PROPOSAL_WITHDRAWN',
            entity: 'proposal',
            entityId: input.proposalId,
            details: { note: input.note },
            idempotencyKey: `withdrawn:${input.proposalId}`,
          });
        return n > 0 || p?.status === 'EXPIRED';
      });
    },

    /** The account's orders for its proposal (its shares of blocks), for its status view. */
    async proposalOrders(input: { proposalId: string }): Promise<OrderStatusView[]> {
      const rows: {
        client_order_id: string;
        leg_no: number;
        qty: string;
        filled_qty: string;
        status: string;
      }[] = await db('orders').where({ proposal_id: input.proposalId }).orderBy('client_order_id');
      return rows.map((r) => ({
        clientOrderId: r.client_order_id,
        legNo: r.leg_no,
        attempt: 1,
        qty: r.qty,
        filledQty: r.filled_qty,
        status: r.status,
        open: false,
        stalled: false,
        retryable: false,
      }));
    },
  };
}
