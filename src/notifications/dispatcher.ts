/**
 * The outbox dispatcher: every few seconds (NOTIFY_DISPATCH_SECONDS) it sends the rows that are due
 * (PENDING, past `not_before` and past their back-off), oldest first, one at a time through
 * `deliver` (./outbox.ts), after it has recovered the rows of senders that died while sending. It runs in every worker process; several at once share the rows (a
 * row being sent is locked and skipped by the others).
 */
import type { Knex } from 'knex';
import { type Channels, type DeliveryOutcome, deliver, recoverStale } from './outbox';

export type DispatchCounts = Record<DeliveryOutcome, number>;

/** Sends what is due now (or at `asOf`, a test's clock); returns what became of each row. */
export async function dispatchDue(
  db: Knex,
  channels: Channels,
  opts: { limit?: number; asOf?: Date } = {},
): Promise<DispatchCounts> {
  await recoverStale(db, opts.asOf);
  const at = opts.asOf ? opts.asOf.toISOString() : db.fn.now();
  const due: { id: string }[] = await db('notifications')
    .where({ status: 'PENDING' })
    .where('not_before', '<=', at)
    .where('next_attempt_at', '<=', at)
    .orderBy('id')
    .limit(opts.limit ?? 100)
    .select('id');
  const counts: DispatchCounts = {
    SENT: 0,
    RETRY: 0,
    FAILED: 0,
    CANCELLED: 0,
    UNCERTAIN: 0,
    NOT_PENDING: 0,
  };
  for (const r of due) counts[(await deliver(db, channels, Number(r.id))).outcome]++;
  return counts;
}

export interface RunningDispatcher {
  /** Resolves after the round under way (if any) has ended. */
  stop(): Promise<void>;
}

export function startDispatcher(
  db: Knex,
  channels: Channels,
  opts: { intervalMs: number; onError?: (e: unknown) => void },
): RunningDispatcher {
  let stopped = false;
  let round: Promise<void> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    round = dispatchDue(db, channels)
      .then(
        () => undefined,
        (e) => opts.onError?.(e),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, opts.intervalMs);
      });
  };
  let timer: NodeJS.Timeout = setTimeout(tick, 0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
  };
}
