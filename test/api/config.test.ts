/**
 * The configuration API (issue #13), route by route: valid calls and what they write (the book,
 * the audit log with who, through what, before and after), invalid calls answered with a problem
 * naming where, and when a change takes effect. The authorization matrix is in config-authz.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadSnapshot } from '../../src/activities/snapshot';
import {
  AccountChange,
  AccountList,
  AccountSettings,
  HouseholdChange,
  ModelCreated,
  ModelList,
  ModelPublished,
  ModelVersionList,
  PendingSetupList,
  PreviewOut,
  RestrictionChange,
  SettingsHistory,
} from '../../src/api/config/schemas';
import { type ConfigWorld, DATE, configWorld, lastAudit, ok } from './config-helpers';
import { assertProblem, assertShape, insertProposal } from './helpers';

describe('configuration API', () => {
  let w: ConfigWorld;
  before(async () => {
    w = await configWorld();
  });
  after(async () => w?.close());

  describe('models', () => {
    it('list, one, versions: the seeded models with their settings and accounts', async () => {
      const list = await w.send('trader', 'GET', '/api/v1/models');
      ok(list);
      assertShape(ModelList, list.json);
      const m = list.json.models.find((x: { id: string }) => x.id === 'M6040');
      assert.equal(m.currentVersion, 1);
      assert.deepEqual(m.current.settings, { bandRule: 'ABS', absBand: '0.05' });
      assert.deepEqual(
        m.current.targets.map((t: { symbol: string; weight: string }) => `${t.symbol}=${t.weight}`),
        ['BND=0.4', 'VTI=0.35', 'VXUS=0.23'],
      );
      assert.equal(m.accounts, 7);
      ok(await w.send('ben', 'GET', '/api/v1/models/M6040'));
      const versions = await w.send('ana', 'GET', '/api/v1/models/M6040/versions');
      ok(versions);
      assertShape(ModelVersionList, versions.json);
      assertProblem(await w.send('ops', 'GET', '/api/v1/models/NOPE'), 404, 'path.modelId');
      assertProblem(await w.send('ops', 'GET', '/api/v1/models/a%20b'), 400, 'path.modelId');
    });

    it('create: by security and by asset class, audited with who and through what', async () => {
      const body = {
        id: 'MGROWTH',
        name: 'Growth 90/10',
        targets: [
          { symbol: 'VTI', weight: '0.6', alternates: ['ITOT', 'SCHB'] },
          { symbol: 'VXUS', weight: '0.3', assetClass: 'INTL_EQUITY', alternates: ['IXUS'] },
          { symbol: 'BND', weight: '0.08' },
        ],
        settings: { bandRule: 'REL', relBand: '0.2', cashTarget: '0.02', rebalanceMode: 'TO_BAND' },
        note: 'first version',
      };
      const a = await w.send('ops', 'POST', '/api/v1/models', body);
      ok(a);
      assertShape(ModelCreated, a.json);
      assert.equal(a.json.model.current.version, 1);
      assert.deepEqual(a.json.model.current.targets[2], {
        symbol: 'VXUS',
        weight: '0.3',
        assetClass: 'INTL_EQUITY',
        alternates: ['IXUS'],
      });
      const audit = await lastAudit(w.t, 'model', 'MGROWTH');
      assert.equal(audit.action, 'MODEL_CREATED');
      assert.equal(audit.actor, 'ops:desk');
      assert.equal(audit.details.via, 'api');
      assert.equal(audit.details.before, null);
      assert.equal(audit.details.after.settings.bandRule, 'REL');
      assertProblem(await w.send('ops', 'POST', '/api/v1/models', body), 409, 'body.id');
    });

    it('create refuses what the engine or the book would not take, naming where', async () => {
      const base = { id: 'MBAD', name: 'bad', targets: [{ symbol: 'VTI', weight: '0.5' }] };
      const cases: [unknown, number, string][] = [
        [
          {
            ...base,
            targets: [
              { symbol: 'VTI', weight: '0.5' },
              { symbol: 'NOPE', weight: '0.4' },
            ],
          },
          400,
          'body.targets.1.symbol',
        ],
        [{ ...base, targets: [{ symbol: 'VTI', weight: '35' }] }, 400, 'body.targets.0.weight'],
        [
          {
            ...base,
            targets: [
              { symbol: 'VTI', weight: '0.6' },
              { symbol: 'BND', weight: '0.6' },
            ],
          },
          400,
          'body.targets',
        ],
        [
          {
            ...base,
            targets: [
              { symbol: 'VTI', weight: '0.5' },
              { symbol: 'VTI', weight: '0.4' },
            ],
          },
          400,
          'body.targets.1.symbol',
        ],
        [
          { ...base, targets: [{ symbol: 'VTI', weight: '0.5', alternates: ['VTI'] }] },
          400,
          'body.targets.0.alternates.0',
        ],
        [
          { ...base, targets: [{ symbol: 'VTI', weight: '0.5', assetClass: 'US_BONDS' }] },
          400,
          'body.targets.0.symbol',
        ],
        [
          { ...base, targets: [{ symbol: 'VTI', weight: '0.5', alternates: ['NOPE'] }] },
          400,
          'body.targets.0.alternates.0',
        ],
        [{ ...base, settings: { absBand: '1.5' } }, 400, 'body.settings.absBand'],
        [{ ...base, settings: { cashTarget: '1' } }, 400, 'body.settings.cashTarget'],
        [{ ...base, settings: { bandRule: 'SOMETIMES' } }, 400, 'body.settings.bandRule'],
        [{ ...base, settings: { washWindowDays: 1.5 } }, 400, 'body.settings.washWindowDays'],
        [
          { ...base, settings: { substantiallyIdentical: [['VTI', 'ITOT']] } },
          400,
          'body.settings.substantiallyIdentical',
        ],
        [{ ...base, targets: [] }, 400, 'body.targets'],
        [{ ...base, name: 'x\u0000y' }, 400, 'body.name'],
        [{ ...base, name: 'x\ud800y' }, 400, 'body.name'],
        [{ ...base, note: 'lone \udfff' }, 400, 'body.note'],
        [{ ...base, id: 'a b' }, 400, 'body.id'],
      ];
      for (const [body, status, where] of cases) {
        assertProblem(await w.send('ops', 'POST', '/api/v1/models', body), status, where);
      }
      assert.equal(await w.t.db('models').where({ id: 'MBAD' }).first(), undefined);
    });

    it('publish: a new immutable version, the same one again publishes nothing', async () => {
      const v2 = {
        targets: [
          { symbol: 'VTI', weight: '0.30' },
          { symbol: 'VXUS', weight: '0.20' },
          { symbol: 'BND', weight: '0.48' },
        ],
        settings: { bandRule: 'ABS', absBand: '0.04' },
      };
      const a = await w.send('ops', 'POST', '/api/v1/models/M6040/versions', v2);
      ok(a);
      assertShape(ModelPublished, a.json);
      assert.equal(a.json.changed, true);
      assert.equal(a.json.model.currentVersion, 2);
      assert.equal(a.json.effect.appliesFrom, DATE, 'no account was scanned today: applies from today');
      const again = await w.send('ops', 'POST', '/api/v1/models/M6040/versions', v2);
      ok(again);
      assert.equal(again.json.changed, false);
      assert.equal(again.json.model.currentVersion, 2);
      const audit = await lastAudit(w.t, 'model', 'M6040');
      assert.equal(audit.action, 'MODEL_VERSION_PUBLISHED');
      assert.equal(audit.details.before.version, 1);
      assert.equal(audit.details.after.version, 2);
      assert.equal(audit.details.after.settings.absBand, '0.04');
      await assert.rejects(
        w.t.db('model_targets').where({ model_id: 'M6040', version: 1 }).update({ weight: '0.5' }),
        /immutable/,
      );
      await assert.rejects(w.t.db('model_versions').where({ model_id: 'M6040' }).del(), /immutable/);
      const versions = await w.send('ops', 'GET', '/api/v1/models/M6040/versions');
      assert.deepEqual(
        versions.json.versions.map((v: { version: number }) => v.version),
        [2, 1],
      );
      // The account sees the new version at its next scan: MODEL_CHANGE, a full rebalance.
      const snap = await loadSnapshot(w.t.db, DATE, 'ACC001');
      assert.equal(snap.model.version, 2);
      assert.equal(snap.model.config?.absBand, '0.04');
      assertProblem(await w.send('ops', 'POST', '/api/v1/models/NOPE/versions', v2), 404, 'path.modelId');
      assertProblem(
        await w.send('ops', 'POST', '/api/v1/models/M6040/versions', { ...v2, settings: { relBand: 'x' } }),
        400,
        'body.settings.relBand',
      );
    });

    it('publish after the day scanned an account on the model: it applies from the next trading day', async () => {
      await insertProposal(w.t.db, { accountId: 'ACC002', tradeDate: DATE });
      const a = await w.send('ops', 'POST', '/api/v1/models/M8020/versions', {
        targets: [
          { symbol: 'VTI', weight: '0.6' },
          { symbol: 'VXUS', weight: '0.18' },
          { symbol: 'BND', weight: '0.2' },
        ],
      });
      ok(a);
      assert.deepEqual(
        a.json.model.current.settings,
        { bandRule: 'ABS', absBand: '0.05' },
        "settings left out keep the current version's (M8020 v1: ABS 0.05)",
      );
      assert.ok(a.json.effect.scannedToday.includes('ACC002'));
      assert.match(a.json.effect.detail, /2026-11-25/);
      assert.equal(a.json.effect.appliesFrom, DATE, 'the other accounts on the model see it today');
      const defaults = await w.send('ops', 'POST', '/api/v1/models/M8020/versions', {
        targets: a.json.model.current.targets,
        settings: {},
      });
      ok(defaults);
      assert.equal(defaults.json.changed, true, 'settings: {} is a change: back to the defaults');
      assert.deepEqual(defaults.json.model.current.settings, {});
    });
  });

  describe('accounts', () => {
    it('create: ACTIVE with a model and a mode, PENDING_SETUP without; refusals name where', async () => {
      const body = {
        id: 'ACC900',
        custodianAccountNumber: '3ZO00900',
        name: 'New client',
        advisorId: 'ADV-BEN',
        householdId: 'HH001',
        registration: 'ROTH',
        modelId: 'M3070',
        mode: 'MANUAL',
        overrides: { minTradeUsd: '100', esgExcluded: ['VNQ'] },
      };
      const a = await w.send('ops', 'POST', '/api/v1/accounts', body);
      ok(a);
      assertShape(AccountChange, a.json);
      assert.equal(a.json.account.status, 'ACTIVE');
      assert.equal(a.json.account.effectiveSettings.minTradeUsd, '100');
      assert.equal(a.json.account.effectiveSettings.tlhEnabled, false, 'no TLH in a Roth');
      const pending = await w.send('ops', 'POST', '/api/v1/accounts', {
        ...body,
        id: 'ACC901',
        custodianAccountNumber: '3ZO00901',
        modelId: undefined,
        mode: undefined,
      });
      ok(pending);
      assert.equal(pending.json.account.status, 'PENDING_SETUP');
      const cases: [unknown, number, string][] = [
        [body, 409, 'body.id'],
        [{ ...body, id: 'ACC902' }, 409, 'body.custodianAccountNumber'],
        [
          { ...body, id: 'ACC902', custodianAccountNumber: '3ZO00902', advisorId: 'ADV-NOBODY' },
          404,
          'body.advisorId',
        ],
        [
          { ...body, id: 'ACC902', custodianAccountNumber: '3ZO00902', householdId: 'HH999' },
          404,
          'body.householdId',
        ],
        [{ ...body, id: 'ACC902', custodianAccountNumber: '3ZO00902', modelId: 'NOPE' }, 404, 'body.modelId'],
        [{ ...body, id: 'ACC902', registration: '401K' }, 400, 'body.registration'],
        [{ ...body, id: 'ACC902', mode: 'SOMETIMES' }, 400, 'body.mode'],
        [
          { ...body, id: 'ACC902', custodianAccountNumber: '3ZO00902', overrides: { esgExcluded: ['NOPE'] } },
          400,
          'body.overrides.esgExcluded.0',
        ],
        [{ ...body, id: 'ACC902', overrides: { absBand: '-0.1' } }, 400, 'body.overrides.absBand'],
        [{ ...body, id: 'ACC902', overrides: { colour: 'red' } }, 400, 'body.overrides.colour'],
        [{ ...body, id: 'ACC902', custodianAccountNumber: 'lower' }, 400, 'body.custodianAccountNumber'],
      ];
      for (const [b, status, where] of cases)
        assertProblem(await w.send('ops', 'POST', '/api/v1/accounts', b), status, where);
      const audit = await lastAudit(w.t, 'account', 'ACC900');
      assert.equal(audit.action, 'ACCOUNT_CREATED');
      assert.equal(audit.details.after.registration, 'ROTH');
    });

    it('list and settings: scoped to the advisor, with the engine layers resolved', async () => {
      const mine = await w.send('ben', 'GET', '/api/v1/accounts');
      ok(mine);
      assertShape(AccountList, mine.json);
      assert.ok(mine.json.items.every((a: { advisorId: string }) => a.advisorId === 'ADV-BEN'));
      assertProblem(await w.send('ben', 'GET', '/api/v1/accounts?advisorId=ADV-ANA'), 403, 'query.advisorId');
      const pending = await w.send('ops', 'GET', '/api/v1/accounts?status=PENDING_SETUP');
      assert.deepEqual(
        pending.json.items.map((a: { id: string }) => a.id),
        ['ACC901'],
      );
      const s = await w.send('ben', 'GET', '/api/v1/accounts/ACC005/settings');
      ok(s);
      assertShape(AccountSettings, s.json);
      assert.deepEqual(s.json.model, { id: 'M8020', name: '3-fund growth 80/20', version: 3 });
      // Version 3 (published above with `settings: {}`) has no settings of its own: the engine's defaults apply.
      assert.equal(s.json.effectiveSettings.bandRule, 'FIVE_TWENTY_FIVE');
      assert.equal(s.json.effectiveSettings.absBand, '0.05');
      assert.equal(s.json.effectiveSettings.minTradeUsd, '50');
      assertProblem(await w.send('ben', 'GET', '/api/v1/accounts/ACC001/settings'), 404, 'path.accountId');
    });

    it('change settings: merge patch of overrides, audited before and after, history readable', async () => {
      const a = await w.send('ops', 'POST', '/api/v1/accounts/ACC003/settings', {
        mode: 'MANUAL',
        overrides: { absBand: '0.03', tlhMinLossUsd: '500', sellNonModelHoldings: false },
      });
      ok(a);
      assertShape(AccountChange, a.json);
      assert.deepEqual(a.json.changed.sort(), ['mode', 'overrides']);
      assert.equal(a.json.account.effectiveSettings.absBand, '0.03');
      assert.equal(a.json.account.effectiveSettings.sellNonModelHoldings, false);
      const snap = await loadSnapshot(w.t.db, DATE, 'ACC003');
      assert.equal(snap.accountConfig?.absBand, '0.03', 'the snapshot gives the engine the override');
      const cleared = await w.send('ops', 'POST', '/api/v1/accounts/ACC003/settings', {
        overrides: { absBand: null },
      });
      ok(cleared);
      assert.equal(cleared.json.account.effectiveSettings.absBand, '0.05', "the model's band again");
      assert.equal(cleared.json.account.overrides.tlhMinLossUsd, '500');
      const same = await w.send('ops', 'POST', '/api/v1/accounts/ACC003/settings', {
        overrides: { tlhMinLossUsd: '500' },
      });
      assert.deepEqual(same.json.changed, []);
      const h = await w.send('ops', 'GET', '/api/v1/accounts/ACC003/settings/history');
      ok(h);
      assertShape(SettingsHistory, h.json);
      const api = h.json.items.filter((i: { via: string }) => i.via === 'api');
      assert.equal(api.length, 2, 'two changes through the API (the repeat changed nothing)');
      assert.deepEqual(
        h.json.items
          .filter((i: { via: string }) => i.via === 'seed')
          .map((i: { action: string }) => i.action),
        ['OPENING_CASH_LOADED', 'OPENING_POSITIONS_LOADED', 'ACCOUNT_CREATED'],
        'the demo book came in through the import',
      );
      const [last, first] = api;
      assert.equal(last.action, 'ACCOUNT_SETTINGS_CHANGED');
      assert.equal(last.actor, 'ops:desk');
      assert.equal(last.via, 'api');
      assert.deepEqual(last.before.overrides, {
        absBand: '0.03',
        tlhMinLossUsd: '500',
        sellNonModelHoldings: false,
      });
      assert.deepEqual(last.after.overrides, { tlhMinLossUsd: '500', sellNonModelHoldings: false });
      assert.equal(first.before.mode, 'AUTO');
      assert.equal(first.after.mode, 'MANUAL');
      const bad: [unknown, number, string][] = [
        [{ overrides: { absBand: 'five' } }, 400, 'body.overrides.absBand'],
        [{ overrides: { tlhEnabled: 'yes' } }, 400, 'body.overrides.tlhEnabled'],
        [{ modelId: 'NOPE' }, 404, 'body.modelId'],
        [{ householdId: 'HH999' }, 404, 'body.householdId'],
        [{}, 400, 'body'],
        [{ lotMethod: 'RANDOM' }, 400, 'body.lotMethod'],
      ];
      for (const [b, status, where] of bad) {
        assertProblem(await w.send('ops', 'POST', '/api/v1/accounts/ACC003/settings', b), status, where);
      }
      assertProblem(
        await w.send('ops', 'POST', '/api/v1/accounts/NOPE/settings', { mode: 'AUTO' }),
        404,
        'path.accountId',
      );
    });

    it('a change after the account was scanned today applies from the next trading day', async () => {
      await w.t
        .db('account_scans')
        .insert({ account_id: 'ACC006', trade_date: DATE, model_id: 'M3070', model_version: 1 });
      const a = await w.send('ops', 'POST', '/api/v1/accounts/ACC006/settings', {
        overrides: { minTradeUsd: '75' },
      });
      ok(a);
      assert.equal(a.json.effect.appliesFrom, '2026-11-25');
      assert.match(a.json.effect.detail, /already ran/);
      const audit = await lastAudit(w.t, 'account', 'ACC006');
      assert.equal(audit.details.appliesFrom, '2026-11-25');
      // A mode change once the day has started (its morning files are in) waits for tomorrow too.
      await w.t.db('custodian_files').insert({
        process_date: DATE,
        code: 'EXT871',
        name: 'EXT871_ZOE_20261124.csv',
        checksum: 'x',
        row_count: 0,
        status: 'INGESTED',
      });
      const m = await w.send('ops', 'POST', '/api/v1/accounts/ACC009/settings', { mode: 'MANUAL' });
      assert.equal(m.json.effect.appliesFrom, '2026-11-25');
      await w.t.db('custodian_files').where({ checksum: 'x' }).del();
    });

    it('activation: a PENDING_SETUP account becomes ACTIVE once it has a model and a mode', async () => {
      const a = await w.send('ops', 'POST', '/api/v1/accounts/ACC901/settings', { modelId: 'M6040' });
      assert.equal(a.json.account.status, 'PENDING_SETUP');
      const onboarding = await w.send('trader', 'GET', '/api/v1/onboarding');
      ok(onboarding);
      assertShape(PendingSetupList, onboarding.json);
      assert.deepEqual(onboarding.json.accounts.find((x: { id: string }) => x.id === 'ACC901').missing, [
        'mode',
      ]);
      const b = await w.send('ops', 'POST', '/api/v1/accounts/ACC901/settings', { mode: 'AUTO' });
      assert.equal(b.json.account.status, 'ACTIVE');
      assert.equal((await lastAudit(w.t, 'account', 'ACC901')).action, 'ACCOUNT_ACTIVATED');
      assert.equal(
        (await w.t.db('accounts').where({ id: 'ACC901' }).first()).last_traded_model_version,
        null,
      );
    });

    it('a model change resets what the account traded, so MODEL_CHANGE fires', async () => {
      const a = await w.send('ops', 'POST', '/api/v1/accounts/ACC012/settings', { modelId: 'M8020' });
      ok(a);
      const snap = await loadSnapshot(w.t.db, DATE, 'ACC012');
      assert.equal(snap.model.id, 'M8020');
      assert.equal(snap.lastTradedModelVersion, null);
    });

    it('close: audited; a closed account cannot change or be closed again', async () => {
      const a = await w.send('ops', 'POST', '/api/v1/accounts/ACC900/close', { reason: 'transferred out' });
      ok(a);
      assert.equal(a.json.account.status, 'CLOSED');
      assert.equal(a.json.account.closeReason, 'transferred out');
      assertProblem(
        await w.send('ops', 'POST', '/api/v1/accounts/ACC900/close', { reason: 'again' }),
        409,
        'path.accountId',
      );
      assertProblem(
        await w.send('ops', 'POST', '/api/v1/accounts/ACC900/settings', { mode: 'AUTO' }),
        409,
        'path.accountId',
      );
      assertProblem(await w.send('ops', 'POST', '/api/v1/accounts/ACC900/close', {}), 400, 'body.reason');
    });
  });

  describe('households, restrictions, securities, advisors, firm', () => {
    it('households: create with members (moved out of theirs), add members, advisor scoping', async () => {
      const a = await w.send('ops', 'POST', '/api/v1/households', {
        id: 'HHNEW',
        name: 'The Smiths',
        members: ['ACC002'],
      });
      ok(a);
      assertShape(HouseholdChange, a.json);
      assert.equal((await w.t.db('accounts').where({ id: 'ACC002' }).first()).household_id, 'HHNEW');
      const b = await w.send('ops', 'POST', '/api/v1/households/HHNEW', { addMembers: ['ACC004'] });
      assert.deepEqual(
        b.json.household.members.map((m: { id: string }) => m.id),
        ['ACC002', 'ACC004'],
      );
      const snap = await loadSnapshot(w.t.db, DATE, 'ACC002');
      assert.equal(snap.householdId, 'HHNEW', 'the wash-sale scope follows the household');
      const ben = await w.send('ben', 'GET', '/api/v1/households/HHNEW');
      assert.deepEqual(
        ben.json.members.map((m: { id: string }) => m.id),
        ['ACC002'],
        'an advisor sees only their own accounts in it',
      );
      assertProblem(await w.send('ben', 'GET', '/api/v1/households/HH003'), 404, 'path.householdId');
      assertProblem(
        await w.send('ops', 'POST', '/api/v1/households/HHNEW', { addMembers: ['NOPE'] }),
        404,
        'body.addMembers.0',
      );
      assertProblem(
        await w.send('ops', 'POST', '/api/v1/households', { id: 'HHNEW', name: 'x' }),
        409,
        'body.id',
      );
      assertProblem(await w.send('ops', 'POST', '/api/v1/households/HHNEW', {}), 400, 'body');
    });

    it('restrictions: firm and advisor lists reach every account in scope, with where they come from', async () => {
      const firm = await w.send('ops', 'POST', '/api/v1/restrictions', {
        scope: 'FIRM',
        symbol: 'VNQ',
        kind: 'NO_BUY',
        reason: 'under compliance review',
      });
      ok(firm);
      assertShape(RestrictionChange, firm.json);
      const adv = await w.send('ops', 'POST', '/api/v1/restrictions', {
        scope: 'ADVISOR',
        advisorId: 'ADV-BEN',
        symbol: 'VTI',
        kind: 'NO_BUY',
        reason: 'client preference',
        startsOn: '2026-11-20',
        endsOn: '2026-12-31',
      });
      ok(adv);
      const snap = await loadSnapshot(w.t.db, DATE, 'ACC005');
      assert.deepEqual(snap.restrictions.map((r) => `${r.symbol} ${r.kind} ${r.reason}`).sort(), [
        'VNQ NO_BUY firm restricted list: under compliance review',
        "VTI NO_BUY advisor ADV-BEN's restricted list: client preference",
      ]);
      const other = await loadSnapshot(w.t.db, DATE, 'ACC001');
      assert.deepEqual(
        other.restrictions.map((r) => r.symbol),
        ['VNQ'],
        "ADV-BEN's list does not reach ADV-ANA's accounts",
      );
      const before = await loadSnapshot(w.t.db, '2026-11-19', 'ACC005');
      assert.ok(!before.restrictions.some((r) => r.symbol === 'VTI'), 'not in force before it starts');
      const again = await w.send('ops', 'POST', '/api/v1/restrictions', {
        scope: 'FIRM',
        symbol: 'VNQ',
        kind: 'NO_BUY',
        reason: 'under compliance review',
      });
      assert.equal(again.json.changed, false);
      const end = await w.send('ops', 'POST', `/api/v1/restrictions/${firm.json.restriction.id}/end`, {});
      ok(end);
      assert.equal(end.json.restriction.endsOn, '2026-11-23');
      assert.deepEqual((await loadSnapshot(w.t.db, DATE, 'ACC001')).restrictions, [], 'lifted from today');
      const list = await w.send('ben', 'GET', '/api/v1/restrictions?activeOn=2026-11-24');
      assert.deepEqual(
        list.json.restrictions.map((r: { symbol: string }) => r.symbol),
        ['VTI'],
      );
      const cases: [unknown, number, string][] = [
        [{ scope: 'ACCOUNT', symbol: 'VTI', kind: 'NO_BUY', reason: 'x' }, 400, 'body.accountId'],
        [
          { scope: 'FIRM', advisorId: 'ADV-BEN', symbol: 'VTI', kind: 'NO_BUY', reason: 'x' },
          400,
          'body.advisorId',
        ],
        [
          {
            scope: 'FIRM',
            symbol: 'VTI',
            kind: 'NO_BUY',
            reason: 'x',
            startsOn: '2026-12-02',
            endsOn: '2026-12-01',
          },
          400,
          'body.endsOn',
        ],
        [{ scope: 'FIRM', symbol: 'VTI', kind: 'SOMETIMES', reason: 'x' }, 400, 'body.kind'],
        [
          { scope: 'ACCOUNT', accountId: 'NOPE', symbol: 'VTI', kind: 'NO_BUY', reason: 'x' },
          404,
          'body.accountId',
        ],
        [
          { scope: 'ADVISOR', advisorId: 'ADV-NOBODY', symbol: 'VTI', kind: 'NO_BUY', reason: 'x' },
          404,
          'body.advisorId',
        ],
        [{ scope: 'FIRM', symbol: 'vti', kind: 'NO_BUY', reason: 'x' }, 400, 'body.symbol'],
      ];
      for (const [b, status, where] of cases)
        assertProblem(await w.send('ops', 'POST', '/api/v1/restrictions', b), status, where);
      assertProblem(
        await w.send('ops', 'POST', '/api/v1/restrictions/99999/end', {}),
        404,
        'path.restrictionId',
      );
      assertProblem(await w.send('ops', 'POST', '/api/v1/restrictions/x/end', {}), 400, 'path.restrictionId');
      assertProblem(
        await w.send('ops', 'POST', `/api/v1/restrictions/${firm.json.restriction.id}/end`, {
          endsOn: '2026-12-01',
        }),
        409,
        'body.endsOn',
      );
      const s = await w.send('ben', 'GET', '/api/v1/accounts/ACC005/settings');
      assert.deepEqual(
        s.json.restrictions.map((r: { symbol: string }) => r.symbol),
        ['VTI'],
      );
      const h = await w.send('ops', 'GET', '/api/v1/accounts/ACC005/settings/history');
      assert.ok(
        h.json.items.every((i: { action: string }) => !i.action.startsWith('RESTRICTION')),
        'advisor- and firm-wide restrictions are not one account’s settings',
      );
    });

    it('securities: add, change, refusals', async () => {
      const body = {
        symbol: 'VOO',
        cusip: '922908363',
        description: 'S&P 500 ETF',
        type: 'ETF',
        assetClass: 'US_EQUITY',
        fractionable: true,
        tlhAlternates: ['SCHB'],
        identicalGroup: 'SP500',
      };
      ok(await w.send('ops', 'POST', '/api/v1/securities', body));
      assertProblem(await w.send('ops', 'POST', '/api/v1/securities', body), 409, 'body.symbol');
      assertProblem(
        await w.send('ops', 'POST', '/api/v1/securities', { ...body, symbol: 'IVV' }),
        409,
        'body.cusip',
      );
      assertProblem(
        await w.send('ops', 'POST', '/api/v1/securities', {
          ...body,
          symbol: 'IVV',
          cusip: '464287200',
          tlhAlternates: ['NOPE'],
        }),
        400,
        'body.tlhAlternates.0',
      );
      assertProblem(
        await w.send('ops', 'POST', '/api/v1/securities', { ...body, cusip: 'short' }),
        400,
        'body.cusip',
      );
      const c = await w.send('ops', 'POST', '/api/v1/securities/VOO', { fractionable: false });
      ok(c);
      assert.equal(c.json.security.fractionable, false);
      assert.equal(c.json.changed, true);
      assertProblem(
        await w.send('ops', 'POST', '/api/v1/securities/NOPE', { fractionable: false }),
        404,
        'path.symbol',
      );
      ok(await w.send('ben', 'GET', '/api/v1/securities/VOO'));
    });

    it('advisors: add (with a rep code), list scoped', async () => {
      const a = await w.send('ops', 'POST', '/api/v1/advisors', {
        id: 'ADV-DAN',
        name: 'Dan Wu',
        email: 'dan@example.com',
        repCode: 'R42',
      });
      ok(a);
      assertProblem(
        await w.send('ops', 'POST', '/api/v1/advisors', {
          id: 'ADV-EVE',
          name: 'Eve',
          email: 'eve@example.com',
          repCode: 'R42',
        }),
        409,
        'body.repCode',
      );
      assertProblem(
        await w.send('ops', 'POST', '/api/v1/advisors', { id: 'ADV-EVE', name: 'Eve', email: 'nope' }),
        400,
        'body.email',
      );
      const ben = await w.send('ben', 'GET', '/api/v1/advisors');
      assert.deepEqual(
        ben.json.advisors.map((x: { id: string }) => x.id),
        ['ADV-BEN'],
      );
    });

    it('firm setting: advisors change mode and overrides of their own accounts only when it is on', async () => {
      assertProblem(
        await w.send('ben', 'POST', '/api/v1/accounts/ACC008/settings', { mode: 'AUTO' }),
        403,
        'header.authorization',
      );
      ok(await w.send('ops', 'POST', '/api/v1/firm/settings', { advisorsMayChangeAccountSettings: true }));
      const a = await w.send('ben', 'POST', '/api/v1/accounts/ACC008/settings', {
        mode: 'AUTO',
        overrides: { minTradeUsd: '60' },
      });
      ok(a);
      const audit = await lastAudit(w.t, 'account', 'ACC008');
      assert.equal(audit.actor, 'ADV-BEN');
      assert.equal(audit.details.via, 'api');
      assertProblem(
        await w.send('ben', 'POST', '/api/v1/accounts/ACC008/settings', { modelId: 'M6040' }),
        403,
        'body.modelId',
      );
      assertProblem(
        await w.send('ben', 'POST', '/api/v1/accounts/ACC001/settings', { mode: 'AUTO' }),
        404,
        'path.accountId',
      );
      assertProblem(
        await w.send('trader', 'POST', '/api/v1/accounts/ACC008/settings', { mode: 'AUTO' }),
        403,
        'header.authorization',
      );
      ok(await w.send('ops', 'POST', '/api/v1/firm/settings', { advisorsMayChangeAccountSettings: false }));
      const firm = await w.send('ben', 'GET', '/api/v1/firm/settings');
      assert.deepEqual(firm.json, { advisorsMayChangeAccountSettings: false });
      assert.equal((await lastAudit(w.t, 'firm', 'firm')).action, 'FIRM_SETTINGS_CHANGED');
    });
  });

  describe('what-if preview', () => {
    it('runs the engine with the account’s settings or others, and writes nothing', async () => {
      const count = async () =>
        Promise.all(
          ['proposals', 'proposal_legs', 'audit_log', 'orders', 'account_scans'].map((t) =>
            w.t.db(t).count('* as n'),
          ),
        );
      const before = JSON.stringify(await count());
      const a = await w.send('ben', 'POST', '/api/v1/accounts/ACC011/preview');
      ok(a);
      assertShape(PreviewOut, a.json);
      assert.equal(a.json.tradeDate, DATE);
      assert.equal(a.json.plan.accountId, 'ACC011');
      assert.ok(a.json.plan.reasons.length > 0);
      const full = await w.send('ben', 'POST', '/api/v1/accounts/ACC011/preview', {
        overrides: { rebalanceMode: 'FULL' },
        lotMethod: 'HIFO',
      });
      ok(full);
      assert.equal(full.json.plan.mode, 'FULL');
      assert.equal(full.json.lotMethod, 'HIFO');
      assert.equal(full.json.settings.rebalanceMode, 'FULL');
      const other = await w.send('ops', 'POST', '/api/v1/accounts/ACC011/preview', { modelId: 'M3070' });
      ok(other);
      assert.equal(other.json.model.id, 'M3070');
      assert.ok(
        other.json.plan.reasons.some((r: { code: string }) => r.code === 'MODEL_CHANGE'),
        'another model is a model change',
      );
      assert.equal(JSON.stringify(await count()), before, 'nothing written');
      assertProblem(
        await w.send('ben', 'POST', '/api/v1/accounts/ACC001/preview', {}),
        404,
        'path.accountId',
      );
      assertProblem(
        await w.send('ops', 'POST', '/api/v1/accounts/ACC011/preview', { overrides: { absBand: '7' } }),
        400,
        'body.overrides.absBand',
      );
      assertProblem(
        await w.send('ops', 'POST', '/api/v1/accounts/ACC011/preview', { modelId: 'NOPE' }),
        404,
        'body.modelId',
      );
      assertProblem(
        await w.send('ops', 'POST', '/api/v1/accounts/ACC011/preview', { date: '2026-02-30' }),
        400,
        'body.date',
      );
    });

    it('a restriction that changes the proposal says so in its reasons', async () => {
      // ACC001 is drifted (VTI over target): with VTI restricted from selling, the plan changes.
      const plain = await w.send('ops', 'POST', '/api/v1/accounts/ACC001/preview');
      ok(plain);
      assert.ok(
        plain.json.plan.legs.some(
          (l: { symbol: string; side: string }) => l.symbol === 'VTI' && l.side === 'SELL',
        ),
      );
      const r = await w.send('ops', 'POST', '/api/v1/restrictions', {
        scope: 'ACCOUNT',
        accountId: 'ACC001',
        symbol: 'VTI',
        kind: 'NO_SELL',
        reason: 'client gifts these shares',
      });
      ok(r);
      const restricted = await w.send('ops', 'POST', '/api/v1/accounts/ACC001/preview');
      const reason = restricted.json.plan.reasons.find(
        (x: { code: string; message: string }) =>
          x.code === 'RESTRICTION' && /changed this proposal/.test(x.message),
      );
      assert.ok(reason, JSON.stringify(restricted.json.plan.reasons));
      assert.match(reason.message, /VTI NO_SELL \(account restriction: client gifts these shares\)/);
      assert.ok(
        reason.details.legsWithoutRestrictions.some((l: string) => / VTI$/.test(l) && l.startsWith('SELL')),
      );
      assert.ok(
        !restricted.json.plan.legs.some(
          (l: { symbol: string; side: string }) => l.symbol === 'VTI' && l.side === 'SELL',
        ),
      );
      const h = await w.send('ops', 'GET', '/api/v1/accounts/ACC001/settings/history');
      assert.equal(h.json.items[0].action, 'RESTRICTION_ADDED', "an account's restriction is in its history");
    });
  });
});
