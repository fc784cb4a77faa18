/**
 * The authorization matrix of the configuration API: every route × role (ops, trader, an advisor
 * on their own accounts, an advisor on another advisor's), with the firm setting that lets
 * advisors change their accounts' settings off (the default) and on. The test fails when a route
 * of CONFIG_ROUTES has no row here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONFIG_ROUTES } from '../../src/api/config';
import { type ConfigWorld, configWorld, ok } from './config-helpers';

type Who = 'ops' | 'trader' | 'own' | 'other';
interface Call {
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
}
interface Row {
  /** The request; `n` makes it unique where a repeat would not be the same change. */
  call: (who: Who, n: number) => Call;
  expect: Record<Who, number>;
}

const ALL_READ = { ops: 200, trader: 200, own: 200, other: 200 };
const OPS_ONLY = { ops: 200, trader: 403, own: 403, other: 403 };
const SCOPED_READ = { ops: 200, trader: 200, own: 200, other: 404 };

/** ben (ADV-BEN) owns ACC002 (household HH002); ACC001 (HH001) is ADV-ANA's. */
const account = (who: Who) => (who === 'other' ? 'ACC001' : 'ACC002');
const advisor = (who: Who) => (who === 'other' ? 'ADV-ANA' : 'ADV-BEN');
const get = (url: string): Call => ({ method: 'GET', url });
const post = (url: string, body?: unknown): Call => ({ method: 'POST', url, body });

const MATRIX: Record<string, Row> = {
  listModels: { call: () => get('/api/v1/models'), expect: ALL_READ },
  getModel: { call: () => get('/api/v1/models/M6040'), expect: ALL_READ },
  listModelVersions: { call: () => get('/api/v1/models/M6040/versions'), expect: ALL_READ },
  createModel: {
    call: (_w, n) =>
      post('/api/v1/models', { id: `MZ${n}`, name: 'z', targets: [{ symbol: 'VTI', weight: '0.9' }] }),
    expect: OPS_ONLY,
  },
  publishModelVersion: {
    call: (_w, n) =>
      post('/api/v1/models/M3070/versions', {
        targets: [
          { symbol: 'VTI', weight: `0.${String(n).padStart(3, '0')}` },
          { symbol: 'BND', weight: '0.5' },
        ],
      }),
    expect: OPS_ONLY,
  },
  listAccounts: {
    call: (who) => get(`/api/v1/accounts?advisorId=${who === 'other' ? 'ADV-ANA' : 'ADV-BEN'}`),
    expect: { ops: 200, trader: 200, own: 200, other: 403 },
  },
  createAccount: {
    call: (_w, n) =>
      post('/api/v1/accounts', {
        id: `ACCZ${n}`,
        custodianAccountNumber: `3ZZ${String(n).padStart(5, '0')}`,
        name: 'z',
        advisorId: 'ADV-BEN',
        householdId: 'HH002',
        registration: 'TAXABLE',
      }),
    expect: OPS_ONLY,
  },
  getAccountSettings: {
    call: (who) => get(`/api/v1/accounts/${account(who)}/settings`),
    expect: SCOPED_READ,
  },
  changeAccountSettings: {
    call: (who, n) =>
      post(`/api/v1/accounts/${account(who)}/settings`, { overrides: { minTradeUsd: `${50 + n}` } }),
    expect: { ops: 200, trader: 403, own: 403, other: 404 },
  },
  closeAccount: {
    call: (who, n) =>
      post(`/api/v1/accounts/${who === 'ops' ? `ACCC${n}` : account(who)}/close`, { reason: 'gone' }),
    expect: OPS_ONLY,
  },
  accountSettingsHistory: {
    call: (who) => get(`/api/v1/accounts/${account(who)}/settings/history`),
    expect: SCOPED_READ,
  },
  previewAccount: { call: (who) => post(`/api/v1/accounts/${account(who)}/preview`), expect: SCOPED_READ },
  listHouseholds: { call: () => get('/api/v1/households'), expect: ALL_READ },
  getHousehold: {
    call: (who) => get(`/api/v1/households/${who === 'other' ? 'HH001' : 'HH002'}`),
    expect: SCOPED_READ,
  },
  createHousehold: {
    call: (_w, n) => post('/api/v1/households', { id: `HHZ${n}`, name: 'z' }),
    expect: OPS_ONLY,
  },
  changeHousehold: {
    call: (_w, n) => post('/api/v1/households/HH003', { name: `renamed ${n}` }),
    expect: OPS_ONLY,
  },
  listRestrictions: {
    call: (who) => get(`/api/v1/restrictions?advisorId=${who === 'other' ? 'ADV-ANA' : 'ADV-BEN'}`),
    expect: { ops: 200, trader: 200, own: 200, other: 403 },
  },
  addRestriction: {
    call: (_w, n) =>
      post('/api/v1/restrictions', { scope: 'FIRM', symbol: 'VNQ', kind: 'NO_BUY', reason: `r${n}` }),
    expect: OPS_ONLY,
  },
  endRestriction: { call: (_w, n) => post(`/api/v1/restrictions/${n}/end`, {}), expect: OPS_ONLY },
  listSecurities: { call: () => get('/api/v1/securities'), expect: ALL_READ },
  getSecurity: { call: () => get('/api/v1/securities/VTI'), expect: ALL_READ },
  addSecurity: {
    call: (_w, n) =>
      post('/api/v1/securities', {
        symbol: `ZZ${n}`,
        cusip: `ZZ${String(n).padStart(7, '0')}`,
        description: 'z',
        type: 'EQUITY',
        assetClass: 'US_EQUITY',
        fractionable: false,
      }),
    expect: OPS_ONLY,
  },
  changeSecurity: {
    call: (_w, n) => post('/api/v1/securities/VNQ', { description: `Real estate ${n}` }),
    expect: OPS_ONLY,
  },
  listAdvisors: { call: () => get('/api/v1/advisors'), expect: ALL_READ },
  addAdvisor: {
    call: (_w, n) => post('/api/v1/advisors', { id: `ADV-Z${n}`, name: 'z', email: `z${n}@example.com` }),
    expect: OPS_ONLY,
  },
  getFirmSettings: { call: () => get('/api/v1/firm/settings'), expect: ALL_READ },
  changeFirmSettings: {
    call: () => post('/api/v1/firm/settings', { advisorsMayChangeAccountSettings: false }),
    expect: OPS_ONLY,
  },
  listPendingSetup: {
    call: () => get('/api/v1/onboarding'),
    expect: { ops: 200, trader: 200, own: 403, other: 403 },
  },
  getNotifyPrefs: {
    call: (who) => get(`/api/v1/advisors/${advisor(who)}/notifications`),
    expect: SCOPED_READ,
  },
  changeNotifyPrefs: {
    // Alternating, so every call is a change (and an audit row) rather than a repeat.
    call: (who, n) =>
      post(
        `/api/v1/advisors/${advisor(who)}/notifications`,
        n % 2 ? { off: ['ADVISOR_APPROVAL_REMINDER'] } : { on: ['ADVISOR_APPROVAL_REMINDER'] },
      ),
    // An advisor's own inbox: they change it whatever the firm setting says.
    expect: { ops: 200, trader: 403, own: 200, other: 404 },
  },
};

const ROLE: Record<Who, 'ops' | 'trader' | 'ben'> = {
  ops: 'ops',
  trader: 'trader',
  own: 'ben',
  other: 'ben',
};

describe('configuration API: authorization matrix', () => {
  let w: ConfigWorld;
  let n = 0;
  before(async () => {
    w = await configWorld();
    // Accounts for ops to close and restrictions for ops to end, one per call.
    for (let i = 1; i <= 40; i++) {
      await w.t.db('accounts').insert({
        id: `ACCC${i}`,
        custodian_account_number: `3ZC${String(i).padStart(5, '0')}`,
        name: 'to close',
        advisor_id: 'ADV-BEN',
        household_id: 'HH002',
        tax_status: 'TAXABLE',
        status: 'PENDING_SETUP',
      });
      await w.t
        .db('restrictions')
        .insert({ id: i, scope: 'FIRM', symbol: `R${i}`, kind: 'NO_BUY', reason: 'x', created_by: 't' });
    }
    await w.t.db.raw("SELECT setval('restrictions_id_seq', 1000)");
  });
  after(async () => w?.close());

  it('has a row for every configuration route', () => {
    const missing = CONFIG_ROUTES.map((r) => r.operationId).filter((id) => !(id in MATRIX));
    assert.deepEqual(missing, []);
    assert.ok(CONFIG_ROUTES.length >= 28);
  });

  async function check(row: string, who: Who, expected: number): Promise<void> {
    n++;
    const c = MATRIX[row]!.call(who, n);
    const a = await w.send(ROLE[who], c.method, c.url, c.body);
    assert.equal(
      a.status,
      expected,
      `${row} as ${who}: ${c.method} ${c.url} → ${a.status} ${a.text.slice(0, 300)}`,
    );
    if (expected >= 400) {
      assert.match(a.headers.get('content-type') ?? '', /problem\+json/);
      const where =
        expected === 404
          ? /^path\./
          : row === 'listAccounts' || row === 'listRestrictions'
            ? /^query\.advisorId$/
            : /^header\.authorization$/;
      assert.match(a.json.where ?? '', where, `${row} as ${who}: ${a.text}`);
    }
    // Without a token: always 401.
    if (who === 'ops') assert.equal((await w.send(undefined, c.method, c.url, c.body)).status, 401, row);
  }

  for (const who of ['ops', 'trader', 'own', 'other'] as Who[]) {
    it(`every route as ${who} (advisors may not change settings: the default)`, async () => {
      for (const [row, r] of Object.entries(MATRIX)) await check(row, who, r.expect[who]);
    });
  }

  it('with advisorsMayChangeAccountSettings on: an advisor changes their own accounts only', async () => {
    ok(await w.send('ops', 'POST', '/api/v1/firm/settings', { advisorsMayChangeAccountSettings: true }));
    await check('changeAccountSettings', 'own', 200);
    await check('changeAccountSettings', 'other', 404);
    await check('changeAccountSettings', 'trader', 403);
    for (const row of ['closeAccount', 'createAccount', 'publishModelVersion', 'addRestriction']) {
      await check(row, 'own', 403);
    }
    const refused = await w.send('ben', 'POST', '/api/v1/accounts/ACC002/settings', { householdId: 'HH001' });
    assert.equal(refused.status, 403);
    assert.equal(refused.json.where, 'body.householdId');
  });
});
