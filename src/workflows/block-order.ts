/**
 * BlockOrder: `block-order/{date}/{symbol}/{side}`, one per security and side per day. Sends the
 * block from the average-price account, follows its fills until filled or the window closes, cancels
 * a stalled partial fill and re-sends the residual (a new client order id, transient reasons only,
 * within the retry budget), cancels what is still open at the close and waits for the cancel to be
 * confirmed, then allocates the fill pro rata at the average price (docs/domain.md §8.3). What was not
 * filled is carried to the next day: the accounts' proposals show it and tomorrow proposes afresh.
 */
import { log, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type { OrderStatusView } from '../contracts';
import { blockAllocation, custodianCalls } from './activity-options';
import { stalledOrders } from './fills';
import { SA } from './search-attributes';
import type { BlockStage } from './stages';
import { msUntil } from './time';
import type { BlockOrderInput, BlockOrderOutput } from './types';

export type { BlockOrderInput, BlockOrderOutput };

/** Orders per block within the window: the first and at most one residual retry (docs/domain.md §8.4). */
export const MAX_BLOCK_ATTEMPTS = 2;

const custodian = custodianCalls();
const book = blockAllocation();

const stage = (value: BlockStage) => upsertSearchAttributes([{ key: SA.Stage, value }]);

/**
 * No new order in the last minute of the window (the last tenth of a shorter one): an order sent
 * just before the close would reach the custodian after it.
 */
function lastSendAt(clock: BlockOrderInput['clock']): string {
  const close = Date.parse(clock.windowClose);
  const span = clock.windowOpen ? close - Date.parse(clock.windowOpen) : Number.POSITIVE_INFINITY;
  return new Date(close - Math.min(60_000, Math.max(0, span / 10))).toISOString();
}

export async function BlockOrder(input: BlockOrderInput): Promise<BlockOrderOutput> {
  const { blockId, clock } = input;
  upsertSearchAttributes([
    { key: SA.TradeDate, value: input.tradeDate },
    { key: SA.Stage, value: 'Trading' satisfies BlockStage },
  ]);
  const orders = new Map<string, OrderStatusView>();
  const cancelRequested = new Set<string>();
  let attempt = 1;
  let windowClosed = false;
  let closePolls = 0;

  // Nothing goes out in the window's last minute or after (the activity checks again when it runs).
  const notAfter = lastSendAt(clock);
  const first =
    msUntil(notAfter) > 0 ? await custodian.submitBlockOrder({ blockId, attempt, notAfter }) : undefined;
  if (first) orders.set(first.clientOrderId, first);

  for (;;) {
    const open = [...orders.values()].filter((o) => o.open);
    const windowLeft = msUntil(clock.windowClose);
    if (open.length === 0) {
      // Everything ended: re-send the residual once, for transient reasons only, inside the window.
      const last = [...orders.values()].at(-1);
      if (!last?.retryable || attempt >= MAX_BLOCK_ATTEMPTS || msUntil(notAfter) === 0) break;
      attempt++;
      const next = await custodian.submitBlockOrder({ blockId, attempt, notAfter });
      if (!next) break;
      orders.set(next.clientOrderId, next);
      continue;
    }
    if (windowLeft === 0) {
      // The close: cancel what is open and wait until the custodian confirms (cancels are async;
      // a fill may still win the race, TOO_LATE_TO_CANCEL, and the poll then shows it).
      windowClosed = true;
      // A cancel that left no trace (lost, or refused while a fill was still arriving) is asked
      // again every minute; the block is allocated only once every order has ended.
      if (closePolls > 0 && closePolls % 12 === 0)
        for (const o of open) cancelRequested.delete(o.clientOrderId);
      if (closePolls === 60) stage('CancelPending');
      closePolls++;
      const toCancel = open.filter((o) => !cancelRequested.has(o.clientOrderId)).map((o) => o.clientOrderId);
      if (toCancel.length > 0) {
        await custodian.cancelBlockOrders({ clientOrderIds: toCancel, reason: 'window closed' });
        for (const id of toCancel) cancelRequested.add(id);
      }
      await sleep('5 seconds');
      for (const o of await custodian.pollBlockOrders({ clientOrderIds: open.map((x) => x.clientOrderId) }))
        orders.set(o.clientOrderId, o);
      if ([...orders.values()].every((o) => !o.open)) break;
      continue;
    }
    await sleep(Math.min(input.fillPollSeconds * 1000, windowLeft));
    const before = new Map(open.map((o) => [o.clientOrderId, o.filledQty]));
    const polled = await custodian.pollBlockOrders({ clientOrderIds: open.map((o) => o.clientOrderId) });
    for (const o of polled) orders.set(o.clientOrderId, o);
    // A partial fill that stopped filling: cancel the rest so the residual can be re-sent.
    const stalled = stalledOrders(polled, before, () => attempt < MAX_BLOCK_ATTEMPTS, cancelRequested);
    if (stalled.length > 0) {
      await custodian.cancelBlockOrders({
        clientOrderIds: stalled.map((o) => o.clientOrderId),
        reason: 'residual retry',
      });
      for (const o of stalled) cancelRequested.add(o.clientOrderId);
    }
  }

  stage('Allocating');
  const result = await book.allocateBlock({ blockId });
  if (result.carried > 0 || result.refused > 0)
    log.warn('block not fully allocated', { blockId, carried: result.carried, refused: result.refused });
  stage('Allocated');
  return { ...result, orders: orders.size, windowClosed };
}
