/**
 * DailyTradingDay: started by the Temporal Schedule (or by hand) as `trading-day/{date}`.
 * Checks the calendar, ingests the custodian's morning files, fans out AccountBatch children
 * (`account-batch/{date}/{n}`, up to `batchSize` accounts each), which start one AccountDay per
 * account (`account-day/{date}/{accountId}`); waits for all of them (they run through review,
 * the window and next-morning confirm matching) and returns a summary of counts.
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  log,
  proxyActivities,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { type DayClock, dayClock, holidayName, isTradingDay } from '../domain/calendar';
import { AccountBatch, emptyConfirms } from './account-batch';
import { accountBatchWorkflowId } from './ids';
import { SA } from './search-attributes';
import type { ConfirmSummary, TradingDayInput, TradingDayResult } from './types';

/** Accounts per AccountBatch: small histories, far below Temporal's pending-children limit. */
const DEFAULT_BATCH_SIZE = 200;

const act = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function DailyTradingDay(input: TradingDayInput): Promise<TradingDayResult> {
  const { tradeDate } = input;
  upsertSearchAttributes([
    { key: SA.TradeDate, value: tradeDate },
    { key: SA.Stage, value: 'Starting' },
  ]);

  let open: boolean;
  let clock: DayClock;
  try {
    open = isTradingDay(tradeDate);
    clock = open ? { ...dayClock(tradeDate, input.clockSettings), ...input.clockOverride } : ({} as DayClock);
  } catch (e) {
    throw ApplicationFailure.nonRetryable(`calendar: ${(e as Error).message}`, 'CalendarError');
  }
  if (!open) {
    upsertSearchAttributes([{ key: SA.Stage, value: 'MarketClosed' }]);
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

  upsertSearchAttributes([{ key: SA.Stage, value: 'IngestingFiles' }]);
  await act.ingestMorningFiles({ processDate: tradeDate });

  const batches = await act.planAccountBatches({
    tradeDate,
    batchSize: input.batchSize ?? DEFAULT_BATCH_SIZE,
    accountIds: input.accountIds,
  });
  upsertSearchAttributes([{ key: SA.Stage, value: 'AccountsRunning' }]);
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
          },
        ],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
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
  upsertSearchAttributes([
    { key: SA.Stage, value: failedAccounts.length ? 'CompletedWithFailures' : 'Completed' },
  ]);
  const summary: TradingDayResult = {
    tradeDate,
    status: 'COMPLETED',
    accounts,
    byStage,
    ordersFilled,
    confirms,
    failedAccounts,
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
