/** Where notifications go: always a log line; a webhook too when NOTIFY_WEBHOOK_URL is set. */
import { Context } from '@temporalio/activity';

export interface Notification {
  kind: string;
  recipient: string;
  payload: Record<string, unknown>;
  idempotencyKey: string;
}

export type Notifier = (n: Notification) => Promise<void>;

/**
 * The activity's log line; outside an activity (the outbox dispatcher) there is none to write to,
 * and the outbox row and its audit entry are the record.
 */
export const logNotifier: Notifier = async (n) => {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    return;
  }
  ctx.log.info('notification', { kind: n.kind, recipient: n.recipient, ...n.payload });
};

/**
 * POSTs the notification as JSON with an `Idempotency-Key` header; any non-2xx answer or a
 * network error throws, so the activity retries with back-off. Delivery is at least once:
 * the receiver de-duplicates on the key if a crash falls between delivery and bookkeeping.
 */
export function webhookNotifier(url: string, timeoutMs = 10_000): Notifier {
  return async (n) => {
    await logNotifier(n);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': n.idempotencyKey },
      body: JSON.stringify({ kind: n.kind, recipient: n.recipient, ...n.payload }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`webhook ${url} answered ${res.status}`);
  };
}
