/**
 * The simulated custodian's state machine, over its own PostgreSQL schema (`sim`).
 * Orders fill according to a seeded fill model: most fill at once, some fill partly and
 * stop (PARTIALLY_FILLED until cancelled), some fill gradually (one slice per read, or per
 * `gradualSliceMs`), some overfill (one execution too many: a break for the book), some are
 * rejected; re-sent residuals (attempt 2+) fill. Fill prices are the simulator's closing price
 * for the order date.
 *
 * Cancels come in two kinds: the hand-written client's route cancels at once (CANCELED),
 * Ascend's route is asynchronous as Apex documents it: the order goes to PENDING_CANCEL and
 * becomes CANCELED `cancelAckDelayMs` later (default 0: at the next read).
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { Dec, ZERO, apexAvgPriceStr, dec, qtyStr } from '../../domain/money';
import type { CustodianOrder } from '../port';
import { type AllocationRequestBody, type AllocationRow, allocate, simOrderId } from './allocations';
import { SimError } from './errors';
import { moveHolding } from './holdings';
import { type PositionAsOf, positionsAsOf } from './positions';

export type { AllocationRequestBody, AllocationRow } from './allocations';

export interface FillModel {
  seed: string;
  partialFillRate: number;
  rejectRate: number;
  /** How long an Ascend cancel stays PENDING_CANCEL before it is acknowledged; default 0. */
  cancelAckDelayMs?: number;
  /**
   * Share of cancels of a partly filled order that lose the race: the rest of the order fills
   * first and the cancel is refused with TOO_LATE_TO_CANCEL (default 0).
   */
  cancelRaceRate?: number;
  /**
   * Share of first orders that fill gradually (default 0): `gradualSlices` executions (default 3),
   * the first at once, each next one at the first read of the order at least `gradualSliceMs`
   * (default 0: at the next read) after the previous one.
   */
  gradualFillRate?: number;
  gradualSlices?: number;
  gradualSliceMs?: number;
  /**
   * Share of first orders that overfill (default 0): after the full quantity, one more execution
   * of 1% of it (at least one unit of the security's step), as a custodian error would.
   */
  overfillRate?: number;
}

/** A trading halt (docs/domain.md §8.8): one symbol (LULD pause) or `*`, the whole market (MWCB). */
export interface Halt {
  symbol: string;
  reason: 'LULD' | 'MWCB1' | 'MWCB2' | 'MWCB3';
  /** ISO instant the halt ends; undefined: until lifted. */
  until?: string;
}

/** Deterministic uniform number in [0, 1) from the seed and a key. */
export function unit(seed: string, key: string): number {
  const h = createHash('sha256').update(`${seed}:${key}`).digest();
  return h.readUInt32BE(0) / 2 ** 32;
}

export interface OrderRow {
  order_id: string;
  client_order_id: string;
  account_number: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  quantity: string;
  order_date: string;
  order_status: CustodianOrder['orderStatus'];
  planned_outcome: string;
  filled_quantity: string;
  average_price: string | null;
  order_rejected_reason: string | null;
  create_time: Date;
  last_update_time: Date;
  slices_left: number;
  next_slice_at: Date | null;
}

export interface ExecutionRow {
  execution_id: string;
  order_id: string;
  quantity: string;
  price: string;
  executed_time: Date;
}

/** Orders still working at the custodian (docs/domain.md §3.1: the open statuses). */
export const OPEN_STATUSES = [
  'PENDING_NEW',
  'NEW',
  'PENDING_QUEUED',
  'QUEUED',
  'PARTIALLY_FILLED',
  'PENDING_CANCEL',
];

export interface OrderListQuery {
  open?: boolean;
  /** Conditions on order_date, e.g. { op: '>=', date: '2026-11-24' }. */
  orderDate?: { op: '=' | '<>' | '<' | '<=' | '>' | '>='; date: string }[];
  /** Keyset: only orders created before this one (newest first). */
  before?: { createUs: string; orderId: string };
  limit: number;
}

export class SimCustodian {
  constructor(
    private readonly db: Knex,
    private readonly model: FillModel,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async toApi(row: OrderRow): Promise<CustodianOrder> {
    const execs = await this.db('sim.executions').where({ order_id: row.order_id }).orderBy('execution_id');
    return {
      orderId: row.order_id,
      clientOrderId: row.client_order_id,
      accountId: row.account_number,
      identifier: row.symbol,
      side: row.side,
      quantity: row.quantity,
      filledQuantity: row.filled_quantity,
      averagePrice: row.average_price,
      orderStatus: row.order_status,
      orderRejectedReason: row.order_rejected_reason,
      orderDate: row.order_date,
      executions: execs.map(
        (e: { execution_id: string; quantity: string; price: string; executed_time: Date }) => ({
          executionId: e.execution_id,
          quantity: e.quantity,
          price: e.price,
          executedTime: new Date(e.executed_time).toISOString(),
        }),
      ),
    };
  }

  async createOrder(
    accountNumber: string,
    req: {
      clientOrderId: string;
      identifier: string;
      side: 'BUY' | 'SELL';
      quantity: string;
      orderDate: string;
    },
  ): Promise<CustodianOrder> {
    const row = await this.db.transaction(async (trx) => {
      const dup = await trx('sim.orders').where({ client_order_id: req.clientOrderId }).first();
      if (dup)
        throw new SimError(409, 'DUPLICATE_ORDER', `clientOrderId ${req.clientOrderId} was already used`);
      const account = await trx('sim.accounts').where({ account_number: accountNumber }).forUpdate().first();
      if (!account) throw new SimError(404, 'NOT_FOUND', `account ${accountNumber} does not exist`);
      const orderId = simOrderId(req.clientOrderId);
      const base = {
        order_id: orderId,
        client_order_id: req.clientOrderId,
        account_number: accountNumber,
        symbol: req.identifier,
        side: req.side,
        quantity: qtyStr(dec(req.quantity)),
        order_date: req.orderDate,
      };
      const reject = async (reason: string) => {
        await trx('sim.orders').insert({
          ...base,
          order_status: 'REJECTED',
          planned_outcome: 'REJECT',
          order_rejected_reason: reason,
        });
        return (await trx('sim.orders').where({ order_id: orderId }).first()) as OrderRow;
      };
      const sec = await trx('sim.securities').where({ symbol: req.identifier }).first();
      if (!sec) {
        // A ticker a symbol change retired no longer trades (the security goes by its new symbol).
        const renamed = await trx('sim.corporate_actions')
          .where({ action: 'SYMBOL_CHANGE', applied_from: req.identifier })
          .whereNotNull('applied_at')
          .first('id');
        return reject(renamed ? 'SYMBOL_NOT_TRADEABLE' : 'UNKNOWN_SECURITY');
      }
      if (sec.tradeable === false) return reject('SYMBOL_NOT_TRADEABLE');
      const qty = dec(req.quantity);
      if (!sec.fractionable && !qty.isInteger())
        return reject('FRACTIONAL_QUANTITY_NOT_ALLOWED_FOR_SECURITY');
      const px = await trx('sim.prices')
        .where({ symbol: req.identifier })
        .where('date', '<=', req.orderDate)
        .orderBy('date', 'desc')
        .first();
      if (!px) return reject('UNAVAILABLE_PRICE_QUOTE');
      const price = dec(px.close);
      const pos = await trx('sim.positions')
        .where({ account_number: accountNumber, symbol: req.identifier })
        .forUpdate()
        .first();
      // The average-price account executes blocks for many accounts: no position or buying-power
      // check there (the allocations are checked, per account).
      if (!account.average_price_account) {
        if (req.side === 'SELL' && dec(pos?.qty ?? '0').lt(qty)) return reject('INSUFFICIENT_POSITION');
        if (req.side === 'BUY' && dec(account.cash).lt(qty.times(price)))
          return reject('FAILED_BUYING_POWER');
      }
      const halt = await activeHalt(trx, req.identifier, this.clock());
      if (halt?.reason === 'MWCB3') return reject('EXCHANGE_CLOSED');
      if (halt) {
        // Paused: accepted and held for the reopening, no fills until the halt ends.
        await trx('sim.orders').insert({ ...base, order_status: 'NEW', planned_outcome: 'HALTED' });
        return (await trx('sim.orders').where({ order_id: orderId }).first()) as OrderRow;
      }

      const attempt = Number(/-A(\d+)$/.exec(req.clientOrderId)?.[1] ?? '1');
      const u = unit(this.model.seed, req.clientOrderId);
      const m = this.model;
      let outcome = 'FILL';
      if (attempt === 1) {
        // Consecutive ranges of one draw, so adding a kind leaves the others' orders unchanged.
        const edges: [string, number][] = [
          ['REJECT', m.rejectRate],
          ['PARTIAL', m.partialFillRate],
          ['GRADUAL', m.gradualFillRate ?? 0],
          ['OVERFILL', m.overfillRate ?? 0],
        ];
        let lo = 0;
        for (const [kind, rate] of edges) {
          if (u < lo + rate) {
            outcome = kind;
            break;
          }
          lo += rate;
        }
      }
      if (outcome === 'REJECT') return reject('SYSTEM_ERROR');
      const step = sec.fractionable ? new Dec('0.00001') : new Dec(1);
      let fillQty = qty;
      let slices = 0;
      if (outcome === 'PARTIAL') {
        const fraction = new Dec(40 + Math.floor(unit(this.model.seed, `${req.clientOrderId}:f`) * 40)).div(
          100,
        );
        fillQty = sec.fractionable ? dec(qtyStr(qty.times(fraction))) : qty.times(fraction).floor();
        if (fillQty.isZero() || fillQty.gte(qty)) outcome = 'FILL';
        if (outcome === 'FILL') fillQty = qty;
      }
      if (outcome === 'GRADUAL') {
        slices = Math.max(2, m.gradualSlices ?? 3);
        fillQty = sliceTarget(qty, 1, slices, step);
      }
      await trx('sim.orders').insert({
        ...base,
        order_status: outcome === 'PARTIAL' ? 'PARTIALLY_FILLED' : outcome === 'GRADUAL' ? 'NEW' : 'FILLED',
        planned_outcome: outcome,
        filled_quantity: '0',
        slices_left: slices > 0 ? slices - 1 : 0,
        next_slice_at: slices > 0 ? new Date(this.clock().getTime() + (m.gradualSliceMs ?? 0)) : null,
      });
      if (fillQty.gt(0)) await this.execute(trx, orderId, fillQty, price, `${orderId}-E1`);
      if (outcome === 'OVERFILL') {
        const extra = Dec.max(step, qty.div(100).div(step).floor().times(step));
        await this.execute(trx, orderId, extra, price, `${orderId}-E2`);
      }
      return (await trx('sim.orders').where({ order_id: orderId }).first()) as OrderRow;
    });
    return this.toApi(row);
  }

  /**
   * One execution of `qty` at `price` on an order: its filled quantity and average price, the
   * account's position and cash. The order's status follows (FILLED when nothing is left).
   */
  private async execute(
    trx: Knex.Transaction,
    orderId: string,
    qty: Dec,
    price: Dec,
    executionId: string,
  ): Promise<void> {
    const o: OrderRow = await trx('sim.orders').where({ order_id: orderId }).forUpdate().first();
    await trx('sim.executions').insert({
      execution_id: executionId,
      order_id: orderId,
      quantity: qtyStr(qty),
      price: price.toFixed(6),
      executed_time: this.clock().toISOString(),
      trade_date: o.order_date,
    });
    // Filled quantity and average price from the executions only (docs/domain.md §3.5), rounded as Apex does (§1.3).
    const execs: { quantity: string; price: string }[] = await trx('sim.executions')
      .where({ order_id: orderId })
      .select('quantity', 'price');
    let total = ZERO;
    let notional = ZERO;
    for (const e of execs) {
      total = total.plus(dec(e.quantity));
      notional = notional.plus(dec(e.quantity).times(dec(e.price)));
    }
    const done = total.gte(dec(o.quantity));
    await trx('sim.orders')
      .where({ order_id: orderId })
      .update({
        filled_quantity: qtyStr(total),
        average_price: apexAvgPriceStr(notional.div(total)),
        ...(done && o.order_status !== 'CANCELED' ? { order_status: 'FILLED' } : {}),
        ...(!done && o.order_status === 'NEW' ? { order_status: 'PARTIALLY_FILLED' } : {}),
        last_update_time: this.clock(),
      });
    await moveHolding(trx, o.account_number, o.symbol, o.side === 'BUY' ? qty : qty.neg(), price);
  }

  /**
   * Gradual fills: each read of an order that fills in slices executes its next slice when it is
   * due (the last slice fills what is left). A cancelled order stops filling.
   */
  async settleSlices(where: Record<string, string>): Promise<void> {
    const due: OrderRow[] = await this.db('sim.orders')
      .where(where)
      .where({ planned_outcome: 'GRADUAL' })
      .whereIn('order_status', ['NEW', 'PARTIALLY_FILLED'])
      .where('slices_left', '>', 0)
      .where('next_slice_at', '<=', this.clock());
    for (const o of due) {
      await this.db.transaction(async (trx) => {
        const cur: OrderRow = await trx('sim.orders').where({ order_id: o.order_id }).forUpdate().first();
        if (cur.slices_left <= 0 || !['NEW', 'PARTIALLY_FILLED'].includes(cur.order_status)) return;
        const sec = await trx('sim.securities').where({ symbol: cur.symbol }).first();
        const step = sec?.fractionable === false ? new Dec(1) : new Dec('0.00001');
        const slices = Math.max(2, this.model.gradualSlices ?? 3);
        const n = slices - cur.slices_left + 1;
        const target = sliceTarget(dec(cur.quantity), n, slices, step);
        const qty = target.minus(dec(cur.filled_quantity));
        await trx('sim.orders')
          .where({ order_id: cur.order_id })
          .update({
            slices_left: cur.slices_left - 1,
            next_slice_at: new Date(this.clock().getTime() + (this.model.gradualSliceMs ?? 0)),
          });
        if (qty.gt(0))
          await this.execute(
            trx,
            cur.order_id,
            qty,
            await closeOn(trx, cur.symbol, cur.order_date),
            `${cur.order_id}-S${n}`,
          );
      });
    }
  }

  /** Halted orders whose halt has ended fill at the next read, like a reopening auction. */
  async settleHalts(where: Record<string, string>): Promise<void> {
    const held: OrderRow[] = await this.db('sim.orders')
      .where(where)
      .where({ planned_outcome: 'HALTED', order_status: 'NEW' });
    for (const o of held) {
      await this.db.transaction(async (trx) => {
        if (await activeHalt(trx, o.symbol, this.clock())) return;
        const cur: OrderRow = await trx('sim.orders').where({ order_id: o.order_id }).forUpdate().first();
        if (cur.order_status !== 'NEW') return;
        const px = await closeOn(trx, o.symbol, o.order_date);
        await trx('sim.orders').where({ order_id: o.order_id }).update({ planned_outcome: 'REOPENED' });
        await this.execute(trx, o.order_id, dec(o.quantity), px, `${o.order_id}-R1`);
      });
    }
  }

  async setHalt(h: Halt): Promise<void> {
    await this.db('sim.halts')
      .insert({ symbol: h.symbol, reason: h.reason, until: h.until ?? null })
      .onConflict('symbol')
      .merge();
  }

  async liftHalt(symbol: string): Promise<void> {
    await this.db('sim.halts').where({ symbol }).del();
  }

  async halts(): Promise<Halt[]> {
    const rows = await this.db('sim.halts').orderBy('symbol');
    return rows.map((r: { symbol: string; reason: Halt['reason']; until: Date | null }) => ({
      symbol: r.symbol,
      reason: r.reason,
      ...(r.until ? { until: new Date(r.until).toISOString() } : {}),
    }));
  }

  /** Books one allocation of a block's fill on a client account: ./allocations.ts. */
  allocate(req: AllocationRequestBody): Promise<{ allocation: AllocationRow; duplicate: boolean }> {
    return allocate(this.db, this.clock, req);
  }

  async findByClientOrderId(
    accountNumber: string,
    clientOrderId: string,
  ): Promise<CustodianOrder | undefined> {
    await this.settleCancels({ account_number: accountNumber, client_order_id: clientOrderId });
    const row = await this.db('sim.orders')
      .where({ account_number: accountNumber, client_order_id: clientOrderId })
      .first();
    return row ? this.toApi(row) : undefined;
  }

  async getOrder(accountNumber: string, orderId: string): Promise<CustodianOrder> {
    await this.settleCancels({ account_number: accountNumber, order_id: orderId });
    const row = await this.db('sim.orders')
      .where({ account_number: accountNumber, order_id: orderId })
      .first();
    if (!row) throw new SimError(404, 'NOT_FOUND', `order ${orderId} not found for account ${accountNumber}`);
    return this.toApi(row);
  }

  async cancelOrder(accountNumber: string, orderId: string): Promise<CustodianOrder> {
    const row = await this.db.transaction(async (trx) => {
      const o: OrderRow | undefined = await trx('sim.orders')
        .where({ account_number: accountNumber, order_id: orderId })
        .forUpdate()
        .first();
      if (!o) throw new SimError(404, 'CANCELLATION_UNKNOWN_ORDER', `order ${orderId} not found`);
      if (o.order_status === 'CANCELED')
        throw new SimError(409, 'ORDER_ALREADY_CANCELED', `order ${orderId} is already canceled`);
      if (o.order_status === 'FILLED' || o.order_status === 'REJECTED') {
        throw new SimError(409, 'TOO_LATE_TO_CANCEL', `order ${orderId} is ${o.order_status}`);
      }
      if (await this.losesCancelRace(trx, o)) return undefined;
      await trx('sim.orders')
        .where({ order_id: orderId })
        .update({ order_status: 'CANCELED', last_update_time: trx.fn.now() });
      return (await trx('sim.orders').where({ order_id: orderId }).first()) as OrderRow;
    });
    // The race was lost: the fill is committed, the cancel refused.
    if (!row)
      throw new SimError(409, 'TOO_LATE_TO_CANCEL', `order ${orderId} filled before the cancel arrived`);
    return this.toApi(row);
  }

  /**
   * The cancel race (docs/domain.md §3.4): for a partly filled order, with probability
   * `cancelRaceRate` (seeded by the order), the rest fills before the cancel arrives.
   */
  private async losesCancelRace(trx: Knex.Transaction, o: OrderRow): Promise<boolean> {
    const rate = this.model.cancelRaceRate ?? 0;
    if (o.order_status !== 'PARTIALLY_FILLED' || rate <= 0) return false;
    if (unit(this.model.seed, `${o.client_order_id}:cancel-race`) >= rate) return false;
    const rest = dec(o.quantity).minus(dec(o.filled_quantity));
    const px = await closeOn(trx, o.symbol, o.order_date);
    await this.execute(trx, o.order_id, rest, px, `${o.order_id}-E2`);
    return true;
  }

  /**
   * Acknowledges Ascend cancels whose delay has passed: PENDING_CANCEL becomes CANCELED with
   * its filled quantity final. Called before every read, so the state is right whoever reads.
   */
  async settleCancels(where: Record<string, string>): Promise<void> {
    await this.settleHalts(where);
    await this.settleSlices(where);
    const delay = this.model.cancelAckDelayMs ?? 0;
    const cutoff = new Date(this.clock().getTime() - delay);
    await this.db('sim.orders')
      .where(where)
      .where({ order_status: 'PENDING_CANCEL' })
      .where('last_update_time', '<=', cutoff)
      .update({ order_status: 'CANCELED', last_update_time: this.clock() });
  }

  /** Ascend's cancel: asynchronous, the order goes to PENDING_CANCEL (see settleCancels). */
  async requestCancel(accountNumber: string, orderId: string): Promise<OrderRow> {
    await this.settleCancels({ account_number: accountNumber, order_id: orderId });
    const row = await this.db.transaction(async (trx): Promise<OrderRow | undefined> => {
      const o: OrderRow | undefined = await trx('sim.orders')
        .where({ account_number: accountNumber, order_id: orderId })
        .forUpdate()
        .first();
      if (!o)
        throw new SimError(
          404,
          'CANCELLATION_UNKNOWN_ORDER',
          `order ${orderId} not found for account ${accountNumber}`,
        );
      if (o.order_status === 'CANCELED')
        throw new SimError(400, 'ORDER_ALREADY_CANCELED', `order ${orderId} is already canceled`);
      if (o.order_status === 'PENDING_CANCEL')
        throw new SimError(
          400,
          'ORDER_ALREADY_IN_PENDING_CANCEL_OR_PENDING_REPLACE_STATUS',
          `order ${orderId} is already pending cancel`,
        );
      if (o.order_status === 'FILLED' || o.order_status === 'REJECTED')
        throw new SimError(400, 'TOO_LATE_TO_CANCEL', `order ${orderId} is ${o.order_status}`);
      if (await this.losesCancelRace(trx, o)) return undefined;
      const [row] = await trx('sim.orders')
        .where({ order_id: orderId })
        .update({ order_status: 'PENDING_CANCEL', last_update_time: this.clock() })
        .returning('*');
      return row as OrderRow;
    });
    // The race was lost: the fill is committed, the cancel refused.
    if (!row)
      throw new SimError(400, 'TOO_LATE_TO_CANCEL', `order ${orderId} filled before the cancel arrived`);
    return row;
  }

  /** The raw order row (Ascend's view is built from it), or undefined. */
  async orderRow(accountNumber: string, orderId: string): Promise<OrderRow | undefined> {
    await this.settleCancels({ account_number: accountNumber, order_id: orderId });
    return this.db('sim.orders').where({ account_number: accountNumber, order_id: orderId }).first();
  }

  /** The order with this client order id, whatever its account (ids are unique at the custodian). */
  async orderRowByClientOrderId(clientOrderId: string): Promise<OrderRow | undefined> {
    await this.settleCancels({ client_order_id: clientOrderId });
    return this.db('sim.orders').where({ client_order_id: clientOrderId }).first();
  }

  async accountExists(accountNumber: string): Promise<boolean> {
    return (await this.db('sim.accounts').where({ account_number: accountNumber }).first()) !== undefined;
  }

  /**
   * An account's orders, newest first (creation time, then order id), with the creation time in
   * microseconds since the epoch as `create_us` for keyset paging.
   */
  async listOrderRows(
    accountNumber: string,
    q: OrderListQuery,
  ): Promise<(OrderRow & { create_us: string })[]> {
    await this.settleCancels({ account_number: accountNumber });
    const createUs = '(extract(epoch from create_time) * 1000000)::bigint';
    const query = this.db('sim.orders')
      .where({ account_number: accountNumber })
      .select('*', this.db.raw(`${createUs}::text as create_us`))
      .orderBy([
        { column: 'create_time', order: 'desc' },
        { column: 'order_id', order: 'desc' },
      ])
      .limit(q.limit);
    if (q.open === true) query.whereIn('order_status', OPEN_STATUSES);
    if (q.open === false) query.whereNotIn('order_status', OPEN_STATUSES);
    for (const c of q.orderDate ?? []) query.where('order_date', c.op, c.date);
    if (q.before)
      query.whereRaw(`(${createUs}, order_id) < (?::bigint, ?)`, [q.before.createUs, q.before.orderId]);
    return query;
  }

  async executionsOf(orderIds: string[]): Promise<Map<string, ExecutionRow[]>> {
    const rows: ExecutionRow[] =
      orderIds.length === 0
        ? []
        : await this.db('sim.executions')
            .whereIn('order_id', orderIds)
            .orderBy(['executed_time', 'execution_id'])
            .select('execution_id', 'order_id', 'quantity', 'price', 'executed_time');
    const out = new Map<string, ExecutionRow[]>(orderIds.map((id) => [id, []]));
    for (const r of rows) out.get(r.order_id)?.push(r);
    return out;
  }

  /** Positions as of the start of `processDate` (./positions.ts). */
  async positionsAsOf(processDate: string): Promise<PositionAsOf[]> {
    return positionsAsOf(this.db, processDate);
  }
}

/** What an order filling in `slices` slices has filled after slice `n`, a multiple of `step`. */
function sliceTarget(qty: Dec, n: number, slices: number, step: Dec): Dec {
  if (n >= slices) return qty;
  return qty.times(n).div(slices).div(step).floor().times(step);
}

/** The halt in force for a symbol at `now` (its own, or a market-wide one), if any. */
async function activeHalt(
  trx: Knex.Transaction | Knex,
  symbol: string,
  now: Date,
): Promise<Halt | undefined> {
  const rows: { symbol: string; reason: Halt['reason']; until: Date | null }[] = await trx('sim.halts')
    .whereIn('symbol', [symbol, '*'])
    .where((q) => q.whereNull('until').orWhere('until', '>', now));
  const r = rows.find((x) => x.symbol === '*') ?? rows[0];
  return r ? { symbol: r.symbol, reason: r.reason } : undefined;
}

/** The simulator's closing price of a symbol on or before a date. */
async function closeOn(trx: Knex.Transaction, symbol: string, date: string): Promise<Dec> {
  const px = await trx('sim.prices')
    .where({ symbol })
    .where('date', '<=', date)
    .orderBy('date', 'desc')
    .first();
  if (!px) throw new SimError(409, 'UNAVAILABLE_PRICE_QUOTE', `no price for ${symbol} on ${date}`);
  return dec(px.close);
}
