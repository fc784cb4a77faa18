/**
 * AccountBatch: `account-batch/{date}/{n}`, one per few hundred accounts. It starts their
 * AccountDay children; since `batch-books-fills` it books the fills of those whose day ended at
 * their approval once the day's blocks are done (./batch-booking.ts; before it, it passed the
 * day's `blocksDone` on to them and each booked its own), matches the next morning's confirms of
 * those that traded (./batch-confirms.ts) and hands the day back counts only, so neither this
 * history nor the day's grows with the number of accounts beyond a batch. What ops see on it:
 * ./batch-panel.ts.
 */
import { ParentClosePolicy, condition, log, setHandler, startChild } from '@temporalio/workflow';
import { type BatchBookResult, type ConfirmSummary, confirmsBroken, emptyConfirms } from '../contracts';
import { AccountDay } from './account-day';
import { bookSteps } from './activity-options';
import { BatchBooking } from './batch-booking';
import { BatchConfirms } from './batch-confirms';
import { BatchPanel } from './batch-panel';
import { accountDayWorkflowId } from './ids';
import { type SkipAccountInput, blocksDoneSignal, skipTodaySignal } from './messages';
import type { AccountBatchInput, AccountBatchResult, AccountDayResult } from './types';

const act = bookSteps();

type Ended = PromiseSettledResult<AccountDayResult>;

export async function AccountBatch(input: AccountBatchInput): Promise<AccountBatchResult> {
  const { tradeDate, range } = input;
  let blocksDone = false;
  const panel = new BatchPanel(tradeDate);
  const confirmsOfBatch = new BatchConfirms(tradeDate, input.clock, panel);
  const booking = new BatchBooking(tradeDate, panel);
  setHandler(
    blocksDoneSignal,
    () => {
      blocksDone = true;
    },
    {
      description:
        'From the day: every block is allocated; the batch books its approved accounts (or passes it on to accounts recorded before `batch-books-fills`). No payload.',
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
  const ended: (Ended | undefined)[] = handles.map(() => undefined);
  let endedCount = 0;
  handles.forEach((h, i) => {
    void h.result().then(
      (value) => {
        ended[i] = { status: 'fulfilled', value };
        endedCount++;
      },
      (reason: unknown) => {
        ended[i] = { status: 'rejected', reason };
        endedCount++;
      },
    );
  });
  const allEnded = () => endedCount === handles.length;
  // Pass the day's "blocks allocated" on to every account still running (a day recorded before
  // `batch-books-fills` books its own fills on it; those already finished cannot take it).
  await condition(() => blocksDone || allEnded());
  if (blocksDone)
    await Promise.all(
      handles.map((h) =>
        h.signal(blocksDoneSignal).catch((e: unknown) => {
          log.info('account took no blocksDone', { workflowId: h.workflowId, error: String(e) });
        }),
      ),
    );

  // Since `batch-books-fills`: accounts whose day ended `Approved` are booked here once the blocks
  // are done. No marker is needed: only a history whose children ran that AccountDay has such results.
  const booked = new Map<string, BatchBookResult>();
  const skipped = new Set<string>();
  const unbooked = () =>
    ended.flatMap((e) =>
      e?.status === 'fulfilled' &&
      e.value.stage === 'Approved' &&
      e.value.proposalId &&
      !booked.has(e.value.accountId) &&
      !skipped.has(e.value.accountId)
        ? [{ accountId: e.value.accountId, proposalId: e.value.proposalId }]
        : [],
    );
  const takeSkip = async (skip: SkipAccountInput) => {
    const i = accounts.findIndex((a) => a.accountId === skip.accountId);
    const e = ended[i];
    if (i < 0) return booking.outcome(skip, 'refused: not an account of this batch');
    if (!e) {
      const sent = await handles[i]!.signal(skipTodaySignal, {
        by: skip.by,
        ...(skip.note ? { note: skip.note } : {}),
      }).then(
        () => true,
        () => false,
      );
      if (sent) return booking.outcome(skip, 'passed on to its day (its status shows whether it was taken)');
      // Its day ended meanwhile (the batch has not seen the result yet): decide once it has.
      await condition(() => ended[i] !== undefined);
      return takeSkip(skip);
    }
    const waiting = unbooked().find((r) => r.accountId === skip.accountId);
    if (!waiting) {
      const stage = e.status === 'fulfilled' ? e.value.stage : 'Failed';
      return booking.outcome(
        skip,
        `refused: its day ended ${stage}${booked.has(skip.accountId) ? ', booked' : ''}`,
      );
    }
    if (blocksDone) return booking.outcome(skip, 'refused: the blocks are done');
    if (await booking.withdraw(skip, waiting.proposalId)) skipped.add(skip.accountId);
  };
  let awaitingShown = false;
  for (;;) {
    for (const skip of booking.takeSkips()) await takeSkip(skip);
    const toBook = unbooked();
    if (blocksDone && toBook.length > 0) {
      for (const [id, r] of await booking.book(toBook)) booked.set(id, r);
      continue;
    }
    if (allEnded() && toBook.length === 0) break;
    if (!blocksDone && toBook.length > 0 && !awaitingShown) {
      panel.show('AwaitingBlocks', {
        summary: "approved accounts wait for the day's blocks; skipAccount until then",
      });
      awaitingShown = true;
    }
    await condition(
      () =>
        booking.skipsAsked ||
        (blocksDone && unbooked().length > 0) ||
        (allEnded() && unbooked().length === 0) ||
        (!blocksDone && !awaitingShown && unbooked().length > 0),
    );
  }

  const settled = ended as Ended[];
  // Accounts whose day ended `Traded` (since `batch-matches-confirms`; a day recorded before it
  // matched its own confirms and ended Confirmed or ConfirmBreak) or that this batch booked: the
  // batch matches them.
  const dayOf = (s: Ended): AccountDayResult | undefined => {
    if (s.status === 'rejected') return undefined;
    const r = s.value;
    if (skipped.has(r.accountId)) return { ...r, stage: 'Skipped', note: 'skipped by ops' };
    const b = booked.get(r.accountId);
    return b?.stage
      ? { ...r, stage: b.stage, filledOrders: b.filledOrders, ...(b.note ? { note: b.note } : {}) }
      : r;
  };
  const days = settled.map(dayOf);
  const traded = days.flatMap((d) => (d?.stage === 'Traded' ? [d.accountId] : []));
  const matched = traded.length > 0 ? await confirmsOfBatch.match(traded) : new Map<string, ConfirmSummary>();
  // Booked (or all skipped) and none traded: the batch's stage says so rather than stay at Booking.
  if (traded.length === 0 && panel.shown)
    panel.show('NotTraded', {
      summary: 'none of its approved accounts traded',
      accounts: booked.size + skipped.size,
    });
  const out: AccountBatchResult = {
    batchNo: range.batchNo,
    accounts: accounts.length,
    byStage: {},
    ordersFilled: 0,
    confirms: emptyConfirms(),
    failedAccounts: [],
  };
  days.forEach((r, i) => {
    if (!r) {
      out.failedAccounts.push(accounts[i]!.accountId);
      out.byStage.Failed = (out.byStage.Failed ?? 0) + 1;
      return;
    }
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
