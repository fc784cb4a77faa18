/**
 * A four-account day on a real server (dev or cluster) with its clock set to now: cut-off in
 * `cutoffS` seconds, a 19 s window right after, confirms a second later.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { tradingDayWorkflowId } from '../../src/workflows/ids';

export const SHORT_DAY_ACCOUNTS = ['ACC001', 'ACC002', 'ACC003', 'ACC004'];

export function startShortDay(
  client: Client,
  opts: { taskQueue: string; tradeDate: string; cutoffS: number },
): Promise<WorkflowHandle> {
  const at = (s: number) => new Date(Date.now() + s * 1000).toISOString();
  const c = opts.cutoffS;
  return client.workflow.start('DailyTradingDay', {
    taskQueue: opts.taskQueue,
    workflowId: tradingDayWorkflowId(opts.tradeDate),
    args: [
      {
        tradeDate: opts.tradeDate,
        clockOverride: {
          approvalCutoff: at(c),
          windowOpen: at(c + 1),
          windowClose: at(c + 20),
          confirmAt: at(c + 21),
        },
        fillPollSeconds: 2,
        accountIds: SHORT_DAY_ACCOUNTS,
      },
    ],
  });
}
