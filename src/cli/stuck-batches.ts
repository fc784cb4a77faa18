/**
 * `ops stuck`, the batches (since `batch-books-fills` an approved account's day has ended, so the
 * accounts list cannot show where its booking stands): an AccountBatch in Stage `Failed` needs
 * someone (its memo names the accounts; ops send `retry` to the batch), one in `Booking` is stuck
 * when its `bookBatchFills` activity retries or its attempt has run past the threshold.
 * `AwaitingBlocks` is not listed: a batch waits there all morning by design, and whether the
 * blocks are late is the day's own Stage (`TradingBlocks`, `trading-day/{date}`); the batch
 * records no time it entered a stage that would tell more.
 */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { SA } from '../workflows/search-attributes';

export interface StuckBatch {
  workflowId: string;
  stage: string;
  /** Minutes the current booking attempt has run (Booking); absent when not known. */
  minutes?: number;
  reason: string;
}

/** What `describe()` says of a batch's pending activity. */
export interface PendingStep {
  activity: string;
  attempt: number;
  /** When the current attempt started (ms), if it has. */
  startedAt?: number;
  lastFailure?: string;
}

/** Whether a batch in `stage` is stuck, and why (pure: from its memo and pending activities). */
export function batchStuck(
  stage: string,
  memo: Record<string, unknown> | undefined,
  pending: PendingStep[],
  thresholdMinutes: number,
  now: number,
): Omit<StuckBatch, 'workflowId' | 'stage'> | undefined {
  if (stage === 'Failed') {
    const summary = typeof memo?.summary === 'string' ? memo.summary : 'accounts could not be done';
    return { reason: `${summary} (the memo's failed lists them and why)` };
  }
  if (stage !== 'Booking') return undefined;
  const booking = pending.find((p) => p.activity === 'bookBatchFills');
  if (!booking) return undefined;
  const minutes =
    booking.startedAt === undefined ? undefined : Math.floor((now - booking.startedAt) / 60_000);
  const retrying = booking.attempt > 1;
  if (!retrying && (minutes === undefined || minutes < thresholdMinutes)) return undefined;
  const why = retrying
    ? `bookBatchFills attempt ${booking.attempt}${booking.lastFailure ? `: ${booking.lastFailure}` : ''}`
    : 'bookBatchFills still running';
  return {
    ...(minutes === undefined ? {} : { minutes }),
    reason: `${why} (Pending Activities in the UI)`,
  };
}

export async function findStuckBatches(
  client: Client,
  tradeDate: string,
  thresholdMinutes: number,
  now = Date.now(),
): Promise<StuckBatch[]> {
  const query = `WorkflowType="AccountBatch" AND TradeDate="${tradeDate}" AND ExecutionStatus="Running" AND Stage IN ("Booking", "Failed")`;
  const out: StuckBatch[] = [];
  for await (const wf of client.workflow.list({ query })) {
    const d = await client.workflow.getHandle(wf.workflowId).describe();
    const stage = d.typedSearchAttributes.get(SA.Stage) ?? '';
    const pending = (d.raw.pendingActivities ?? []).map((a) => ({
      activity: a.activityType?.name ?? '',
      attempt: a.attempt ?? 1,
      ...(a.lastStartedTime ? { startedAt: tsToMs(a.lastStartedTime) } : {}),
      ...(a.lastFailure?.message ? { lastFailure: a.lastFailure.message } : {}),
    }));
    const stuck = batchStuck(stage, d.memo, pending, thresholdMinutes, now);
    if (stuck) out.push({ workflowId: wf.workflowId, stage, ...stuck });
  }
  return out;
}

/** The line `ops stuck` prints for a batch, in the accounts' style. */
export function stuckBatchLine(b: StuckBatch): string {
  return `${b.workflowId}  ${b.stage}${b.minutes === undefined ? '' : ` for ${b.minutes} min`}  ${b.reason}`;
}
