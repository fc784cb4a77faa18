/**
 * One manual account's day started on its own (no DailyTradingDay around it) and brought to
 * `AwaitingApproval`: the morning's files ingested first, as the day would, then ACC002 (ADV-BEN)
 * started and polled until it waits for its advisor. For tests of what happens at the cut-off.
 */
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { type DayClock, dayClock } from '../../src/domain/calendar';
import { accountDayWorkflowId } from '../../src/workflows/ids';
import { type AccountDayStatus, statusQuery } from '../../src/workflows/messages';
import { type DayFixture, skipToEt } from './harness';

export async function manualDayAwaitingApproval(
  day: DayFixture,
  taskQueue: string,
): Promise<{ handle: WorkflowHandle; clock: DayClock; status: AccountDayStatus; proposalId: string }> {
  const { env, stack, tradeDate } = day;
  const clock = dayClock(tradeDate);
  await skipToEt(env, tradeDate, '06:30');
  await stack.deps.custodian.requestStartOfDayFiles(tradeDate);
  const { createActivities } = await import('../../src/activities');
  await createActivities(stack.deps).ingestMorningFiles({ processDate: tradeDate });
  const handle = await env.client.workflow.start('AccountDay', {
    taskQueue,
    workflowId: accountDayWorkflowId(tradeDate, 'ACC002'),
    args: [
      { accountId: 'ACC002', advisorId: 'ADV-BEN', mode: 'MANUAL', tradeDate, clock, fillPollSeconds: 60 },
    ],
  });
  let status = await handle.query(statusQuery);
  for (let i = 0; i < 600 && status.stage !== 'AwaitingApproval'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = await handle.query(statusQuery);
  }
  assert.equal(status.stage, 'AwaitingApproval');
  return { handle, clock, status, proposalId: status.proposal!.id };
}
