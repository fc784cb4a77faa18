/**
 * DailyTradingDay: started by the Temporal Schedule (or by hand) as `trading-day/{date}`.
 * Checks the calendar, ingests the custodian's morning files, fans out one AccountDay child
 * per eligible account (`account-day/{date}/{accountId}`), waits for all of them (they run
 * through review, the window and next-morning confirm matching) and returns a summary.
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
import { AccountDay } from './account-day';
import { accountDayWorkflowId } from './ids';
import { SA } from './search-attributes';
import type { AccountDayResult, ConfirmSummary, TradingDayInput, TradingDayResult } from './types';

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
  const emptyConfirms: ConfirmSummary = {
    matched: 0,
    matchedWithinTolerance: 0,
    mismatched: 0,
    unmatchedOurs: 0,
    unmatchedTheirs: 0,
  };

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
      confirms: emptyConfirms,
      failedAccounts: [],
    };
  }

  upsertSearchAttributes([{ key: SA.Stage, value: 'IngestingFiles' }]);
  await act.ingestMorningFiles({ processDate: tradeDate });

  const accounts = await act.listEligibleAccounts({ tradeDate, accountIds: input.accountIds });
  upsertSearchAttributes([{ key: SA.Stage, value: 'AccountsRunning' }]);
  const handles = await Promise.all(
    accounts.map((a) =>
      startChild(AccountDay, {
        workflowId: accountDayWorkflowId(tradeDate, a.accountId),
        args: [{ ...a, tradeDate, clock, fillPollSeconds: input.fillPollSeconds ?? 60 }],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      }),
    ),
  );
  const settled = await Promise.allSettled(handles.map((h) => h.result()));

  const byStage: Record<string, number> = {};
  const confirms = { ...emptyConfirms };
  const failedAccounts: string[] = [];
  let ordersFilled = 0;
  settled.forEach((s, i) => {
    if (s.status === 'rejected') {
      failedAccounts.push(accounts[i]!.accountId);
      byStage.Failed = (byStage.Failed ?? 0) + 1;
      return;
    }
    const r: AccountDayResult = s.value;
    byStage[r.stage] = (byStage[r.stage] ?? 0) + 1;
    ordersFilled += r.filledOrders;
    if (r.confirms) {
      for (const k of Object.keys(confirms) as (keyof ConfirmSummary)[]) confirms[k] += r.confirms[k];
    }
  });
  upsertSearchAttributes([
    { key: SA.Stage, value: failedAccounts.length ? 'CompletedWithFailures' : 'Completed' },
  ]);
  const summary: TradingDayResult = {
    tradeDate,
    status: 'COMPLETED',
    accounts: accounts.length,
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
