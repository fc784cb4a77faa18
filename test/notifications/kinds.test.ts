/**
 * Who hears what, for the kinds the day test does not produce (test/report/day-report.browser.test.ts
 * has the others): a confirm break reaches the account's advisor and ops; a failed step reaches ops
 * once per failure (a retried audit call writes nothing more), with what to send to retry or skip.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedDemoData } from '../../src/demo/seed';
import { notificationsForAudit } from '../../src/notifications/from-audit';
import { DEFAULT_NOTIFY_SETTINGS } from '../../src/notifications/kinds';
import { confirmBreaks } from '../../src/notifications/notify';
import { type TestDb, createTestDb } from '../support/db';

const tradeDate = '2026-12-03';
const ctx = {
  settings: { ...DEFAULT_NOTIFY_SETTINGS, opsEmails: ['ops@zoe.test'], apiUrl: 'http://zoe.test' },
  mailFrom: 'Zoe <zoe@example.com>',
};

describe('who hears what', () => {
  let t: TestDb;
  before(async () => {
    t = await createTestDb();
    await seedDemoData(t.db, { asOf: tradeDate });
  });
  after(async () => t?.drop());

  it('a confirm break: the advisor (their address) and ops, each once, with the differences', async () => {
    await t.db('confirm_matches').insert([
      {
        trade_date: tradeDate,
        account_id: 'ACC002',
        client_order_id: 'C-1',
        custodian_order_id: 'X-1',
        result: 'MATCHED',
        diffs: '[]',
      },
      {
        trade_date: tradeDate,
        account_id: 'ACC002',
        client_order_id: 'C-2',
        custodian_order_id: 'X-2',
        result: 'MISMATCHED',
        diffs: JSON.stringify(['quantity: ours 10.00000, theirs 9.00000']),
      },
    ]);
    const first = await confirmBreaks(t.db, ctx, { tradeDate, accountId: 'ACC002' });
    assert.deepEqual(
      await confirmBreaks(t.db, ctx, { tradeDate, accountId: 'ACC002' }),
      first,
      'written once',
    );
    const rows = await t.db('notifications').whereIn('id', first).orderBy('id');
    const by = rows.map((r) => `${r.kind} ${r.channel} ${r.address ?? r.recipient}`);
    assert.deepEqual(by, [
      'ADVISOR_CONFIRM_BREAK NOTIFIER ADV-BEN',
      'ADVISOR_CONFIRM_BREAK EMAIL ben.okafor@example.com',
      'OPS_CONFIRM_BREAKS NOTIFIER zoe-ops',
      'OPS_CONFIRM_BREAKS EMAIL ops@zoe.test',
    ]);
    const advisorMail = rows[1].payload as { text: string; html: string };
    assert.match(advisorMail.text, /did not match what we traded \(1 difference/);
    assert.match(advisorMail.html, /quantity: ours 10\.00000, theirs 9\.00000/);
    assert.ok(advisorMail.html.includes(`http://zoe.test/report?date=${tradeDate}#account-ACC002`));
    // An account whose confirms all matched: nothing.
    assert.deepEqual(await confirmBreaks(t.db, ctx, { tradeDate, accountId: 'ACC001' }), []);
  });

  it('a failed step: ops, once per failure, with the commands to retry or skip', async () => {
    const entry = {
      actor: 'system',
      action: 'STEP_FAILED',
      entity: 'account-day',
      entityId: `account-day/${tradeDate}/ACC005`,
      details: { step: 'book fills', error: 'book fills: lot ACC005-VTI-1 is short' },
    };
    const a = await notificationsForAudit(t.db, ctx, entry, 'run-1:7');
    assert.deepEqual(
      await notificationsForAudit(t.db, ctx, entry, 'run-1:7'),
      a,
      'a retried call: the same rows',
    );
    const b = await notificationsForAudit(t.db, ctx, entry, 'run-1:12');
    assert.equal(a.length, 2);
    assert.equal(b.length, 2);
    assert.notDeepEqual(a, b, 'a second failure of the account is a second message');
    const mail = await t.db('notifications').whereIn('id', a).where({ channel: 'EMAIL' }).first();
    assert.equal(mail.kind, 'OPS_ACCOUNT_FAILED');
    assert.equal(mail.address, 'ops@zoe.test');
    assert.equal(mail.account_id, 'ACC005');
    assert.match(mail.payload.subject, /ACC005's day .* stopped at "book fills"/);
    assert.match(mail.payload.text, /ops retry --account ACC005/);
    assert.match(mail.payload.text, /ops skip --account ACC005/);
    // Other audit entries write no message.
    assert.deepEqual(
      await notificationsForAudit(t.db, ctx, { ...entry, action: 'SKIP_TODAY' }, 'run-1:13'),
      [],
    );
  });
});
