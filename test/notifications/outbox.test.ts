/**
 * The notifications outbox with e-mail, against a real SMTP server in-process (the mail sink,
 * `smtp-server`) and a real database:
 * - a proposal's mail has a plain-text and an HTML part; the HTML shows the proposal as the advisor
 *   page does (its legs, reasons, deadline) and links to it; the Message-ID is the row's;
 * - written once (the same key again adds no row), sent once (delivering a SENT row sends nothing);
 * - a server that answers 451 is retried with back-off and the message arrives once; a 550 is
 *   given up at once (FAILED, audited);
 * - a kill -9 between the server's 250 and the mark never sends a second copy (the row ends
 *   UNCERTAIN for ops, who may resend it: same Message-ID and body); a kill before the claim sends
 *   it once; a reply that never comes is UNCERTAIN; a dead server is retried; two senders, one copy;
 * - the dispatcher sends what is due, not a reminder before its time, and cancels the reminder
 *   of a proposal decided meanwhile; an advisor's opt-out and NOTIFY_DISABLED write nothing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ROOT_DIR } from '../../src/config';
import { seedDemoData } from '../../src/demo/seed';
import { type RunningMailSink, startMailSink } from '../../src/infra/mail-sink';
import { dispatchDue } from '../../src/notifications/dispatcher';
import { DEFAULT_NOTIFY_SETTINGS, type NotifySettings } from '../../src/notifications/kinds';
import { smtpTransport } from '../../src/notifications/mailer';
import { proposalAwaitsAdvisor } from '../../src/notifications/notify';
import {
  type Channels,
  SEND_LEASE_MS,
  backoffMs,
  deliver,
  resendNotification,
} from '../../src/notifications/outbox';
import { type TestDb, createTestDb } from '../support/db';

const FROM = 'Zoe trading <zoe@example.com>';
const tradeDate = '2026-12-02';
const settings: NotifySettings = {
  ...DEFAULT_NOTIFY_SETTINGS,
  apiUrl: 'http://advisor.test',
  reminderMinutes: 30,
};

describe('notifications outbox with e-mail', () => {
  let t: TestDb;
  let sink: RunningMailSink;
  let answers: ({ responseCode: number; message: string } | 'stall' | undefined)[] = [];
  let channels: Channels;
  let seq = 0;

  before(async () => {
    t = await createTestDb();
    await seedDemoData(t.db, { asOf: tradeDate });
    sink = await startMailSink({ port: 0, answer: () => answers.shift() });
    channels = {
      notifier: async () => {},
      mail: {
        from: FROM,
        transport: smtpTransport({ host: '127.0.0.1', port: sink.port, tls: 'none', from: FROM }),
      },
    };
  });
  after(async () => {
    channels?.mail?.transport.close();
    await sink?.close();
    await t?.drop();
  });
  beforeEach(() => {
    answers = [];
  });

  /** A pending proposal of ACC002 (advisor ADV-BEN) with two legs, under a fresh id. */
  async function proposal(deadlineInMs = 3 * 3600_000): Promise<string> {
    // proposals are one per account and date: each test's on its own date
    const date = `2027-01-${String(++seq).padStart(2, '0')}`;
    const id = `P${date.replaceAll('-', '')}-ACC002`;
    await t.db('proposals').insert({
      id,
      account_id: 'ACC002',
      trade_date: date,
      version: 1,
      status: 'PENDING_APPROVAL',
      model_id: 'M6040',
      model_version: 1,
      reasons: JSON.stringify([{ code: 'DRIFT', message: 'DRIFT: VTI 7.1pp over target' }]),
      plan: JSON.stringify({ tax: { realizedST: '0.00', realizedLT: '120.50', estTax: '18.08' } }),
      expires_at: new Date(Date.now() + deadlineInMs).toISOString(),
    });
    await t.db('proposal_legs').insert([
      {
        proposal_id: id,
        leg_no: 1,
        symbol: 'VTI',
        side: 'SELL',
        qty: '10.00000',
        est_price: '250.000000',
        est_notional: '2500.00',
        reasons: JSON.stringify(['sell VTI <over band>']),
      },
      {
        proposal_id: id,
        leg_no: 2,
        symbol: 'BND',
        side: 'BUY',
        qty: '33.00000',
        est_price: '75.000000',
        est_notional: '2475.00',
        reasons: JSON.stringify(['buy BND']),
      },
    ]);
    return id;
  }

  const rowsOf = (key: string) =>
    t.db('notifications').where('idempotency_key', 'like', `${key}%`).orderBy('id');
  const ctx = { settings, mailFrom: FROM };

  it('a proposal mail: text and HTML parts, the proposal as on the advisor page, a link to it, the row’s Message-ID; written and sent once', async () => {
    const id = await proposal();
    const deadline = new Date(Date.now() + 3 * 3600_000).toISOString();
    const first = await proposalAwaitsAdvisor(t.db, ctx, { proposalId: id, advisorId: 'ADV-BEN', deadline });
    const again = await proposalAwaitsAdvisor(t.db, ctx, { proposalId: id, advisorId: 'ADV-BEN', deadline });
    assert.deepEqual(again, first, 'the same message again is the same rows');
    assert.equal(first.now.length, 2, 'one notifier row and one e-mail row');
    assert.equal(first.reminder.length, 2, 'and a reminder on each channel');
    const before = sink.messages.length;
    for (const rowId of first.now) assert.equal((await deliver(t.db, channels, rowId)).outcome, 'SENT');
    for (const rowId of first.now)
      assert.equal((await deliver(t.db, channels, rowId)).outcome, 'NOT_PENDING');
    const [mail] = await sink.waitFor(before + 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(sink.messages.length, before + 1, 'one message, however often delivered');
    const got = sink.messages.at(-1)!;
    const row = (await rowsOf(`notify:${id}:email`))[0];
    assert.equal(row.status, 'SENT');
    assert.equal(got.messageId, row.message_id);
    assert.deepEqual(got.envelopeTo, ['ben.okafor@example.com']);
    assert.match(got.subject, /^ACC002: a proposal awaits your approval by /);
    const text = got.parsed.text ?? '';
    assert.match(text, /SELL\s+VTI\s+10\.00000\s+\$250\.00\s+\$2,500\.00/);
    assert.match(text, /BUY\s+BND\s+33\.00000\s+\$75\.00\s+\$2,475\.00/);
    assert.match(text, /estimated tax \$18\.08/);
    assert.ok(text.includes(`http://advisor.test/#proposal=${id}`), 'the text part has the link');
    const html = String(got.parsed.html);
    assert.ok(html.includes(`data-proposal-id="${id}"`));
    assert.equal((html.match(/<tr>/g) ?? []).length, 3, 'a header row and the two legs');
    assert.ok(html.includes('sell VTI &lt;over band&gt;'), 'reasons are escaped');
    assert.ok(html.includes(`href="http://advisor.test/#proposal=${id}"`));
    assert.ok(html.includes('AccountId%3D%22ACC002%22'), 'a link to the Temporal UI filtered to the account');
    assert.ok(mail);
  });

  it('a 451 is retried with back-off and arrives once; a 550 is given up at once and audited', async () => {
    const id = await proposal();
    const { now } = await proposalAwaitsAdvisor(t.db, ctx, {
      proposalId: id,
      advisorId: 'ADV-BEN',
      deadline: new Date(Date.now() + 3 * 3600_000).toISOString(),
    });
    const [emailRow] = await rowsOf(`notify:${id}:email`);
    answers = [
      { responseCode: 451, message: 'try later' },
      { responseCode: 451, message: 'try later' },
    ];
    const before = sink.messages.length;
    const r1 = await deliver(t.db, channels, Number(emailRow.id));
    assert.equal(r1.outcome, 'RETRY');
    assert.match(r1.error ?? '', /451/);
    let row = (await rowsOf(`notify:${id}:email`))[0];
    assert.equal(row.attempts, 1);
    const wait = new Date(row.next_attempt_at).getTime() - Date.now();
    assert.ok(wait > backoffMs(1) - 2000 && wait <= backoffMs(1), `next attempt in ~5 s (${wait} ms)`);
    // Not due yet: the dispatcher leaves it; due later (a clock past the back-off): sent.
    assert.equal((await dispatchDue(t.db, channels)).SENT >= 0, true);
    row = (await rowsOf(`notify:${id}:email`))[0];
    assert.equal(row.status, 'PENDING');
    await dispatchDue(t.db, channels, { asOf: new Date(Date.now() + 60_000) }); // second 451
    await dispatchDue(t.db, channels, { asOf: new Date(Date.now() + 10 * 60_000) }); // delivered
    row = (await rowsOf(`notify:${id}:email`))[0];
    assert.equal(row.status, 'SENT');
    assert.equal(row.attempts, 3);
    assert.equal(sink.messages.filter((m) => m.messageId === row.message_id).length, 1);
    assert.equal(sink.messages.length, before + 1);
    assert.ok(now.length > 0);

    const id2 = await proposal();
    await proposalAwaitsAdvisor(t.db, ctx, {
      proposalId: id2,
      advisorId: 'ADV-BEN',
      deadline: new Date(Date.now() + 3 * 3600_000).toISOString(),
    });
    const [row2] = await rowsOf(`notify:${id2}:email`);
    answers = [{ responseCode: 550, message: 'no such mailbox' }];
    assert.equal((await deliver(t.db, channels, Number(row2.id))).outcome, 'FAILED');
    assert.equal((await rowsOf(`notify:${id2}:email`))[0].status, 'FAILED');
    const audit = await t
      .db('audit_log')
      .where({ action: 'NOTIFICATION_FAILED', entity_id: String(row2.id) });
    assert.equal(audit.length, 1);
    assert.match(JSON.stringify(audit[0].details), /550/);
  });

  async function crashSend(rowId: number, dieAt: 'after-accept' | 'before-claim'): Promise<number | null> {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(ROOT_DIR, 'test/support/crash-send.ts'),
        JSON.stringify({ databaseUrl: t.url, smtpPort: sink.port, rowId, dieAt }),
      ],
      { cwd: ROOT_DIR, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve) =>
      child.on('exit', (c, sig) => resolve(sig ? null : c)),
    );
    assert.equal(out.includes('survived'), false);
    return code;
  }

  async function awaitingRow(): Promise<{ id: number; message_id: string; key: string }> {
    const id = await proposal();
    await proposalAwaitsAdvisor(t.db, ctx, {
      proposalId: id,
      advisorId: 'ADV-BEN',
      deadline: new Date(Date.now() + 3 * 3600_000).toISOString(),
    });
    const [row] = await rowsOf(`notify:${id}:email`);
    return { id: Number(row.id), message_id: row.message_id, key: `notify:${id}:email` };
  }
  const copiesOf = (messageId: string) => sink.messages.filter((m) => m.messageId === messageId);
  const later = (ms: number) => new Date(Date.now() + ms);

  it('killed between the server’s 250 and the mark: never sent a second time; UNCERTAIN for ops, who may resend it', async () => {
    const row = await awaitingRow();
    const before = sink.messages.length;
    assert.equal(await crashSend(row.id, 'after-accept'), null, 'the sender was killed');
    await sink.waitFor(before + 1);
    let r = (await rowsOf(row.key))[0];
    assert.equal(r.status, 'SENDING', 'claimed, and the mark was never written');
    // Another sender (the dispatcher after the restart) does not send it.
    assert.equal((await deliver(t.db, channels, row.id)).outcome, 'NOT_PENDING');
    await dispatchDue(t.db, channels);
    assert.equal((await rowsOf(row.key))[0].status, 'SENDING', 'within the lease: left alone');
    // Past the lease: the sender is taken for dead, and the row for a mail the server may have.
    await dispatchDue(t.db, channels, { asOf: later(SEND_LEASE_MS + 60_000) });
    r = (await rowsOf(row.key))[0];
    assert.equal(r.status, 'UNCERTAIN');
    const audit = await t
      .db('audit_log')
      .where({ action: 'NOTIFICATION_UNCERTAIN', entity_id: String(row.id) });
    assert.equal(audit.length, 1);
    await dispatchDue(t.db, channels, { asOf: later(3 * 3600_000) });
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(copiesOf(row.message_id).length, 1, 'one copy, however often the dispatcher runs');
    // Ops checked the mailbox and decided to send it again: the same Message-ID, body and date.
    assert.equal(await resendNotification(t.db, row.id, 'ops:test'), true);
    assert.equal((await deliver(t.db, channels, row.id)).outcome, 'SENT');
    await sink.waitFor(before + 2);
    const copies = copiesOf(row.message_id);
    assert.equal(copies.length, 2);
    assert.equal(copies[0]!.parsed.text, copies[1]!.parsed.text);
    assert.equal(copies[0]!.parsed.html, copies[1]!.parsed.html);
    assert.equal(copies[0]!.parsed.date?.toISOString(), copies[1]!.parsed.date?.toISOString());
  });

  it('killed once connected and before the claim: the row is still PENDING and the message arrives once', async () => {
    const row = await awaitingRow();
    const before = sink.messages.length;
    assert.equal(await crashSend(row.id, 'before-claim'), null);
    const r = (await rowsOf(row.key))[0];
    assert.equal(r.status, 'PENDING');
    assert.equal(r.attempts, 0);
    assert.equal(sink.messages.length, before, 'nothing reached the server');
    assert.equal((await deliver(t.db, channels, row.id)).outcome, 'SENT');
    await sink.waitFor(before + 1);
    assert.equal(copiesOf(row.message_id).length, 1);
  });

  it('a reply that never comes after the hand-over: UNCERTAIN at once, not sent again', async () => {
    const row = await awaitingRow();
    const impatient: Channels = {
      notifier: async () => {},
      mail: {
        from: FROM,
        transport: smtpTransport({
          host: '127.0.0.1',
          port: sink.port,
          tls: 'none',
          from: FROM,
          socketTimeoutMs: 800,
        }),
      },
    };
    answers = ['stall'];
    const before = sink.messages.length;
    const r = await deliver(t.db, impatient, row.id);
    assert.equal(r.outcome, 'UNCERTAIN', r.error);
    assert.equal((await rowsOf(row.key))[0].status, 'UNCERTAIN');
    await dispatchDue(t.db, channels, { asOf: later(3 * 3600_000) });
    await new Promise((res) => setTimeout(res, 300));
    assert.ok(sink.messages.length > before);
    assert.equal(copiesOf(row.message_id).length, 1, 'the server has it once');
  });

  it('no server listening: nothing was handed over, so PENDING with back-off; two senders at once send it once', async () => {
    const row = await awaitingRow();
    const closed = await startMailSink({ port: 0 });
    const deadPort = closed.port;
    await closed.close();
    const nowhere: Channels = {
      notifier: async () => {},
      mail: {
        from: FROM,
        transport: smtpTransport({ host: '127.0.0.1', port: deadPort, tls: 'none', from: FROM }),
      },
    };
    const r = await deliver(t.db, nowhere, row.id);
    assert.equal(r.outcome, 'RETRY', r.error);
    const pending = (await rowsOf(row.key))[0];
    assert.equal(pending.status, 'PENDING');
    assert.equal(pending.attempts, 1);
    const before = sink.messages.length;
    const both = await Promise.all([deliver(t.db, channels, row.id), deliver(t.db, channels, row.id)]);
    assert.deepEqual(both.map((b) => b.outcome).sort(), ['NOT_PENDING', 'SENT']);
    await sink.waitFor(before + 1);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(copiesOf(row.message_id).length, 1);
  });

  it('the reminder waits for its time, and a decided proposal’s reminder is cancelled', async () => {
    const id = await proposal(90 * 60_000); // the cut-off in 90 minutes: reminder due in 60
    const id2 = await proposal(90 * 60_000);
    for (const p of [id, id2])
      await proposalAwaitsAdvisor(t.db, ctx, {
        proposalId: p,
        advisorId: 'ADV-BEN',
        deadline: new Date(Date.now() + 90 * 60_000).toISOString(),
      });
    await dispatchDue(t.db, channels); // the first messages
    const remind = async (p: string) => (await rowsOf(`remind:${p}`)).map((r) => r.status);
    assert.deepEqual(await remind(id), ['PENDING', 'PENDING'], 'not due yet');
    await t.db('proposals').where({ id: id2 }).update({ status: 'APPROVED' });
    const before = sink.messages.length;
    await dispatchDue(t.db, channels, { asOf: new Date(Date.now() + 61 * 60_000) });
    assert.deepEqual(await remind(id), ['SENT', 'SENT']);
    assert.deepEqual(await remind(id2), ['CANCELLED', 'CANCELLED']);
    await sink.waitFor(before + 1);
    assert.equal(sink.messages.length, before + 1);
    assert.match(sink.messages.at(-1)!.subject, /^Reminder: ACC002's proposal expires at /);
  });

  it('an advisor’s opt-out and NOTIFY_DISABLED write nothing for that kind', async () => {
    await t
      .db('advisors')
      .where({ id: 'ADV-BEN' })
      .update({ notify_opt_out: JSON.stringify(['ADVISOR_APPROVAL_REMINDER']) });
    const id = await proposal();
    const r = await proposalAwaitsAdvisor(t.db, ctx, {
      proposalId: id,
      advisorId: 'ADV-BEN',
      deadline: new Date(Date.now() + 3 * 3600_000).toISOString(),
    });
    assert.equal(r.now.length, 2);
    assert.deepEqual(r.reminder, []);
    const id2 = await proposal();
    const off = { ...ctx, settings: { ...settings, disabled: ['ADVISOR_APPROVAL_NEEDED' as const] } };
    const r2 = await proposalAwaitsAdvisor(t.db, off, {
      proposalId: id2,
      advisorId: 'ADV-BEN',
      deadline: new Date(Date.now() + 3 * 3600_000).toISOString(),
    });
    assert.deepEqual(r2.now, []);
    await t.db('advisors').where({ id: 'ADV-BEN' }).update({ notify_opt_out: '[]' });
  });
});
