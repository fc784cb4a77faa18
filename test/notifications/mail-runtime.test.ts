/**
 * `npm start`'s mail (src/cli/runtime.ts openMail): without SMTP_HOST it runs a local SMTP sink and
 * points the workers' SMTP at it, with ops and trading addresses of its own; what is sent there can
 * be read in the sink's web view and in DATA_DIR/mail/sink.mbox. With SMTP_HOST set, no sink.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openMail } from '../../src/cli/runtime';
import { activityPolicy, loadConfig } from '../../src/config';

describe("npm start's mail sink", () => {
  it('runs a sink the workers send to, readable on the web and in the mbox', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zoe-mail-'));
    // The ports of this helper's range (19500 + 8, 9).
    const cfg = loadConfig({ DATA_DIR: dir, MAIL_SINK_PORT: '19508', MAIL_SINK_WEB_PORT: '19509' });
    const mail = await openMail(cfg, { demoClock: true });
    try {
      assert.ok(mail.sink);
      assert.equal(mail.sink.smtpPort, 19508);
      assert.equal(mail.sink.webUrl, 'http://localhost:19509');
      assert.equal(mail.sink.mboxPath, path.join(dir, 'mail', 'sink.mbox'));
      assert.deepEqual(mail.cfg.NOTIFY_OPS_EMAIL, ['ops@zoe.example']);
      assert.equal(mail.cfg.NOTIFY_REMINDER_MINUTES, 1, 'the demo clock reminds a minute before its cut-off');
      const policy = activityPolicy(mail.cfg);
      assert.ok(policy.mail, 'the workers get an SMTP transport');
      await policy.mail.transport.send({
        from: policy.mail.from,
        to: ['ben.okafor@example.com'],
        subject: 'ACC002: a proposal awaits your approval',
        text: 'the proposal',
        html: '<p>the proposal</p>',
        messageId: '<runtime-test@zoe.local>',
        date: new Date(),
      });
      const list = await (await fetch(`${mail.sink.webUrl}/`)).text();
      assert.match(list, /1 message\(s\)/);
      assert.match(list, /ACC002: a proposal awaits your approval/);
      assert.equal(await (await fetch(`${mail.sink.webUrl}/m/1.txt`)).text(), 'the proposal');
      assert.match(
        readFileSync(mail.sink.mboxPath, 'utf8'),
        /Subject: ACC002: a proposal awaits your approval/,
      );
    } finally {
      await mail.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    const real = await openMail(loadConfig({ SMTP_HOST: 'smtp.example.com' }), { demoClock: false });
    assert.equal(real.sink, undefined);
    assert.equal(real.cfg.SMTP_HOST, 'smtp.example.com');
  });
});
