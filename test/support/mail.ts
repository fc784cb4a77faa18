/**
 * Mail in a workflow test: a real SMTP server in-process (the sink) that the stack's activities
 * send to, the dispatcher beside them, and what the sink received by kind and recipient.
 */
import assert from 'node:assert/strict';
import { channelsOf } from '../../src/activities/notifications';
import { type RunningMailSink, type SunkMail, startMailSink } from '../../src/infra/mail-sink';
import { type RunningDispatcher, startDispatcher } from '../../src/notifications/dispatcher';
import { DEFAULT_NOTIFY_SETTINGS, type NotifySettings } from '../../src/notifications/kinds';
import { smtpTransport } from '../../src/notifications/mailer';
import type { Stack } from './harness';

export const TEST_FROM = 'Zoe trading <zoe@example.com>';

export interface TestMail {
  sink: RunningMailSink;
  dispatcher: RunningDispatcher;
  /** The messages of a kind (X-Zoe-Notification) sent to an address. */
  of(kind: string, to: string): SunkMail[];
  /** Waits until the outbox has nothing due but the reminders (due at real-clock times). */
  drained(): Promise<void>;
  close(): Promise<void>;
}

/** Points the stack's mail at a new sink (ops@zoe.test, trading@zoe.test) and starts the dispatcher. */
export async function mailFor(stack: Stack, notify: Partial<NotifySettings> = {}): Promise<TestMail> {
  const sink = await startMailSink({ port: 0 });
  Object.assign(stack.deps, {
    mail: {
      from: TEST_FROM,
      transport: smtpTransport({ host: '127.0.0.1', port: sink.port, tls: 'none', from: TEST_FROM }),
    },
    notify: {
      ...DEFAULT_NOTIFY_SETTINGS,
      opsEmails: ['ops@zoe.test'],
      tradingEmails: ['trading@zoe.test'],
      digestSeconds: 0,
      ...notify,
    },
  });
  const dispatcher = startDispatcher(stack.t.db, channelsOf(stack.deps), { intervalMs: 300 });
  return {
    sink,
    dispatcher,
    of: (kind, to) =>
      sink.messages.filter(
        (m) => m.parsed.headers.get('x-zoe-notification') === kind && m.envelopeTo.includes(to),
      ),
    async drained() {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const due = await stack.t
          .db('notifications')
          .whereIn('status', ['PENDING', 'SENDING'])
          .whereNot({ kind: 'ADVISOR_APPROVAL_REMINDER' });
        if (due.length === 0) return;
        assert.ok(
          Date.now() < deadline,
          `still pending: ${due.map((d: { kind: string; status: string; last_error: string | null }) => `${d.kind}/${d.status}/${d.last_error}`).join(', ')}`,
        );
        await new Promise((r) => setTimeout(r, 300));
      }
    },
    async close() {
      await dispatcher.stop();
      await sink.close();
    },
  };
}
