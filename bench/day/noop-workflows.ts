/**
 * The orchestration floor: a workflow tree of the same shape as the trading day, doing nothing.
 * NoopDay (like DailyTradingDay: ingest, plan, fan out, audit) → NoopBatch per `batchSize`
 * children (like AccountBatch: one listing activity, the children, one confirm matching) → NoopAccount, one
 * trivial activity each. Runs on its own worker and task queue (bench/day/worker-child.ts).
 */
import { ParentClosePolicy, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';

export interface NoopActivities {
  noop(): Promise<void>;
}

const act = proxyActivities<NoopActivities>({ startToCloseTimeout: '1 minute' });

export interface NoopDayInput {
  accounts: number;
  batchSize: number;
}

export async function NoopDay(input: NoopDayInput): Promise<number> {
  const day = workflowInfo().workflowId;
  await act.noop(); // ingest
  await act.noop(); // plan batches
  const batches = Math.ceil(input.accounts / input.batchSize);
  const handles = await Promise.all(
    Array.from({ length: batches }, (_, b) =>
      startChild(NoopBatch, {
        workflowId: `${day}/batch/${b}`,
        args: [
          {
            from: b * input.batchSize,
            count: Math.min(input.batchSize, input.accounts - b * input.batchSize),
          },
        ],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      }),
    ),
  );
  const done = await Promise.all(handles.map((h) => h.result()));
  await act.noop(); // audit
  return done.reduce((a, b) => a + b, 0);
}

export async function NoopBatch(input: { from: number; count: number }): Promise<number> {
  const batch = workflowInfo().workflowId;
  await act.noop(); // list the batch's accounts
  const handles = await Promise.all(
    Array.from({ length: input.count }, (_, i) =>
      startChild(NoopAccount, {
        workflowId: `${batch}/account/${input.from + i}`,
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      }),
    ),
  );
  const settled = await Promise.allSettled(handles.map((h) => h.result()));
  await act.noop(); // match the batch's confirms
  return settled.filter((s) => s.status === 'fulfilled').length;
}

export async function NoopAccount(): Promise<void> {
  await act.noop();
}
