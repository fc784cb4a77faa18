/**
 * The notifications outbox (table `notifications`, docs/notifications.md): every message is written
 * once, one row per channel and address, under an idempotency key; delivered by `deliver` (the
 * activities that write a message try it at once; the dispatcher, ./dispatcher.ts, sends what is due
 * and retries with back-off).
 *
 * What `deliver` guarantees (docs/notifications.md, "Sent once"). A row is claimed, PENDING →
 * SENDING, in a committed update that only one sender can win, after the SMTP connection is up and
 * right before the message is handed over; SENT is written after the server's 250. So:
 * - a row SENT is never sent again, and two senders (the activity and the dispatcher, two workers)
 *   never both send a row: the second's claim changes nothing and it stops;
 * - a refusal (4xx: again after a back-off; 5xx: FAILED) or a connection that failed before the
 *   hand-over leaves the row PENDING or FAILED: nothing was delivered;
 * - the window between the hand-over and the mark (a crash, a kill -9, a reply that never came) is
 *   where the server may have the message while the row does not say so. An e-mail there is never
 *   sent again by itself: the row ends UNCERTAIN (at once when the reply is missing, after
 *   SEND_LEASE_MS when its sender died), audited, and listed for ops, who resend it if the mailbox
 *   does not have it (`resendNotification`). So an e-mail accepted by the server is delivered at
 *   most once; the price is that a crash inside that window (milliseconds per message) needs a
 *   person to decide. SMTP cannot be asked whether it already took a message, so exactly-once is
 *   not on offer; every attempt carries the same Message-ID should a copy ever be sent by hand.
 * - the notifier (log line, webhook) is at-least-once: a webhook that failed or a sender that died
 *   is tried again, and the Idempotency-Key header lets the receiver drop a repeat.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { writeAudit } from '../activities/audit';
import type { Notifier } from '../activities/notifier';
import { AUDIENCE, type Audience, type NotificationKind, type NotifySettings, TEAM_RECIPIENT } from './kinds';
import { MailError, type MailTransport, isPermanentSmtpError } from './mailer';

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

export type DeliveryOutcome = 'SENT' | 'RETRY' | 'FAILED' | 'CANCELLED' | 'UNCERTAIN' | 'NOT_PENDING';

/**
 * How long a row may stay SENDING before its sender is taken for dead (well above the transport's
 * timeouts: connect 10 s, greeting 10 s, a silent server 30 s).
 */
export const SEND_LEASE_MS = 5 * 60_000;

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

/** Another sender claimed the row first. */
class NotClaimed extends Error {
  override name = 'NotClaimed';
}

/**
 * Sends one row if it is still PENDING (see the guarantee at the top). Never throws for a failed
 * hand-over: the outcome says what happened and the row keeps the error.
 */
export async function deliver(
  db: Knex,
  channels: Channels,
  id: number,
): Promise<{ outcome: DeliveryOutcome; error?: string }> {
  const row: Row | undefined = await db('notifications').where({ id, status: 'PENDING' }).first();
  if (!row) return { outcome: 'NOT_PENDING' };
  if (!(await stillDue(db, row))) {
    const n = await db('notifications')
      .where({ id: row.id, status: 'PENDING' })
      .update({ status: 'CANCELLED' });
    return { outcome: n ? 'CANCELLED' : 'NOT_PENDING' };
  }
  const token = randomUUID();
  let claimed = false;
  /** PENDING → SENDING, committed before anything reaches the server; only one sender wins it. */
  const claim = async () => {
    const n = await db('notifications')
      .where({ id: row.id, status: 'PENDING' })
      .update({ status: 'SENDING', claim_token: token, claimed_at: db.fn.now(), attempts: row.attempts + 1 });
    if (n === 0) throw new NotClaimed();
    claimed = true;
  };
  const attempts = row.attempts + 1;
  try {
    await handOver(channels, row, claim);
  } catch (e) {
    if (e instanceof NotClaimed) return { outcome: 'NOT_PENDING' };
    const error = (e as Error).message || String(e);
    const mine = claimed ? { id: row.id, claim_token: token } : { id: row.id, status: 'PENDING' };
    if (e instanceof MailError && e.inDoubt) {
      await markUncertain(db, row, mine, error);
      return { outcome: 'UNCERTAIN', error };
    }
    const final = attempts >= MAX_ATTEMPTS || (row.channel === 'EMAIL' && isPermanentSmtpError(e));
    await db.transaction(async (trx) => {
      await trx('notifications')
        .where(mine)
        .update({
          attempts,
          last_error: error.slice(0, 2000),
          status: final ? 'FAILED' : 'PENDING',
          claim_token: null,
          next_attempt_at: new Date(Date.now() + backoffMs(attempts)).toISOString(),
        });
      if (final) await auditRow(trx, row, 'NOTIFICATION_FAILED', `failed:${row.idempotency_key}`, { error });
    });
    return { outcome: final ? 'FAILED' : 'RETRY', error };
  }
  await db.transaction(async (trx) => {
    await trx('notifications')
      .where({ id: row.id, claim_token: token })
      .update({ status: 'SENT', sent_at: trx.fn.now(), last_error: null });
    await auditRow(trx, row, row.kind, `sent:${row.idempotency_key}`, {});
  });
  return { outcome: 'SENT' };
}

/** An e-mail the server may have taken: never sent again by itself; ops decide (`resendNotification`). */
async function markUncertain(
  db: Knex,
  row: Row,
  where: Record<string, unknown>,
  error: string,
): Promise<void> {
  await db.transaction(async (trx) => {
    const n = await trx('notifications')
      .where(where)
      .update({ status: 'UNCERTAIN', last_error: error.slice(0, 2000) });
    if (n > 0)
      await auditRow(
        trx,
        row,
        'NOTIFICATION_UNCERTAIN',
        `uncertain:${row.idempotency_key}:${row.attempts + 1}`,
        {
          error,
        },
      );
  });
}

/**
 * Rows whose sender died while SENDING (older than the lease): an e-mail may have reached the server,
 * so it becomes UNCERTAIN (not sent again); a notifier row goes back to PENDING (the webhook carries
 * its Idempotency-Key, so a receiver can drop the repeat). Returns how many rows were recovered.
 */
export async function recoverStale(db: Knex, asOf: Date = new Date()): Promise<number> {
  const cutoff = new Date(asOf.getTime() - SEND_LEASE_MS).toISOString();
  const stale: Row[] = await db('notifications')
    .where({ status: 'SENDING' })
    .where('claimed_at', '<', cutoff);
  for (const row of stale) {
    const where = { id: row.id, status: 'SENDING' };
    const error = `the sender stopped while sending (claimed more than ${SEND_LEASE_MS / 60_000} min ago)`;
    if (row.channel === 'EMAIL')
      await markUncertain(db, { ...row, attempts: row.attempts - 1 }, where, error);
    else
      await db('notifications')
        .where(where)
        .update({ status: 'PENDING', claim_token: null, last_error: error });
  }
  return stale.length;
}

/**
 * Ops' decision on an UNCERTAIN (or FAILED) row after checking the recipient's mailbox: send it
 * again (PENDING, due now), audited with who decided.
 */
export async function resendNotification(db: Knex, id: number, actor: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const n = await trx('notifications')
      .where({ id })
      .whereIn('status', ['UNCERTAIN', 'FAILED'])
      .update({ status: 'PENDING', claim_token: null, next_attempt_at: trx.fn.now() });
    if (n > 0)
      await writeAudit(trx, {
        actor,
        action: 'NOTIFICATION_RESEND',
        entity: 'notification',
        entityId: String(id),
        details: {},
        idempotencyKey: `resend:${id}:${Date.now()}`,
      });
    return n > 0;
  });
}

async function handOver(channels: Channels, row: Row, claim: () => Promise<void>): Promise<void> {
  if (row.channel === 'NOTIFIER') {
    await claim();
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
  await channels.mail.transport.send(
    {
      from: channels.mail.from,
      to: [row.address!],
      subject: p.subject,
      text: p.text,
      html: p.html,
      messageId: row.message_id!,
      date: new Date(row.created_at),
      headers: { 'X-Zoe-Notification': row.kind, 'X-Zoe-Outbox-Key': row.idempotency_key },
    },
    { beforeHandOver: claim },
  );
}

/** A scheduled message that is no longer true is cancelled when due (a reminder of a decided proposal). */
async function stillDue(trx: Knex, row: Row): Promise<boolean> {
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
