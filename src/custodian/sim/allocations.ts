/**
 * Trade allocations (Ascend TradeAllocation): the average-price account gives a client account its
 * share of a block's fill at the block's average price. The client account gets a filled order
 * (so its positions, cash, trade file and confirms show it like any trade); the average-price
 * account gives up what the client receives (or takes back what it delivers).
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { apexAvgPriceStr, dec, qtyStr } from '../../domain/money';
import { SimError } from './errors';
import { moveHolding } from './holdings';

/** A lot matching instruction of a sell (Ascend's LotCreate): the lot by id, or by its trade date and price. */
export interface LotMatch {
  id?: string;
  tradeDate?: string;
  price?: string;
  quantity?: string;
}
/** A trade allocation from the average-price account to a client account (Ascend TradeAllocation). */
export interface AllocationRequestBody {
  clientOrderId: string;
  fromAccountId: string;
  toAccountId: string;
  identifier: string;
  toSide: 'BUY' | 'SELL';
  quantity: string;
  price: string;
  tradeDate: string;
  /** For a SELL: the lots to close, in order (the rest first in, first out). */
  lotMatchingInstructions?: LotMatch[];
}

export interface AllocationRow {
  allocation_id: string;
  client_order_id: string;
  from_account: string;
  to_account: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  quantity: string;
  price: string;
  order_id: string;
}

/** The simulator's order id for a client order id (stable: the same request gets the same id). */
export function simOrderId(clientOrderId: string): string {
  return `SIM-${createHash('sha256').update(clientOrderId).digest('hex').slice(0, 16).toUpperCase()}`;
}

/**
 * Books one allocation. Idempotent by clientOrderId: the same request again answers the allocation
 * already booked (`duplicate: true`); a different one under the same id is refused, as is an id an
 * order already took. The client's order is written filled at once (one execution at the block's
 * price); the average-price account's rows, which every allocation of the day moves, are written
 * last in one statement, so they are locked only until the commit.
 */
export async function allocate(
  db: Knex,
  clock: () => Date,
  req: AllocationRequestBody,
): Promise<{ allocation: AllocationRow; duplicate: boolean }> {
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`alloc:${req.clientOrderId}`]);
    const existing: AllocationRow | undefined = await trx('sim.allocations')
      .where({ client_order_id: req.clientOrderId })
      .first();
    if (existing) return { allocation: sameAllocation(existing, req), duplicate: true };
    if (await trx('sim.orders').where({ client_order_id: req.clientOrderId }).first('order_id'))
      throw new SimError(409, 'ALREADY_EXISTS', `clientOrderId ${req.clientOrderId} was already used`);
    await checkAccounts(trx, req);
    const qty = dec(req.quantity);
    const price = dec(req.price);
    if (!qty.gt(0)) throw new SimError(400, 'INVALID_ARGUMENT', 'quantity must be greater than zero');
    if (req.toSide === 'SELL') await checkDeliverable(trx, req);
    const orderId = simOrderId(req.clientOrderId);
    const now = clock();
    await trx('sim.orders').insert({
      order_id: orderId,
      client_order_id: req.clientOrderId,
      account_number: req.toAccountId,
      symbol: req.identifier,
      side: req.toSide,
      quantity: qtyStr(qty),
      order_date: req.tradeDate,
      order_status: 'FILLED',
      planned_outcome: 'ALLOCATION',
      filled_quantity: qtyStr(qty),
      // One execution at the block's price: the average price is that price, rounded as Apex does.
      average_price: apexAvgPriceStr(price),
      last_update_time: now,
      lot_matching:
        req.toSide === 'SELL' && req.lotMatchingInstructions?.length
          ? JSON.stringify(req.lotMatchingInstructions)
          : null,
    });
    await trx('sim.executions').insert({
      execution_id: `${orderId}-E1`,
      order_id: orderId,
      quantity: qtyStr(qty),
      price: price.toFixed(6),
      executed_time: now.toISOString(),
      trade_date: req.tradeDate,
    });
    await moveHolding(trx, req.toAccountId, req.identifier, req.toSide === 'BUY' ? qty : qty.neg(), price);
    const [row] = await trx('sim.allocations')
      .insert({
        allocation_id: `ALLOC-${orderId.slice(4)}`,
        client_order_id: req.clientOrderId,
        from_account: req.fromAccountId,
        to_account: req.toAccountId,
        symbol: req.identifier,
        side: req.toSide,
        quantity: qtyStr(qty),
        price: price.toFixed(6),
        order_id: orderId,
      })
      .returning('*');
    await moveHolding(trx, req.fromAccountId, req.identifier, req.toSide === 'BUY' ? qty.neg() : qty, price);
    return { allocation: row as AllocationRow, duplicate: false };
  });
}

/** The allocation already booked under the request's id, if it is the same one; else a 409. */
function sameAllocation(existing: AllocationRow, req: AllocationRequestBody): AllocationRow {
  const same =
    existing.to_account === req.toAccountId &&
    existing.symbol === req.identifier &&
    existing.side === req.toSide &&
    dec(existing.quantity).eq(dec(req.quantity));
  if (!same)
    throw new SimError(
      409,
      'ALREADY_EXISTS',
      `clientOrderId ${req.clientOrderId} was already used for another allocation`,
    );
  return existing;
}

/** The source is an average-price account and the client account exists (one read for both). */
async function checkAccounts(trx: Knex.Transaction, req: AllocationRequestBody): Promise<void> {
  const rows: { account_number: string; average_price_account: boolean }[] = await trx('sim.accounts')
    .whereIn('account_number', [req.fromAccountId, req.toAccountId])
    .select('account_number', 'average_price_account');
  const from = rows.find((a) => a.account_number === req.fromAccountId);
  if (!from?.average_price_account)
    throw new SimError(
      400,
      'INVALID_ARGUMENT',
      `fromAccountId ${req.fromAccountId} is not an average-price account`,
    );
  if (!rows.some((a) => a.account_number === req.toAccountId))
    throw new SimError(404, 'NOT_FOUND', `toAccountId ${req.toAccountId} does not exist`);
}

/** A client account delivers only what it holds; its position row stays locked to the commit. */
async function checkDeliverable(trx: Knex.Transaction, req: AllocationRequestBody): Promise<void> {
  const pos = await trx('sim.positions')
    .where({ account_number: req.toAccountId, symbol: req.identifier })
    .forUpdate()
    .first('qty');
  if (dec(pos?.qty ?? '0').lt(dec(req.quantity)))
    throw new SimError(
      400,
      'INSUFFICIENT_POSITION',
      `account ${req.toAccountId} holds ${pos?.qty ?? '0'} ${req.identifier}, cannot deliver ${req.quantity}`,
    );
}
