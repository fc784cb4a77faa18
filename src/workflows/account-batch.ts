/**
 * AccountBatch: `account-batch/{date}/{n}`, one per few hundred accounts. It starts their
 * AccountDay children and hands the day back counts only, so neither this history nor the
 * day's grows with the number of accounts beyond a batch.
 */
import { ParentClosePolicy, condition, log, setHandler, startChild } from '@temporalio/workflow';
import { emptyConfirms } from '../contracts';
import { AccountDay } from './account-day';
import { bookSteps } from './activity-options';
import { accountDayWorkflowId } from './ids';
import { blocksDoneSignal } from './messages';
import type { AccountBatchInput, AccountBatchResult, AccountDayResult, ConfirmSummary } from './types';

const act = bookSteps();

export async function AccountBatch(input: AccountBatchInput): Promise<AccountBatchResult> {
  const { tradeDate, range } = input;
  let blocksDone = false;
  setHandler(
    blocksDoneSignal,
    () => {
      blocksDone = true;
    },
    {
      description:
        'From the day: every block is allocated; passed on to each account of the batch. No payload.',
    },
  );
  const accounts = await act.listEligibleAccounts({
    tradeDate,
    fromId: range.fromId,
    toId: range.toId,
    accountIds: input.accountIds,
  });
  const handles = await Promise.all(
    accounts.map((a) =>
      startChild(AccountDay, {
        workflowId: accountDayWorkflowId(tradeDate, a.accountId),
        args: [
          {
            ...a,
            tradeDate,
            clock: input.clock,
            fillPollSeconds: input.fillPollSeconds,
            execution: 'block',
          },
        ],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      }),
    ),
  );
  const results = Promise.allSettled(handles.map((h) => h.result()));
  // Pass the day's "blocks allocated" on to every account (those already finished, e.g. a skipped
  // account, cannot take it and do not need it).
  let finished = false;
  void results.then(() => {
    finished = true;
  });
  await condition(() => blocksDone || finished);
  if (blocksDone)
    await Promise.all(
      handles.map((h) =>
        h.signal(blocksDoneSignal).catch((e: unknown) => {
          log.info('account took no blocksDone', { workflowId: h.workflowId, error: String(e) });
        }),
      ),
    );
  const settled = await results;
  const out: AccountBatchResult = {
    batchNo: range.batchNo,
    accounts: accounts.length,
    byStage: {},
    ordersFilled: 0,
    confirms: emptyConfirms(),
    failedAccounts: [],
  };
  settled.forEach((s, i) => {
    if (s.status === 'rejected') {
      out.failedAccounts.push(accounts[i]!.accountId);
      out.byStage.Failed = (out.byStage.Failed ?? 0) + 1;
      return;
    }
    const r: AccountDayResult = s.value;
    out.byStage[r.stage] = (out.byStage[r.stage] ?? 0) + 1;
    out.ordersFilled += r.filledOrders;
    if (r.confirms) {
      for (const k of Object.keys(out.confirms) as (keyof ConfirmSummary)[]) out.confirms[k] += r.confirms[k];
    }
  });
  return out;
}
