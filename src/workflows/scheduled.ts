/**
 * ScheduledTradingDay: what the Temporal Schedule starts every weekday morning (ET). It works
 * out the trade date from its own start time and starts `trading-day/{date}` as a child, so the
 * day keeps its deterministic id; a holiday ends here, and a day already started is left alone.
 */
import { ParentClosePolicy, WorkflowIdReusePolicy, executeChild, log } from '@temporalio/workflow';
import { isTradingDay, utcToEtDate } from '../domain/calendar';
import { tradingDayWorkflowId } from './ids';
import { calendarFailure } from './market-calendar';
import { DailyTradingDay } from './trading-day';
import type { TradingDayInput, TradingDayResult } from './types';

export async function ScheduledTradingDay(
  base: Omit<TradingDayInput, 'tradeDate'> = {},
): Promise<TradingDayResult | { tradeDate: string; status: 'MARKET_CLOSED' | 'ALREADY_STARTED' }> {
  const tradeDate = utcToEtDate(new Date(Date.now()).toISOString());
  let open: boolean;
  try {
    open = isTradingDay(tradeDate);
  } catch (e) {
    // Beyond the calendar's coverage: fail the run with what to do, not the workflow task forever.
    throw calendarFailure(e);
  }
  if (!open) {
    log.info('market closed today', { tradeDate });
    return { tradeDate, status: 'MARKET_CLOSED' };
  }
  try {
    return await executeChild(DailyTradingDay, {
      workflowId: tradingDayWorkflowId(tradeDate),
      args: [{ ...base, tradeDate }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (e) {
    if ((e as Error).name === 'WorkflowExecutionAlreadyStartedError')
      return { tradeDate, status: 'ALREADY_STARTED' };
    throw e;
  }
}
