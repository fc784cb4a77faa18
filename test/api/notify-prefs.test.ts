/**
 * Advisors' notification opt-outs through the API and the CLI (docs/notifications.md): an advisor
 * changes their own, ops anyone's, a trader nobody's; bad kinds are refused naming where; every
 * change is audited with before and after; the outbox then writes nothing of an opted-out kind
 * for that advisor, and writes it again once turned back on. (Route × role: config-authz.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runConfigCommand } from '../../src/cli/config';
import { DEFAULT_NOTIFY_SETTINGS } from '../../src/notifications/kinds';
import { enqueue } from '../../src/notifications/outbox';
import { type ConfigWorld, DATE, configWorld, lastAudit, ok } from './config-helpers';
import { assertProblem } from './helpers';

describe('notification preferences', () => {
  let w: ConfigWorld;
  before(async () => {
    w = await configWorld();
  });
  after(async () => w?.close());

  const URL = '/api/v1/advisors/ADV-BEN/notifications';
  let n = 0;
  /** An ADV-BEN message of `kind` through the outbox, with e-mail on: the rows it writes. */
  const written = async (kind: 'ADVISOR_NOT_FILLED' | 'ADVISOR_APPROVAL_REMINDER') =>
    enqueue(
      w.t.db,
      { settings: DEFAULT_NOTIFY_SETTINGS, mailFrom: 'Zoe <zoe@example.com>' },
      {
        kind,
        key: `prefs-test:${++n}`,
        advisorId: 'ADV-BEN',
        accountId: 'ACC002',
        payload: {},
        email: { subject: 's', text: 't', html: '<p>h</p>' },
      },
    );

  it('an advisor reads and changes their own; audited; the outbox follows', async () => {
    const read = await w.send('ben', 'GET', URL);
    ok(read);
    assert.deepEqual(read.json.optOut, []);
    assert.equal(read.json.receives.length, 5);
    assert.equal((await written('ADVISOR_NOT_FILLED')).length, 2, 'notifier and e-mail rows');

    const off = await w.send('ben', 'POST', URL, {
      off: ['ADVISOR_NOT_FILLED', 'ADVISOR_APPROVAL_REMINDER'],
    });
    ok(off);
    assert.deepEqual(off.json.optOut, ['ADVISOR_APPROVAL_REMINDER', 'ADVISOR_NOT_FILLED']);
    assert.equal(off.json.changed, true);
    assert.ok(!off.json.receives.includes('ADVISOR_NOT_FILLED'));
    const audit = await lastAudit(w.t, 'advisor', 'ADV-BEN');
    assert.equal(audit.action, 'ADVISOR_NOTIFY_PREFS_CHANGED');
    assert.equal(audit.actor, 'ADV-BEN');
    assert.equal(audit.details.via, 'api');
    assert.deepEqual(audit.details.before, { optOut: [] });
    assert.deepEqual(audit.details.after, { optOut: ['ADVISOR_APPROVAL_REMINDER', 'ADVISOR_NOT_FILLED'] });
    assert.deepEqual(await written('ADVISOR_NOT_FILLED'), [], 'opted out: nothing written');

    const again = await w.send('ben', 'POST', URL, { off: ['ADVISOR_NOT_FILLED'] });
    ok(again);
    assert.equal(again.json.changed, false, 'so already: no change');
    assert.equal((await lastAudit(w.t, 'advisor', 'ADV-BEN')).id, audit.id, 'and no audit row');

    const on = await w.send('ben', 'POST', URL, { on: ['ADVISOR_NOT_FILLED'] });
    ok(on);
    assert.deepEqual(on.json.optOut, ['ADVISOR_APPROVAL_REMINDER']);
    assert.equal((await written('ADVISOR_NOT_FILLED')).length, 2, 'back on: written again');
    assert.deepEqual(await written('ADVISOR_APPROVAL_REMINDER'), []);
  });

  it('ops change anyone’s, a trader nobody’s, an advisor not another’s; bad input names where', async () => {
    const ops = await w.send('ops', 'POST', '/api/v1/advisors/ADV-ANA/notifications', {
      off: ['ADVISOR_CONFIRM_BREAK'],
    });
    ok(ops);
    assert.equal((await lastAudit(w.t, 'advisor', 'ADV-ANA')).actor, 'ops:desk');
    assertProblem(
      await w.send('trader', 'POST', URL, { off: ['ADVISOR_CONFIRM_BREAK'] }),
      403,
      'header.authorization',
    );
    assertProblem(
      await w.send('ben', 'POST', '/api/v1/advisors/ADV-ANA/notifications', {
        on: ['ADVISOR_CONFIRM_BREAK'],
      }),
      404,
      'path.advisorId',
    );
    assertProblem(
      await w.send('ben', 'GET', '/api/v1/advisors/ADV-ANA/notifications'),
      404,
      'path.advisorId',
    );
    assertProblem(
      await w.send('ops', 'GET', '/api/v1/advisors/ADV-NOPE/notifications'),
      404,
      'path.advisorId',
    );
    // Not an advisor's kind (the desk's), a kind in both lists, nothing asked, an unknown field.
    assertProblem(await w.send('ops', 'POST', URL, { off: ['OPS_DAY_SUMMARY'] }), 400, 'body.off.0');
    assertProblem(
      await w.send('ops', 'POST', URL, { off: ['ADVISOR_NOT_FILLED'], on: ['ADVISOR_NOT_FILLED'] }),
      400,
      'body.on.0',
    );
    assertProblem(await w.send('ops', 'POST', URL, {}), 400, 'body');
    assertProblem(await w.send('ops', 'POST', URL, { optOut: [] }), 400, 'body.optOut');
  });

  it('the CLI: notify prefs shows and changes them, as ops with --by; errors name the flag', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const run = async (...argv: string[]) => {
      out.length = 0;
      err.length = 0;
      const code = await runConfigCommand({ db: w.t.db, today: () => DATE }, argv, {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
      });
      return { code, json: out.length ? JSON.parse(out.join('\n')) : undefined, err: err.join('\n') };
    };
    const show = await run('notify', 'prefs', 'ADV-CHLOE');
    assert.equal(show.code, 0, show.err);
    assert.deepEqual(show.json.optOut, []);
    const noBy = await run('notify', 'prefs', 'ADV-CHLOE', '--off', 'ADVISOR_APPROVAL_REMINDER');
    assert.equal(noBy.code, 2);
    assert.match(noBy.err, /--by/);
    const set = await run(
      'notify',
      'prefs',
      'ADV-CHLOE',
      '--off',
      'ADVISOR_APPROVAL_REMINDER,ADVISOR_PROPOSAL_EXPIRED',
      '--by',
      'jane',
    );
    assert.equal(set.code, 0, set.err);
    assert.deepEqual(set.json.optOut, ['ADVISOR_APPROVAL_REMINDER', 'ADVISOR_PROPOSAL_EXPIRED']);
    const audit = await lastAudit(w.t, 'advisor', 'ADV-CHLOE');
    assert.equal(audit.actor, 'ops:jane');
    assert.equal(audit.details.via, 'cli');
    const bad = await run('notify', 'prefs', 'ADV-CHLOE', '--on', 'NOPE', '--by', 'jane');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /at --on\.0/);
    const missing = await run('notify', 'prefs', 'ADV-NOPE');
    assert.equal(missing.code, 4);
  });
});
