/**
 * The orchestration floor: a workflow tree of the same shape as the trading day, doing nothing.
 * NoopDay (like DailyTradingDay: ingest, plan, fan out, `blocksDone` to every batch, audit) →
 * NoopBatch per `batchSize` children (like AccountBatch since `batch-books-fills`: one listing
 * activity, the children, then once they have all ended the day's `blocksDone`, one booking
 * activity for the batch's approved accounts and one confirm matching) → NoopAccount, one trivial
 * activity each, ending there as an approved AccountDay ends at its decision (it takes no signal). Runs on its own worker and task
 * queue (bench/day/worker-child.ts).
 */
import {
  ParentClosePolicy,
  condition,
  defineSignal,
  log,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';

export interface NoopActivities {
  noop(): Promise<void>;
}

const act = proxyActivities<NoopActivities>({ startToCloseTimeout: '1 minute' });

/** The day's "every block is allocated", as src/workflows/messages.ts `blocksDoneSignal`. */
export const noopBlocksDone = defineSignal('blocksDone');

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
  // The blocks (no-op: the floor has no market) are done: every batch is told, as the day tells them.
  await Promise.all(
    handles.map((h) =>
      h.signal(noopBlocksDone).catch((e: unknown) => {
        log.info('batch took no blocksDone', { workflowId: h.workflowId, error: String(e) });
      }),
    ),
  );
  const done = await Promise.all(handles.map((h) => h.result()));
  await act.noop(); // audit
  return done.reduce((a, b) => a + b, 0);
}

export async function NoopBatch(input: { from: number; count: number }): Promise<number> {
  const batch = workflowInfo().workflowId;
  let blocksDone = false;
  setHandler(noopBlocksDone, () => {
    blocksDone = true;
  });
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
  // Every account's day has ended at its decision (all approved: the floor's case). AccountBatch
  // passes `blocksDone` on only to children still running when it comes (days recorded before
  // `batch-books-fills`), so none here: the batch waits for the day's blocks, then books.
  await condition(() => blocksDone);
  await act.noop(); // book the batch's approved accounts' fills (bookBatchFills)
  await act.noop(); // match the batch's confirms (matchBatchConfirms)
  return settled.filter((s) => s.status === 'fulfilled').length;
}

export async function NoopAccount(): Promise<void> {
  await act.noop(); // its review, up to the decision: the day ends there
}
