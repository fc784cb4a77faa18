/**
 * The block tables as the block activities read them (`blocks`, `block_orders`, `allocations`),
 * and the small lookups they share.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { BlockRef } from '../contracts';
import { dec } from '../domain/money';

export interface BlockRow {
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

export interface BlockOrderRow {
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

export interface AllocationRow {
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

/** Where block orders and their executions live (applyCustodianOrder's tables). */
export const BLOCK_TABLES = { orders: 'block_orders', executions: 'block_executions' };

export async function blockRow(db: Knex, blockId: string): Promise<BlockRow> {
  const b: BlockRow | undefined = await db('blocks').where({ id: blockId }).first();
  if (!b) throw ApplicationFailure.nonRetryable(`block ${blockId} not found`, 'NotFound');
  return b;
}

/** Each security's quantity step: 0.00001 when fractionable, else whole shares. */
export async function securitySteps(db: Knex, symbols: string[]): Promise<Map<string, string>> {
  const rows: { symbol: string; fractionable: boolean }[] = symbols.length
    ? await db('securities').whereIn('symbol', symbols).select('symbol', 'fractionable')
    : [];
  return new Map(rows.map((r) => [r.symbol, r.fractionable ? '0.00001' : '1']));
}

/** The blocks with something to send, as the day's workflow starts them. */
export function blockRefs(rows: BlockRow[]): BlockRef[] {
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
