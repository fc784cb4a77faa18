/**
 * A batch's booking (since `batch-books-fills`): once the day's blocks are allocated, the batch
 * books the fills of every account whose day ended at its approval, in one activity. Each proposal
 * is booked in its own transaction (./booking.ts `bookProposal`, once per order), so one account
 * that cannot be booked comes back with its error while the others are stored; a database error
 * retries the whole activity, which books only what is not booked yet.
 */
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { BatchBookRef, BatchBookResult } from '../contracts';
import { isNonZeroQty } from '../contracts';
import { writeAudit } from './audit';
import { bookProposal } from './booking';
import type { ActivityDeps } from './deps';
import { notifyContextOf } from './notifications';

export function batchBookingActivities(deps: ActivityDeps) {
  const { db } = deps;
  const notifyCtx = notifyContextOf(deps);
  return {
    async bookBatchFills(input: { tradeDate: string; proposals: BatchBookRef[] }): Promise<
      BatchBookResult[]
    > {
      const out: BatchBookResult[] = [];
      for (const [i, ref] of input.proposals.entries()) {
        try {
          out.push(await db.transaction((trx) => bookOne(trx, ref)));
        } catch (e) {
          // The book refused this account (no such proposal, a fill it cannot take): reported, the
          // others go on. Anything else (the database) retries the activity.
          if (!(e instanceof ApplicationFailure && e.nonRetryable)) throw e;
          out.push({ ...ref, error: e.message });
        }
        if ((i + 1) % 50 === 0) heartbeat({ done: i + 1 });
      }
      return out;
    },
  };

  async function bookOne(
    trx: Parameters<typeof bookProposal>[0],
    ref: BatchBookRef,
  ): Promise<BatchBookResult> {
    const { orders } = await bookProposal(trx, notifyCtx, ref.proposalId);
    const filledOrders = orders.filter((o) => isNonZeroQty(o.filled_qty)).length;
    const short = orders.filter((o) => o.status !== 'FILLED').length;
    if (filledOrders > 0)
      return {
        ...ref,
        stage: 'Traded',
        orders: orders.length,
        filledOrders,
        short,
        ...(short > 0 ? { note: `${short} leg(s) not fully filled: carried to tomorrow` } : {}),
      };
    const action = orders.length === 0 ? 'NOT_RELEASED' : 'NOT_FILLED';
    await writeAudit(trx, {
      actor: 'system',
      action,
      entity: 'proposal',
      entityId: ref.proposalId,
      details: { orders: orders.length },
      idempotencyKey: `${action.toLowerCase()}:${ref.proposalId}`,
    });
    return {
      ...ref,
      stage: 'NotTraded',
      orders: orders.length,
      filledOrders: 0,
      short,
      note:
        orders.length === 0
          ? 'approved after the day released its block orders; tomorrow proposes afresh'
          : 'its blocks were not filled (halt or window closed); carried to tomorrow',
    };
  }
}
