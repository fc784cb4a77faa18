/**
 * The notifications outbox with e-mail, against a real SMTP server in-process (the mail sink,
 * `smtp-server`) and a real database:
 * - a proposal's mail has a plain-text and an HTML part; the HTML shows the proposal as the advisor
 *   page does (its legs, reasons, deadline) and links to it; the Message-ID is the row's;
 * - written once (the same key again adds no row), sent once (delivering a SENT row sends nothing);
 * - a server that answers 451 is retried with back-off and the message arrives once; a 550 is
 *   given up at once (FAILED, audited);
 * - a kill -9 between the server's 250 and the mark repeats the message once, with the same
 *   Message-ID and body; a kill before the send sends it once;
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
import { type Channels, backoffMs, deliver } from '../../src/notifications/outbox';
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
  let answers: ({ responseCode: number; message: string } | undefined)[] = [];
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

  async function crashSend(rowId: number, dieAt: 'after-accept' | 'before-send'): Promise<number | null> {
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

  it('killed between the server’s 250 and the mark: sent again once, with the same Message-ID and body; SENT after that', async () => {
    const id = await proposal();
    await proposalAwaitsAdvisor(t.db, ctx, {
      proposalId: id,
      advisorId: 'ADV-BEN',
      deadline: new Date(Date.now() + 3 * 3600_000).toISOString(),
    });
    const [row] = await rowsOf(`notify:${id}:email`);
    const before = sink.messages.length;
    assert.equal(await crashSend(Number(row.id), 'after-accept'), null, 'the sender was killed');
    await sink.waitFor(before + 1);
    const afterCrash = (await rowsOf(`notify:${id}:email`))[0];
    assert.equal(afterCrash.status, 'PENDING', 'the mark was never committed');
    assert.equal(afterCrash.attempts, 0);
    // The next delivery (the dispatcher after the restart) sends it again, then never more.
    assert.equal((await deliver(t.db, channels, Number(row.id))).outcome, 'SENT');
    assert.equal((await deliver(t.db, channels, Number(row.id))).outcome, 'NOT_PENDING');
    await dispatchDue(t.db, channels, { asOf: new Date(Date.now() + 3600_000 * 2) });
    await sink.waitFor(before + 2);
    const copies = sink.messages.filter((m) => m.messageId === row.message_id);
    assert.equal(copies.length, 2, 'exactly one repeat');
    assert.equal(copies[0]!.parsed.text, copies[1]!.parsed.text);
    assert.equal(copies[0]!.parsed.html, copies[1]!.parsed.html);
    assert.equal(copies[0]!.parsed.date?.toISOString(), copies[1]!.parsed.date?.toISOString());
    assert.equal(copies[0]!.subject, copies[1]!.subject);
  });

  it('killed after the claim and before the send: the message arrives once', async () => {
    const id = await proposal();
    await proposalAwaitsAdvisor(t.db, ctx, {
      proposalId: id,
      advisorId: 'ADV-BEN',
      deadline: new Date(Date.now() + 3 * 3600_000).toISOString(),
    });
    const [row] = await rowsOf(`notify:${id}:email`);
    assert.equal(await crashSend(Number(row.id), 'before-send'), null);
    assert.equal((await rowsOf(`notify:${id}:email`))[0].status, 'PENDING');
    const before = sink.messages.length;
    assert.equal((await deliver(t.db, channels, Number(row.id))).outcome, 'SENT');
    await sink.waitFor(before + 1);
    assert.equal(sink.messages.filter((m) => m.messageId === row.message_id).length, 1);
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
