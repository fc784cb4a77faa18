/**
 * The day's trade blotter: every block with its orders to the custodian (firm-wide; not in an
 * advisor's report) and every account order with its allocation: quantities, prices, fills and the
 * residual (what was not filled and why). Quantities and prices stay decimal strings.
 */
import type { Knex } from 'knex';
import { type Dec, ZERO, cashStr, dec, qtyStr } from '../domain/money';
import { type ReportScope, inScope } from './scope';

export interface BlockLine {
  blockId: string;
  symbol: string;
  side: string;
  requestedQty: string;
  filledQty: string;
  avgPrice: string | null;
  residualQty: string;
  status: string;
  accounts: number;
  attempts: {
    clientOrderId: string;
    attempt: number;
    qty: string;
    filledQty: string;
    status: string;
    reason: string | null;
  }[];
}

export interface OrderLine {
  clientOrderId: string;
  accountId: string;
  proposalId: string;
  legNo: number;
  symbol: string;
  side: string;
  qty: string;
  filledQty: string;
  avgPrice: string | null;
  residualQty: string;
  notional: string;
  status: string;
  reason: string | null;
  blockId: string | null;
  allocatedQty: string | null;
  allocationStatus: string | null;
}

export async function blockLines(db: Knex, tradeDate: string): Promise<BlockLine[]> {
  const blocks: {
    id: string;
    symbol: string;
    side: string;
    requested_qty: string;
    filled_qty: string;
    avg_price: string | null;
    status: string;
    accounts: number;
  }[] = await db('blocks').where({ trade_date: tradeDate }).orderBy(['side', 'symbol']);
  const attempts: {
    block_id: string;
    client_order_id: string;
    attempt: number;
    qty: string;
    filled_qty: string;
    status: string;
    reject_reason: string | null;
  }[] = await db('block_orders')
    .whereIn(
      'block_id',
      blocks.map((b) => b.id),
    )
    .orderBy(['block_id', 'attempt']);
  return blocks.map((b) => ({
    blockId: b.id,
    symbol: b.symbol,
    side: b.side,
    requestedQty: b.requested_qty,
    filledQty: b.filled_qty,
    avgPrice: b.avg_price,
    residualQty: qtyStr(dec(b.requested_qty).minus(dec(b.filled_qty))),
    status: b.status,
    accounts: b.accounts,
    attempts: attempts
      .filter((a) => a.block_id === b.id)
      .map((a) => ({
        clientOrderId: a.client_order_id,
        attempt: a.attempt,
        qty: a.qty,
        filledQty: a.filled_qty,
        status: a.status,
        reason: a.reject_reason,
      })),
  }));
}

export async function orderLines(db: Knex, tradeDate: string, scope: ReportScope): Promise<OrderLine[]> {
  const rows: {
    client_order_id: string;
    account_id: string;
    proposal_id: string;
    leg_no: number;
    symbol: string;
    side: string;
    qty: string;
    filled_qty: string;
    avg_price: string | null;
    status: string;
    reject_reason: string | null;
    block_id: string | null;
    alloc_qty: string | null;
    alloc_status: string | null;
  }[] = await db('orders as o')
    .leftJoin('allocations as a', 'a.client_order_id', 'o.client_order_id')
    .where('o.trade_date', tradeDate)
    .modify(inScope(db, scope, 'o.account_id'))
    .orderBy(['o.account_id', 'o.leg_no', 'o.attempt'])
    .select('o.*', 'a.block_id', 'a.qty as alloc_qty', 'a.status as alloc_status');
  return rows.map((o) => {
    const filled = dec(o.filled_qty);
    return {
      clientOrderId: o.client_order_id,
      accountId: o.account_id,
      proposalId: o.proposal_id,
      legNo: o.leg_no,
      symbol: o.symbol,
      side: o.side,
      qty: o.qty,
      filledQty: o.filled_qty,
      avgPrice: o.avg_price,
      residualQty: qtyStr(dec(o.qty).minus(filled)),
      notional: cashStr(o.avg_price ? filled.times(dec(o.avg_price)) : ZERO),
      status: o.status,
      reason: o.reject_reason,
      blockId: o.block_id,
      allocatedQty: o.alloc_qty,
      allocationStatus: o.alloc_status,
    };
  });
}

export interface NotionalBar {
  symbol: string;
  side: string;
  notional: string;
}

/** Filled notional (Σ filled quantity × average price, rounded once) by symbol and side, largest first. */
export function notionalBySymbolSide(orders: OrderLine[]): NotionalBar[] {
  const m = new Map<string, Dec>();
  for (const o of orders) {
    if (!o.avgPrice) continue;
    const k = `${o.symbol}\u0000${o.side}`;
    m.set(k, (m.get(k) ?? ZERO).plus(dec(o.filledQty).times(dec(o.avgPrice))));
  }
  return [...m.entries()]
    .filter(([, v]) => v.gt(0))
    .map(([k, v]) => {
      const [symbol, side] = k.split('\u0000') as [string, string];
      return { symbol, side, notional: cashStr(v) };
    })
    .sort((a, b) => dec(b.notional).cmp(dec(a.notional)) || a.symbol.localeCompare(b.symbol));
}
