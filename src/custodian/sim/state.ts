/**
 * The simulated custodian's state machine, over its own PostgreSQL schema (`sim`).
 * Orders fill according to a seeded fill model: most fill at once, some fill partly and
 * stop (PARTIALLY_FILLED until cancelled), some are rejected; re-sent residuals (attempt
 * 2+) fill. Fill prices are the simulator's closing price for the order date.
 *
 * Cancels come in two kinds: the hand-written client's route cancels at once (CANCELED),
 * Ascend's route is asynchronous as Apex documents it: the order goes to PENDING_CANCEL and
 * becomes CANCELED `cancelAckDelayMs` later (default 0: at the next read).
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { Dec, ZERO, apexAvgPriceStr, dec, qtyStr } from '../../domain/money';
import type { CustodianOrder } from '../port';

export interface FillModel {
  seed: string;
  partialFillRate: number;
  rejectRate: number;
  /** How long an Ascend cancel stays PENDING_CANCEL before it is acknowledged; default 0. */
  cancelAckDelayMs?: number;
}

export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
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
}

export interface ExecutionRow {
  execution_id: string;
  order_id: string;
  quantity: string;
  price: string;
  executed_time: Date;
}

/** Orders still working at the custodian (DOMAIN.md §1.2: the `open` flag). */
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
      const orderId = `SIM-${createHash('sha256').update(req.clientOrderId).digest('hex').slice(0, 16).toUpperCase()}`;
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
      if (!sec) return reject('UNKNOWN_SECURITY');
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
      if (req.side === 'SELL' && dec(pos?.qty ?? '0').lt(qty)) return reject('INSUFFICIENT_POSITION');
      if (req.side === 'BUY' && dec(account.cash).lt(qty.times(price))) return reject('FAILED_BUYING_POWER');

      const attempt = Number(/-A(\d+)$/.exec(req.clientOrderId)?.[1] ?? '1');
      const u = unit(this.model.seed, req.clientOrderId);
      let outcome = 'FILL';
      if (attempt === 1 && u < this.model.rejectRate) outcome = 'REJECT';
      else if (attempt === 1 && u < this.model.rejectRate + this.model.partialFillRate) outcome = 'PARTIAL';
      if (outcome === 'REJECT') return reject('SYSTEM_ERROR');
      let fillQty = qty;
      if (outcome === 'PARTIAL') {
        const fraction = new Dec(40 + Math.floor(unit(this.model.seed, `${req.clientOrderId}:f`) * 40)).div(
          100,
        );
        fillQty = sec.fractionable ? dec(qtyStr(qty.times(fraction))) : qty.times(fraction).floor();
        if (fillQty.isZero() || fillQty.gte(qty)) outcome = 'FILL';
        if (outcome === 'FILL') fillQty = qty;
      }
      await trx('sim.orders').insert({
        ...base,
        order_status: outcome === 'FILL' ? 'FILLED' : 'PARTIALLY_FILLED',
        planned_outcome: outcome,
        filled_quantity: qtyStr(fillQty),
        average_price: apexAvgPriceStr(price),
      });
      await trx('sim.executions').insert({
        execution_id: `${orderId}-E1`,
        order_id: orderId,
        quantity: qtyStr(fillQty),
        price: price.toFixed(6),
        executed_time: this.clock().toISOString(),
        trade_date: req.orderDate,
      });
      const signed = req.side === 'BUY' ? fillQty : fillQty.neg();
      const newQty = dec(pos?.qty ?? '0').plus(signed);
      if (pos)
        await trx('sim.positions')
          .where({ account_number: accountNumber, symbol: req.identifier })
          .update({ qty: qtyStr(newQty) });
      else
        await trx('sim.positions').insert({
          account_number: accountNumber,
          symbol: req.identifier,
          qty: qtyStr(newQty),
        });
      const cash = dec(account.cash).minus(signed.times(price)).toDecimalPlaces(2);
      await trx('sim.accounts')
        .where({ account_number: accountNumber })
        .update({ cash: cash.toFixed(2) });
      return (await trx('sim.orders').where({ order_id: orderId }).first()) as OrderRow;
    });
    return this.toApi(row);
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
      await trx('sim.orders')
        .where({ order_id: orderId })
        .update({ order_status: 'CANCELED', last_update_time: trx.fn.now() });
      return (await trx('sim.orders').where({ order_id: orderId }).first()) as OrderRow;
    });
    return this.toApi(row);
  }

  /**
   * Acknowledges Ascend cancels whose delay has passed: PENDING_CANCEL becomes CANCELED with
   * its filled quantity final. Called before every read, so the state is right whoever reads.
   */
  async settleCancels(where: Record<string, string>): Promise<void> {
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
    return this.db.transaction(async (trx) => {
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
      const [row] = await trx('sim.orders')
        .where({ order_id: orderId })
        .update({ order_status: 'PENDING_CANCEL', last_update_time: this.clock() })
        .returning('*');
      return row as OrderRow;
    });
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

  /** Positions as of the start of `processDate`: current minus executions on or after it. */
  async positionsAsOf(processDate: string): Promise<{ account_number: string; symbol: string; qty: Dec }[]> {
    const current: { account_number: string; symbol: string; qty: string }[] =
      await this.db('sim.positions').select();
    const later: { account_number: string; symbol: string; side: string; quantity: string }[] = await this.db(
      'sim.executions as e',
    )
      .join('sim.orders as o', 'o.order_id', 'e.order_id')
      .where('e.trade_date', '>=', processDate)
      .select('o.account_number', 'o.symbol', 'o.side', 'e.quantity');
    const map = new Map<string, { account_number: string; symbol: string; qty: Dec }>();
    for (const p of current) map.set(`${p.account_number}|${p.symbol}`, { ...p, qty: dec(p.qty) });
    for (const e of later) {
      const k = `${e.account_number}|${e.symbol}`;
      const cur = map.get(k) ?? { account_number: e.account_number, symbol: e.symbol, qty: ZERO };
      cur.qty = e.side === 'BUY' ? cur.qty.minus(dec(e.quantity)) : cur.qty.plus(dec(e.quantity));
      map.set(k, cur);
    }
    return [...map.values()]
      .filter((p) => !p.qty.isZero())
      .sort((a, b) =>
        a.account_number === b.account_number
          ? a.symbol.localeCompare(b.symbol)
          : a.account_number.localeCompare(b.account_number),
      );
  }
}
