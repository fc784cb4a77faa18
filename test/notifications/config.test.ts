/** The notification settings (docs/notifications.md): SMTP and who hears what, validated at the edge. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activityPolicy, loadConfig, mailSettings, notifySettings } from '../../src/config';

describe('notification configuration', () => {
  it('no SMTP_HOST: no e-mail; SMTP settings and teams from the environment', () => {
    assert.equal(mailSettings(loadConfig({})), undefined);
    assert.equal(activityPolicy(loadConfig({})).mail, undefined);
    const cfg = loadConfig({
      SMTP_HOST: 'smtp.example.com',
      SMTP_PORT: '465',
      SMTP_TLS: 'tls',
      SMTP_USER: 'zoe',
      SMTP_PASSWORD: 'secret',
      SMTP_FROM: 'Zoe <zoe@example.com>',
      NOTIFY_OPS_EMAIL: 'ops@example.com, ops2@example.com',
      NOTIFY_DISABLED: 'ADVISOR_APPROVAL_REMINDER,OPS_DAY_SUMMARY',
      PUBLIC_API_URL: 'https://zoe.example.com/',
    });
    assert.deepEqual(mailSettings(cfg), {
      host: 'smtp.example.com',
      port: 465,
      tls: 'tls',
      auth: { user: 'zoe', pass: 'secret' },
      from: 'Zoe <zoe@example.com>',
    });
    const s = notifySettings(cfg);
    assert.deepEqual(s.opsEmails, ['ops@example.com', 'ops2@example.com']);
    assert.deepEqual(s.disabled, ['ADVISOR_APPROVAL_REMINDER', 'OPS_DAY_SUMMARY']);
    assert.equal(s.apiUrl, 'https://zoe.example.com');
    assert.ok(activityPolicy(cfg).mail);
  });

  it('refuses an unknown kind, a bad address and half the SMTP credentials, saying which and why', () => {
    assert.throws(
      () =>
        loadConfig({
          NOTIFY_DISABLED: 'OPS_DAY_SUMMARY,NOT_A_KIND',
          NOTIFY_TRADING_EMAIL: 'trading@example.com,nobody',
          SMTP_USER: 'zoe',
        }),
      (e: Error) =>
        /NOTIFY_DISABLED: NOT_A_KIND is not a notification kind/.test(e.message) &&
        /NOTIFY_TRADING_EMAIL: nobody is not an e-mail address/.test(e.message) &&
        /SMTP_USER: set both SMTP_USER and SMTP_PASSWORD/.test(e.message),
    );
    assert.throws(() => loadConfig({ SMTP_TLS: 'maybe' }), /SMTP_TLS/);
  });
});
