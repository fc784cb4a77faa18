/**
 * The notifications outbox (table `notifications`, docs/notifications.md): every message is written
 * once, one row per channel and address, under an idempotency key; delivered by `deliver` (the
 * activities that write a message try it at once; the dispatcher, ./dispatcher.ts, sends what is due
 * and retries with back-off).
 *
 * What `deliver` guarantees. The row is claimed with `SELECT … FOR UPDATE SKIP LOCKED` in a
 * transaction that stays open while the message is handed to the server, and SENT is written and
 * committed in that same transaction right after the server's 250. So:
 * - a row marked SENT is never sent again, and two senders (the activity and the dispatcher, two
 *   workers) never send one row at the same time: the second does not see it;
 * - a failed hand-over (no 250) rolls nothing forward: attempts, the error and the next attempt's
 *   time are written, the row stays PENDING;
 * - the one window left is between the server's 250 and the COMMIT (a crash, a lost connection to
 *   PostgreSQL): the row is still PENDING and is sent again, once per such crash, with the same
 *   Message-ID, Date, subject and body, so the receiving mail systems can recognise the copy (and
 *   many fold it into the first). That is at-least-once with a fixed identity, not exactly-once:
 *   SMTP has no way to ask a server whether it already took a message.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { writeAudit } from '../activities/audit';
import type { Notifier } from '../activities/notifier';
import { AUDIENCE, type Audience, type NotificationKind, type NotifySettings, TEAM_RECIPIENT } from './kinds';
import { type MailTransport, isPermanentSmtpError } from './mailer';

/** How a message leaves: the notifier (a log line, and the webhook when configured) and e-mail. */
export interface Channels {
  notifier: Notifier;
  mail?: { transport: MailTransport; from: string };
}

export interface Email {
  subject: string;
  text: string;
  html: string;
}

export interface OutboxMessage {
  kind: NotificationKind;
  /** The message's idempotency key (e.g. `notify:{proposalId}`); each row's key derives from it. */
  key: string;
  tradeDate?: string;
  accountId?: string;
  /** An advisor's message: whose (their address and opt-outs are in `advisors`). */
  advisorId?: string;
  /** The facts, as the webhook receives them. */
  payload: Record<string, unknown>;
  email: Email;
  /** Not sent before this instant (a reminder, a digest). */
  notBefore?: string;
}

/** Attempts before a row is given up (FAILED, audited); about 3 hours with the back-off below. */
export const MAX_ATTEMPTS = 20;

/** The wait after the n-th failed attempt: 5 s, 10 s, 20 s … up to 15 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(15 * 60_000, 5_000 * 2 ** Math.max(0, attempts - 1));
}

/** A Message-ID fixed by the row's idempotency key: every attempt and any repeat carry it. */
export function messageIdFor(rowKey: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'zoe.local';
  return `<${createHash('sha256').update(rowKey).digest('hex').slice(0, 32)}@${domain}>`;
}

interface Recipients {
  notifier?: string;
  emails: string[];
}

async function recipientsOf(
  db: Knex,
  settings: NotifySettings,
  m: OutboxMessage,
  audience: Audience,
): Promise<Recipients> {
  if (audience !== 'advisor')
    return {
      notifier: TEAM_RECIPIENT[audience],
      emails: audience === 'ops' ? settings.opsEmails : settings.tradingEmails,
    };
  if (!m.advisorId) throw new Error(`${m.kind}: an advisor's message needs its advisorId`);
  const a: { email: string; notify_opt_out: unknown } | undefined = await db('advisors')
    .where({ id: m.advisorId })
    .first('email', 'notify_opt_out');
  const optOut = Array.isArray(a?.notify_opt_out) ? (a.notify_opt_out as string[]) : [];
  if (optOut.includes(m.kind)) return { emails: [] };
  return { notifier: m.advisorId, emails: a?.email ? [a.email] : [] };
}

/**
 * Writes the message's rows once (a key already written is left as it is): one for the notifier and
 * one per e-mail address (when SMTP is configured), unless the kind is turned off for everyone or
 * the advisor opted out. Returns the ids of the message's rows.
 */
export async function enqueue(
  db: Knex,
  ctx: { settings: NotifySettings; mailFrom?: string },
  m: OutboxMessage,
): Promise<number[]> {
  if (ctx.settings.disabled.includes(m.kind)) return [];
  const to = await recipientsOf(db, ctx.settings, m, AUDIENCE[m.kind]);
  const common = {
    kind: m.kind,
    trade_date: m.tradeDate ?? null,
    account_id: m.accountId ?? null,
    ...(m.notBefore ? { not_before: m.notBefore, next_attempt_at: m.notBefore } : {}),
  };
  const rows: Record<string, unknown>[] = [];
  if (to.notifier)
    rows.push({
      ...common,
      idempotency_key: m.key,
      channel: 'NOTIFIER',
      recipient: to.notifier,
      payload: JSON.stringify(m.payload),
    });
  if (ctx.mailFrom)
    for (const address of to.emails) {
      const key = `${m.key}:email:${address.toLowerCase()}`;
      rows.push({
        ...common,
        idempotency_key: key,
        channel: 'EMAIL',
        recipient: to.notifier ?? address,
        address,
        message_id: messageIdFor(key, ctx.mailFrom),
        payload: JSON.stringify({ ...m.email, facts: m.payload }),
      });
    }
  if (rows.length === 0) return [];
  await db('notifications').insert(rows).onConflict('idempotency_key').ignore();
  const ids: { id: string }[] = await db('notifications')
    .whereIn(
      'idempotency_key',
      rows.map((r) => r.idempotency_key as string),
    )
    .orderBy('id')
    .select('id');
  return ids.map((r) => Number(r.id));
}

export type DeliveryOutcome = 'SENT' | 'RETRY' | 'FAILED' | 'CANCELLED' | 'NOT_PENDING';

interface Row {
  id: string;
  idempotency_key: string;
  kind: string;
  channel: 'NOTIFIER' | 'EMAIL';
  recipient: string;
  address: string | null;
  message_id: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  created_at: Date;
}

/**
 * Sends one row if it is still PENDING and nobody else is sending it (see the guarantee above).
 * Never throws for a failed hand-over: the outcome says what happened and the row keeps the error.
 */
export async function deliver(
  db: Knex,
  channels: Channels,
  id: number,
): Promise<{ outcome: DeliveryOutcome; error?: string }> {
  return db.transaction(async (trx) => {
    const row: Row | undefined = await trx('notifications')
      .where({ id, status: 'PENDING' })
      .forUpdate()
      .skipLocked()
      .first();
    if (!row) return { outcome: 'NOT_PENDING' };
    if (!(await stillDue(trx, row))) {
      await trx('notifications').where({ id: row.id }).update({ status: 'CANCELLED' });
      return { outcome: 'CANCELLED' };
    }
    const attempts = row.attempts + 1;
    try {
      await handOver(channels, row);
    } catch (e) {
      const error = (e as Error).message || String(e);
      const final = attempts >= MAX_ATTEMPTS || (row.channel === 'EMAIL' && isPermanentSmtpError(e));
      await trx('notifications')
        .where({ id: row.id })
        .update({
          attempts,
          last_error: error.slice(0, 2000),
          status: final ? 'FAILED' : 'PENDING',
          next_attempt_at: new Date(Date.now() + backoffMs(attempts)).toISOString(),
        });
      if (final) await auditRow(trx, row, 'NOTIFICATION_FAILED', `failed:${row.idempotency_key}`, { error });
      return { outcome: final ? 'FAILED' : 'RETRY', error };
    }
    await trx('notifications')
      .where({ id: row.id })
      .update({ attempts, status: 'SENT', sent_at: trx.fn.now(), last_error: null });
    await auditRow(trx, row, row.kind, `sent:${row.idempotency_key}`, {});
    return { outcome: 'SENT' };
  });
}

async function handOver(channels: Channels, row: Row): Promise<void> {
  if (row.channel === 'NOTIFIER') {
    await channels.notifier({
      kind: row.kind,
      recipient: row.recipient,
      payload: row.payload,
      idempotencyKey: row.idempotency_key,
    });
    return;
  }
  if (!channels.mail) throw new Error('no SMTP server is configured (SMTP_HOST)');
  const p = row.payload as unknown as Email;
  await channels.mail.transport.send({
    from: channels.mail.from,
    to: [row.address!],
    subject: p.subject,
    text: p.text,
    html: p.html,
    messageId: row.message_id!,
    date: new Date(row.created_at),
    headers: { 'X-Zoe-Notification': row.kind, 'X-Zoe-Outbox-Key': row.idempotency_key },
  });
}

/** A scheduled message that is no longer true is cancelled when due (a reminder of a decided proposal). */
async function stillDue(trx: Knex.Transaction, row: Row): Promise<boolean> {
  if (row.kind !== 'ADVISOR_APPROVAL_REMINDER') return true;
  const facts = (row.channel === 'EMAIL' ? row.payload.facts : row.payload) as { proposalId?: string };
  const p = await trx('proposals')
    .where({ id: facts?.proposalId ?? '' })
    .first('status', 'expires_at');
  return p?.status === 'PENDING_APPROVAL' && new Date(p.expires_at).getTime() > Date.now();
}

async function auditRow(
  trx: Knex.Transaction,
  row: Row,
  action: string,
  idempotencyKey: string,
  extra: Record<string, unknown>,
): Promise<void> {
  const details =
    row.channel === 'EMAIL'
      ? {
          channel: 'EMAIL',
          recipient: row.address,
          messageId: row.message_id,
          subject: (row.payload as { subject?: string }).subject,
          ...extra,
        }
      : { recipient: row.recipient, ...row.payload, ...extra };
  await writeAudit(trx, {
    actor: 'system',
    action,
    entity: 'notification',
    entityId: String(row.id),
    details,
    idempotencyKey,
  });
}
