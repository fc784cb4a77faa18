/**
 * DailyTradingDay: started by the Temporal Schedule (or by hand) as `trading-day/{date}`.
 * Checks the calendar, ingests the custodian's morning files, fans out AccountBatch children
 * (`account-batch/{date}/{n}`, up to `batchSize` accounts each), which start one AccountDay per
 * account (`account-day/{date}/{accountId}`); waits for all of them (they run through review,
 * the window and next-morning confirm matching) and returns a summary of counts.
 */
import {
  ParentClosePolicy,
  condition,
  deprecatePatch,
  log,
  patched,
  sleep,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { type BlockRef, type ConfirmSummary, emptyConfirms, isNonZeroQty } from '../contracts';
import { type DayClock, buyDeadline, dayClock, holidayName, isTradingDay } from '../domain/calendar';
import { AccountBatch } from './account-batch';
import { daySteps } from './activity-options';
import { BlockOrder } from './block-order';
import { accountBatchWorkflowId, blockOrderWorkflowId } from './ids';
import { calendarFailure, memoCalendarWarning } from './market-calendar';
import { blocksDoneSignal } from './messages';
import { SA } from './search-attributes';
import type { DayStage } from './stages';
import { msUntil } from './time';
import type { BlockOrderOutput, BlockSummary, TradingDayInput, TradingDayResult } from './types';

/** Accounts per AccountBatch: small histories, far below Temporal's pending-children limit. */
const DEFAULT_BATCH_SIZE = 200;

const act = daySteps();

const stage = (value: DayStage) => upsertSearchAttributes([{ key: SA.Stage, value }]);

export async function DailyTradingDay(input: TradingDayInput): Promise<TradingDayResult> {
  const { tradeDate } = input;
  upsertSearchAttributes([
    { key: SA.TradeDate, value: tradeDate },
    { key: SA.Stage, value: 'Starting' satisfies DayStage },
  ]);

  let open: boolean;
  let clock: DayClock;
  try {
    open = isTradingDay(tradeDate);
    clock = open ? { ...dayClock(tradeDate, input.clockSettings), ...input.clockOverride } : ({} as DayClock);
  } catch (e) {
    throw calendarFailure(e);
  }
  memoCalendarWarning(tradeDate);
  if (!open) {
    stage('MarketClosed');
    log.info('market closed, nothing to do', { tradeDate });
    return {
      tradeDate,
      status: 'MARKET_CLOSED',
      holiday: holidayName(tradeDate) ?? 'weekend',
      accounts: 0,
      byStage: {},
      ordersFilled: 0,
      confirms: emptyConfirms(),
      failedAccounts: [],
    };
  }

  stage('IngestingFiles');
  await act.ingestMorningFiles({ processDate: tradeDate });

  const batches = await act.planAccountBatches({
    tradeDate,
    batchSize: input.batchSize ?? DEFAULT_BATCH_SIZE,
    accountIds: input.accountIds,
  });
  stage('AccountsRunning');
  // Block orders are the only execution path: days started before them (histories without the
  // `block-orders` marker) can no longer be running. The patch is deprecated, so days recorded with
  // its marker replay; the call goes in a later release (docs/workflow-changes.md).
  deprecatePatch('block-orders');
  const handles = await Promise.all(
    batches.map((range) =>
      startChild(AccountBatch, {
        workflowId: accountBatchWorkflowId(tradeDate, range.batchNo),
        args: [
          {
            tradeDate,
            range,
            clock,
            fillPollSeconds: input.fillPollSeconds ?? 60,
            accountIds: input.accountIds,
            execution: 'block',
          },
        ],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      }),
    ),
  );
  const blocks = await tradeBlocks(tradeDate, clock, input.fillPollSeconds ?? 60);
  stage('AccountsBooking');
  // A batch none of whose accounts trades has ended already (since the v7 patch,
  // `wait-stages-and-early-end`, such accounts end at once): it cannot take the signal and does
  // not need it.
  await Promise.all(
    handles.map((h) =>
      h.signal(blocksDoneSignal).catch((e: unknown) => {
        log.info('batch took no blocksDone', { workflowId: h.workflowId, error: String(e) });
      }),
    ),
  );
  const results = await Promise.all(handles.map((h) => h.result()));

  const byStage: Record<string, number> = {};
  const confirms = emptyConfirms();
  const failedAccounts: string[] = [];
  let ordersFilled = 0;
  let accounts = 0;
  for (const r of results) {
    accounts += r.accounts;
    ordersFilled += r.ordersFilled;
    failedAccounts.push(...r.failedAccounts);
    for (const [stage, n] of Object.entries(r.byStage)) byStage[stage] = (byStage[stage] ?? 0) + n;
    for (const k of Object.keys(confirms) as (keyof ConfirmSummary)[]) confirms[k] += r.confirms[k];
  }
  stage(failedAccounts.length ? 'CompletedWithFailures' : 'Completed');
  const summary: TradingDayResult = {
    tradeDate,
    status: 'COMPLETED',
    accounts,
    byStage,
    ordersFilled,
    confirms,
    failedAccounts,
    blocks,
  };
  await act.audit({
    actor: 'system',
    action: 'DAY_COMPLETED',
    entity: 'trading-day',
    entityId: tradeDate,
    details: { ...summary },
  });
  return summary;
}

/**
 * Since `buys-at-deadline`: buys wait for the sells at most until `buyDeadline(clock)`. Histories
 * without the marker keep the old order (every sell block ended, then the buys).
 */
export const BUYS_AT_DEADLINE_PATCH = 'buys-at-deadline';

/**
 * At the window: the day's approved legs become one block per symbol and side; the sells go first,
 * and the buys start once every sell block has ended or at the buy deadline, whichever comes first
 * (docs/domain.md §8.6), scaled down for any account whose allocated sells and cash do not cover
 * them. A sell still open at the deadline (a halted security) keeps running beside the buys; the
 * day waits for both.
 */
async function tradeBlocks(
  tradeDate: string,
  clock: DayClock,
  fillPollSeconds: number,
): Promise<BlockSummary> {
  stage('WaitingForWindow');
  await sleep(msUntil(clock.windowOpen));
  stage('TradingBlocks');
  const built = await act.buildBlocks({ tradeDate });
  const summary: BlockSummary = { blocks: 0, filled: 0, carried: 0, refusedAllocations: 0, failed: [] };
  const run = async (refs: BlockRef[]) => {
    const outs: (BlockOrderOutput | undefined)[] = await Promise.all(
      refs.map((b) =>
        startChild(BlockOrder, {
          workflowId: blockOrderWorkflowId(tradeDate, b.symbol, b.side),
          args: [
            {
              tradeDate,
              blockId: b.blockId,
              clock: { windowOpen: clock.windowOpen, windowClose: clock.windowClose },
              fillPollSeconds,
            },
          ],
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        })
          .then((h) => h.result())
          .catch((e: unknown) => {
            // A failed block (its workflow shows why) must not stop the others: its accounts get
            // nothing allocated and end NotTraded; ops see it under WorkflowType="BlockOrder".
            log.error('block failed', { blockId: b.blockId, error: String(e) });
            summary.failed.push(b.blockId);
            return undefined;
          }),
      ),
    );
    for (const o of outs) {
      if (!o) continue;
      summary.blocks++;
      if (isNonZeroQty(o.filledQty)) summary.filled++;
      summary.carried += o.carried;
      summary.refusedAllocations += o.refused;
    }
  };
  const sells = built.filter((b) => b.side === 'SELL');
  const hasBuys = built.some((b) => b.side === 'BUY');
  if (patched(BUYS_AT_DEADLINE_PATCH)) {
    let sellsDone = false;
    const selling = run(sells).then(() => {
      sellsDone = true;
    });
    if (hasBuys) {
      // condition() cancels its timer when the sells end first: no timer is left pending.
      if (sells.length > 0) {
        const wait = msUntil(buyDeadline(clock));
        if (wait > 0) await condition(() => sellsDone, wait);
        if (!sellsDone) log.warn('buys start at the deadline with sells still open', { tradeDate });
      }
      await Promise.all([selling, run(await act.prepareBuyBlocks({ tradeDate }))]);
    } else await selling;
  } else {
    await run(sells);
    if (hasBuys) await run(await act.prepareBuyBlocks({ tradeDate }));
  }
  log.info('blocks done', { tradeDate, ...summary });
  return summary;
}
