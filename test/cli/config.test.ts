/**
 * The CLI twin of the configuration API (src/cli/config.ts): the same operations through the same
 * routes, audited `via: cli` with the name given to --by, and errors that name the flag or the
 * JSON field at fault.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runConfigCommand } from '../../src/cli/config';
import { seedDemoData } from '../../src/demo/seed';
import { type TestDb, createTestDb } from '../support/db';

const DATE = '2026-11-24';

describe('CLI: the configuration commands', () => {
  let t: TestDb;
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runConfigCommand({ db: t.db, today: () => DATE }, argv, {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    const text = out.join('\n');
    return { code, out: text, err: err.join('\n'), json: text ? JSON.parse(text) : undefined };
  };

  before(async () => {
    t = await createTestDb();
    await seedDemoData(t.db, { asOf: DATE });
  });
  after(async () => t?.drop());

  it('reads need no --by; changes do', async () => {
    const list = await run('models', 'list');
    assert.equal(list.code, 0, list.err);
    assert.deepEqual(
      list.json.models.map((m: { id: string }) => m.id),
      ['M3070', 'M6040', 'M8020'],
    );
    const refused = await run('accounts', 'set', 'ACC001', '--mode', 'MANUAL');
    assert.equal(refused.code, 2);
    assert.match(refused.err, /--by NAME/);
  });

  it('accounts set: flags and --set/--clear, audited as the CLI with who', async () => {
    const r = await run(
      'accounts',
      'set',
      'ACC001',
      '--mode',
      'MANUAL',
      '--set',
      'absBand=0.03',
      '--set',
      'tlhEnabled=false',
      '--by',
      'alice',
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(r.json.account.mode, 'MANUAL');
    assert.deepEqual(r.json.account.overrides, { absBand: '0.03', tlhEnabled: false });
    const audit = await t
      .db('audit_log')
      .where({ entity: 'account', entity_id: 'ACC001' })
      .orderBy('id', 'desc')
      .first();
    assert.equal(audit.actor, 'ops:alice');
    assert.equal(audit.details.via, 'cli');
    assert.equal(audit.details.before.mode, 'AUTO');
    const cleared = await run('accounts', 'set', 'ACC001', '--clear', 'absBand', '--by', 'alice');
    assert.deepEqual(cleared.json.account.overrides, { tlhEnabled: false });
    const history = await run('accounts', 'history', 'ACC001');
    assert.equal(history.json.items.filter((i: { via: string }) => i.via === 'cli').length, 2);
    assert.equal(history.json.items[0].via, 'cli');
  });

  it('errors name the flag, the --set key or the JSON field', async () => {
    const mode = await run('accounts', 'set', 'ACC001', '--mode', 'SOMETIMES', '--by', 'alice');
    assert.equal(mode.code, 2);
    assert.match(mode.err, /at --mode: /);
    const band = await run('accounts', 'set', 'ACC001', '--set', 'absBand=2', '--by', 'alice');
    assert.match(band.err, /at --set absBand: /);
    const model = await run('accounts', 'set', 'ACC001', '--model', 'NOPE', '--by', 'alice');
    assert.equal(model.code, 4);
    assert.match(model.err, /not found at --model: model NOPE not found/);
    const json = await run(
      'models',
      'publish',
      'M6040',
      '--json',
      '{"targets":[{"symbol":"VTI","weight":"35"}]}',
      '--by',
      'alice',
    );
    assert.match(json.err, /at --json targets\.0\.weight: /);
    const broken = await run('models', 'publish', 'M6040', '--json', '{"targets":', '--by', 'alice');
    assert.match(broken.err, /--json is not valid JSON/);
    const account = await run('accounts', 'show', 'NOPE');
    assert.match(account.err, /at the accountId argument/);
    const unknown = await run('accounts', 'frobnicate');
    assert.match(unknown.err, /unknown command: accounts frobnicate/);
    const badFlag = await run('accounts', 'list', '--colour', 'red');
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.err, /colour/);
  });

  it('models publish from a file; restrictions add and end; households; securities; firm; onboarding', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zoe-cli-'));
    const file = path.join(dir, 'v2.json');
    writeFileSync(
      file,
      JSON.stringify({
        targets: [
          { symbol: 'VTI', weight: '0.3' },
          { symbol: 'VXUS', weight: '0.2' },
          { symbol: 'BND', weight: '0.48' },
        ],
        settings: { bandRule: 'ABS', absBand: '0.04' },
      }),
    );
    const pub = await run('models', 'publish', 'M6040', '--file', file, '--by', 'bob');
    assert.equal(pub.code, 0, pub.err);
    assert.equal(pub.json.model.currentVersion, 2);
    const add = await run(
      'restrictions',
      'add',
      '--scope',
      'FIRM',
      '--symbol',
      'VNQ',
      '--kind',
      'NO_BUY',
      '--reason',
      'review',
      '--by',
      'bob',
    );
    assert.equal(add.code, 0, add.err);
    const missing = await run(
      'restrictions',
      'add',
      '--scope',
      'ACCOUNT',
      '--symbol',
      'VNQ',
      '--kind',
      'NO_BUY',
      '--reason',
      'x',
      '--by',
      'bob',
    );
    assert.match(missing.err, /at --json accountId|accountId/);
    const end = await run(
      'restrictions',
      'end',
      String(add.json.restriction.id),
      '--ends-on',
      '2026-11-30',
      '--by',
      'bob',
    );
    assert.equal(end.json.restriction.endsOn, '2026-11-30');
    const hh = await run(
      'households',
      'create',
      '--id',
      'HHX',
      '--name',
      'X family',
      '--member',
      'ACC002',
      '--member',
      'ACC005',
      '--by',
      'bob',
    );
    assert.equal(hh.code, 0, hh.err);
    assert.deepEqual(
      hh.json.household.members.map((m: { id: string }) => m.id),
      ['ACC002', 'ACC005'],
    );
    const sec = await run('securities', 'set', 'VNQ', '--json', '{"fractionable":true}', '--by', 'bob');
    assert.equal(sec.json.security.fractionable, true);
    const firm = await run(
      'firm',
      'settings',
      '--set',
      'advisorsMayChangeAccountSettings=true',
      '--by',
      'bob',
    );
    assert.deepEqual(firm.json, { advisorsMayChangeAccountSettings: true });
    const created = await run(
      'accounts',
      'create',
      '--json',
      JSON.stringify({
        id: 'ACC950',
        custodianAccountNumber: '3ZO00950',
        name: 'New',
        advisorId: 'ADV-ANA',
        householdId: 'HH001',
        registration: 'IRA',
      }),
      '--by',
      'bob',
    );
    assert.equal(created.json.account.status, 'PENDING_SETUP');
    const onboarding = await run('ops', 'onboarding');
    assert.deepEqual(
      onboarding.json.accounts.map(
        (a: { id: string; missing: string[] }) => `${a.id}:${a.missing.join('+')}`,
      ),
      ['ACC950:modelId+mode'],
    );
    // Setting it up from the CLI, registration included (onboarding assumes TAXABLE).
    const setUp = await run(
      'accounts',
      'set',
      'ACC950',
      '--registration',
      'ROTH',
      '--model',
      'M6040',
      '--mode',
      'MANUAL',
      '--by',
      'bob',
    );
    assert.equal(setUp.code, 0, setUp.err);
    assert.equal(setUp.json.account.registration, 'ROTH');
    assert.equal(setUp.json.account.status, 'ACTIVE');
    assert.deepEqual((await run('ops', 'onboarding')).json.accounts, []);
    const preview = await run('accounts', 'preview', 'ACC001', '--set', 'rebalanceMode=FULL');
    assert.equal(preview.code, 0, preview.err);
    assert.equal(preview.json.plan.mode, 'FULL');
    const close = await run('accounts', 'close', 'ACC950', '--reason', 'opened by mistake', '--by', 'bob');
    assert.equal(close.json.account.status, 'CLOSED');
  });
});
