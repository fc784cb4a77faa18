/**
 * Allocating a block's fill (docs/domain.md §8.3): once every order of the block has ended,
 * its fill is allocated pro rata to its statement at the block's average price (src/domain/
 * allocation.ts and block-pricing.ts), each allocation booked at the custodian from the
 * average-price account and written to the book as the account's order for its leg. Resumable:
 * allocations already booked are skipped; a booking is idempotent by its client order id.
 */
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { BlockResult } from '../contracts';
import {
  DEFAULT_AVERAGE_PRICE_ACCOUNT,
  type LotToClose,
  type OrderStatus,
  TERMINAL_STATUSES,
  isCustodianRefusal,
} from '../custodian/port';
import { allocateProRata } from '../domain/allocation';
import { blockFill } from '../domain/block-pricing';
import type { LegLot } from '../domain/engine/types';
import { type Dec, ZERO, dec, qtyStr } from '../domain/money';
import { blockShort } from '../notifications/notify';
import { writeAudit } from './audit';
import { type AllocationRow, type BlockOrderRow, type BlockRow, blockRow, securitySteps } from './block-rows';
import type { ActivityDeps } from './deps';
import { allocationOrderIdFor } from './ids';
import { notifyContextOf } from './notifications';

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

/** A statement line with its leg: what the account asked for and the lots a sell closes. */
type Line = AllocationRow & { leg_qty: string; leg_lots: LegLot[] | null };

/** What one line came to: booked at the custodian, refused by it, or nothing to book. */
interface LineOutcome {
  qty: Dec;
  booked?: { allocationId: string; orderId?: string };
  refusal?: string;
}

export function allocationActivities(deps: ActivityDeps) {
  const { db, custodian } = deps;
  const avgAccount = deps.averagePriceAccount ?? DEFAULT_AVERAGE_PRICE_ACCOUNT;

  /** Books one line's share at the custodian; a refusal (not a transient failure) is returned. */
  async function book(b: BlockRow, l: Line, qty: Dec, avgPrice: string, to: string): Promise<LineOutcome> {
    if (!qty.gt(0)) return { qty };
    try {
      const booked = await custodian.allocate({
        clientOrderId: allocationOrderIdFor(b.trade_date, l.account_id, l.leg_no),
        fromAccountNumber: avgAccount,
        toAccountNumber: to,
        symbol: b.symbol,
        side: b.side,
        quantity: qtyStr(qty),
        price: avgPrice,
        tradeDate: b.trade_date,
        // A sell closes the lots the engine chose (so the custodian's cost basis is the book's).
        ...(b.side === 'SELL' && l.leg_lots?.length ? { lots: lotsToClose(l.leg_lots, qty) } : {}),
      });
      return { qty, booked };
    } catch (e) {
      // Refused for this account: the shares stay in the average-price account; a break for ops.
      if (!isCustodianRefusal(e)) throw e;
      return { qty, refusal: e.message };
    }
  }

  return {
    /**
     * The block's fill (every one of its orders terminal) allocated pro rata to its statement at the
     * block's average price: each allocation booked at the custodian and written to the book.
     */
    async allocateBlock(input: { blockId: string }): Promise<BlockResult> {
      const b = await blockRow(db, input.blockId);
      const fill = await filledBlock(db, b);
      const lines: Line[] = await db('allocations as a')
        .join('proposal_legs as l', (j) =>
          j.on('l.proposal_id', 'a.proposal_id').andOn('l.leg_no', 'a.leg_no'),
        )
        .where({ 'a.block_id': b.id })
        .whereIn('a.status', ['STATEMENT', 'ALLOCATED', 'UNFILLED', 'REFUSED', 'DROPPED'])
        .orderBy('a.account_id')
        .select('a.*', 'l.qty as leg_qty', 'l.lots as leg_lots');
      const step = (await securitySteps(db, [b.symbol])).get(b.symbol) ?? '0.00001';
      const shares = new Map<string, string>();
      let residue = '0.00000';
      if (fill.avgPrice && lines.length > 0) {
        const r = allocateProRata({
          filledQty: qtyStr(fill.filled),
          avgPrice: fill.avgPrice,
          step,
          requests: lines
            .filter((l) => dec(l.requested_qty).gt(0))
            .map((l) => ({ accountId: l.account_id, qty: qtyStr(dec(l.requested_qty)) })),
        });
        for (const a of r.allocations) shares.set(a.accountId, a.qty);
        residue = r.residue;
      }
      const numbers = await accountNumbers(db, lines);
      const counts = { allocated: 0, carried: 0, refused: 0 };
      let done = 0;
      for (const l of lines) {
        const qty = dec(shares.get(l.account_id) ?? '0');
        if (qty.lt(dec(l.leg_qty))) counts.carried++;
        if (l.status !== 'STATEMENT' && l.status !== 'DROPPED') {
          // Booked by an earlier attempt of this activity.
          if (l.status === 'ALLOCATED') counts.allocated++;
          if (l.status === 'REFUSED') counts.refused++;
          continue;
        }
        const outcome = await book(b, l, qty, fill.avgPrice ?? '0', numbers.get(l.account_id)!);
        await db.transaction((trx) => recordLine(trx, b, l, outcome, fill.avgPrice));
        if (outcome.refusal) counts.refused++;
        else if (qty.gt(0)) counts.allocated++;
        if (++done % 100 === 0) heartbeat({ blockId: b.id, done });
      }
      const result = await finishBlock(db, b, fill, counts, residue);
      // A block short at the close: the trading desk hears it (outbox; sent by the dispatcher).
      await blockShort(db, notifyContextOf(deps), b.id);
      return result;
    },
  };
}

/** The block's orders (all ended) and what they filled, or a non-retryable failure. */
async function filledBlock(db: Knex, b: BlockRow): Promise<{ filled: Dec; avgPrice: string | null }> {
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
  const fill = blockFill(
    orders.map((o) => ({ clientOrderId: o.client_order_id, qty: o.qty, filledQty: o.filled_qty })),
    execs.map((e) => ({ clientOrderId: e.client_order_id, qty: e.qty, price: e.price })),
  );
  if (!fill.ok)
    throw ApplicationFailure.nonRetryable(
      `block ${b.id}: the executions of ${fill.clientOrderId} sum to ${qtyStr(fill.executed)} but it reports ${qtyStr(fill.reported)} filled`,
      'ExecutionMismatch',
    );
  return fill;
}

async function accountNumbers(db: Knex, lines: Line[]): Promise<Map<string, string>> {
  const rows: { id: string; custodian_account_number: string }[] = await db('accounts')
    .whereIn(
      'id',
      lines.map((l) => l.account_id),
    )
    .select('id', 'custodian_account_number');
  return new Map(rows.map((a) => [a.id, a.custodian_account_number]));
}

/**
 * Why the account got less than its leg: the custodian's refusal, its buys scaled to its cash, or
 * the block not filled; null when it got its whole leg.
 */
function shortfallReason(l: Line, got: Dec, refusal: string | undefined): string | null {
  if (refusal) return refusal;
  const legQty = dec(l.leg_qty);
  if (got.gte(legQty)) return null;
  return dec(l.requested_qty).lt(legQty) && got.gte(dec(l.requested_qty))
    ? 'SCALED_TO_CASH'
    : 'BLOCK_NOT_FILLED';
}

/** One line in the book: the account's order for its leg, its execution, the allocation's status. */
async function recordLine(
  trx: Knex.Transaction,
  b: BlockRow,
  l: Line,
  o: LineOutcome,
  avgPrice: string | null,
): Promise<void> {
  const orderId = allocationOrderIdFor(b.trade_date, l.account_id, l.leg_no);
  const status = o.refusal
    ? 'REFUSED'
    : o.qty.gt(0)
      ? 'ALLOCATED'
      : l.status === 'DROPPED'
        ? 'DROPPED'
        : 'UNFILLED';
  const got = o.refusal ? ZERO : o.qty;
  const legQty = dec(l.leg_qty);
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
      custodian_order_id: o.booked?.orderId ?? null,
      status: got.gte(legQty) ? 'FILLED' : 'CANCELED',
      filled_qty: qtyStr(got),
      avg_price: got.gt(0) ? avgPrice : null,
      reject_reason: shortfallReason(l, got, o.refusal),
    })
    .onConflict('client_order_id')
    .ignore();
  if (o.booked)
    await trx('executions')
      .insert({
        execution_id: o.booked.allocationId,
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
      custodian_allocation_id: o.booked?.allocationId ?? null,
    });
  if (o.refusal)
    await writeAudit(trx, {
      actor: 'system',
      action: 'ALLOCATION_REFUSED',
      entity: 'block',
      entityId: b.id,
      details: { accountId: l.account_id, qty: qtyStr(o.qty), reason: o.refusal },
      idempotencyKey: `alloc-refused:${orderId}`,
    });
}

/** The block marked ALLOCATED with its fill, and the result audited. */
async function finishBlock(
  db: Knex,
  b: BlockRow,
  fill: { filled: Dec; avgPrice: string | null },
  counts: { allocated: number; carried: number; refused: number },
  residue: string,
): Promise<BlockResult> {
  await db('blocks')
    .where({ id: b.id })
    .update({
      status: 'ALLOCATED',
      filled_qty: qtyStr(fill.filled),
      avg_price: fill.avgPrice,
      note:
        counts.carried > 0 ? `${counts.carried} account(s) not fully filled: carried to the next day` : null,
      updated_at: db.fn.now(),
    });
  const result: BlockResult = {
    blockId: b.id,
    requestedQty: b.requested_qty,
    filledQty: qtyStr(fill.filled),
    avgPrice: fill.avgPrice,
    ...counts,
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
}
