/**
 * The book's identifiers for what it sends and records: deterministic, so a retried activity
 * finds what it wrote before; client order ids at most 40 characters (Apex's limit).
 */
import { ApplicationFailure } from '@temporalio/activity';

const compact = (date: string) => date.replaceAll('-', '');

function clientOrderId(id: string): string {
  if (id.length > 40)
    throw ApplicationFailure.nonRetryable(`client order id too long: ${id}`, 'InvalidOrder');
  return id;
}

/** P{yyyymmdd}-{accountId}: one proposal per account and day. */
export function proposalIdFor(tradeDate: string, accountId: string): string {
  return `P${compact(tradeDate)}-${accountId}`;
}

/** B{yyyymmdd}-{symbol}-{side}: one block per security and side per day. */
export function blockIdFor(tradeDate: string, symbol: string, side: 'BUY' | 'SELL'): string {
  return `B${compact(tradeDate)}-${symbol}-${side}`;
}

/** {blockId}-A{attempt}: the block's street-side order of one attempt. */
export function blockOrderIdFor(blockId: string, attempt: number): string {
  return clientOrderId(`${blockId}-A${attempt}`);
}

/** The account's order in our book for its share of a block: `{yyyymmdd}-{account}-L{leg}-AL`. */
export function allocationOrderIdFor(tradeDate: string, accountId: string, legNo: number): string {
  return clientOrderId(`${compact(tradeDate)}-${accountId}-L${legNo}-AL`);
}
