/**
 * AccountBatch: `account-batch/{date}/{n}`, one per few hundred accounts. It starts their
 * AccountDay children, passes the day's `blocksDone` on to them, matches the next morning's
 * confirms of those that traded (./batch-confirms.ts) and hands the day back counts only, so
 * neither this history nor the day's grows with the number of accounts beyond a batch.
 */
import { ParentClosePolicy, condition, log, setHandler, startChild } from '@temporalio/workflow';
import { type ConfirmSummary, confirmsBroken, emptyConfirms } from '../contracts';
import { AccountDay } from './account-day';
import { bookSteps } from './activity-options';
import { BatchConfirms } from './batch-confirms';
import { accountDayWorkflowId } from './ids';
import { blocksDoneSignal } from './messages';
import type { AccountBatchInput, AccountBatchResult, AccountDayResult } from './types';

const act = bookSteps();

export async function AccountBatch(input: AccountBatchInput): Promise<AccountBatchResult> {
  const { tradeDate, range } = input;
  let blocksDone = false;
  const confirmsOfBatch = new BatchConfirms(tradeDate, input.clock);
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
  // Accounts whose day ended `Traded` (since `batch-matches-confirms`; a day recorded before it
  // matched its own confirms and ended Confirmed or ConfirmBreak): the batch matches them. No
  // marker is needed here: only a history whose children ran the new AccountDay has such results.
  const traded = settled.flatMap((s) =>
    s.status === 'fulfilled' && s.value.stage === 'Traded' ? [s.value] : [],
  );
  const matched =
    traded.length > 0
      ? await confirmsOfBatch.match(traded.map((r) => r.accountId))
      : new Map<string, ConfirmSummary>();
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
    const confirms = r.confirms ?? matched.get(r.accountId);
    const stage =
      r.stage === 'Traded' && confirms ? (confirmsBroken(confirms) ? 'ConfirmBreak' : 'Confirmed') : r.stage;
    out.byStage[stage] = (out.byStage[stage] ?? 0) + 1;
    out.ordersFilled += r.filledOrders;
    if (confirms) {
      for (const k of Object.keys(out.confirms) as (keyof ConfirmSummary)[]) out.confirms[k] += confirms[k];
    }
  });
  return out;
}
