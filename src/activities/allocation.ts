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
import { type Dec, dec, qtyStr } from '../domain/money';
import { blockShort } from '../notifications/notify';
import { type Line, type LineOutcome, recordLines } from './allocation-lines';
import { writeAudit } from './audit';
import { type BlockOrderRow, type BlockRow, blockRow, securitySteps } from './block-rows';
import type { ActivityDeps } from './deps';
import { allocationOrderIdFor } from './ids';
import { inTurns } from './in-turns';
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

/** Lines recorded in the book per transaction (./allocation-lines.ts). */
export const ALLOCATION_CHUNK = 50;
/** The custodian bookings in flight at once for one block (CUSTODIAN_ALLOCATION_CONCURRENCY). */
export const DEFAULT_ALLOCATION_CONCURRENCY = 8;

export function allocationActivities(deps: ActivityDeps) {
  const { db, custodian } = deps;
  const avgAccount = deps.averagePriceAccount ?? DEFAULT_AVERAGE_PRICE_ACCOUNT;
  const concurrency = deps.allocationConcurrency ?? DEFAULT_ALLOCATION_CONCURRENCY;

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
      const todo: { line: Line; qty: Dec }[] = [];
      for (const l of lines) {
        const qty = dec(shares.get(l.account_id) ?? '0');
        if (qty.lt(dec(l.leg_qty))) counts.carried++;
        if (l.status === 'STATEMENT' || l.status === 'DROPPED') todo.push({ line: l, qty });
        // Booked by an earlier attempt of this activity.
        else if (l.status === 'ALLOCATED') counts.allocated++;
        else if (l.status === 'REFUSED') counts.refused++;
      }
      // A chunk of lines booked at the custodian, a few at a time, then recorded in one transaction:
      // what the custodian booked is recorded even when another line of the chunk failed, and a
      // retry books the rest (idempotent by client order id at the custodian and in the book).
      for (let at = 0; at < todo.length; at += ALLOCATION_CHUNK) {
        const chunk = todo.slice(at, at + ALLOCATION_CHUNK);
        const settled = await inTurns(chunk, concurrency, ({ line, qty }) =>
          book(b, line, qty, fill.avgPrice ?? '0', numbers.get(line.account_id)!),
        );
        const done = chunk.flatMap(({ line }, i) => {
          const s = settled[i]!;
          return s.status === 'fulfilled' ? [{ line, outcome: s.value }] : [];
        });
        await db.transaction((trx) => recordLines(trx, b, done, fill.avgPrice));
        const failed = settled.find((s) => s.status === 'rejected');
        if (failed) throw failed.reason;
        for (const { outcome } of done) {
          if (outcome.refusal) counts.refused++;
          else if (outcome.qty.gt(0)) counts.allocated++;
        }
        heartbeat({ blockId: b.id, done: at + chunk.length });
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
