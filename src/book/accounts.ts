/**
 * Accounts: create, change settings (advisor, household, registration, model, mode, lot method,
 * overrides), close, read, list, and the history of their settings. An account without a model,
 * a mode or an advisor is PENDING_SETUP and does not trade; it becomes ACTIVE once all three are
 * set. Every change is audited with what it was before and after, and answered with when it takes
 * effect.
 */
import type { Knex } from 'knex';
import {
  type AccountOverrides,
  type AccountSettingsPatch,
  type CreateAccountInput,
  engineLayer,
  patchOverrides,
} from '../domain/config/account';
import { checkEngineLayers, effectiveSettings } from '../domain/config/engine-settings';
import type { AccountStatus, LotMethod, Mode, Registration } from '../domain/config/fields';
import { type BookContext, ENTITY, audit, conflict, inTransaction, invalid, notFound } from './context';
import { type Effect, effectOf } from './effect';
import { type RestrictionView, restrictionsFor } from './restrictions';

export interface AccountRow {
  id: string;
  custodian_account_number: string;
  name: string;
  advisor_id: string | null;
  household_id: string;
  mode: Mode | null;
  tax_status: Registration;
  model_id: string | null;
  last_traded_model_version: number | null;
  lot_method: LotMethod;
  overrides: StoredOverrides | null;
  status: AccountStatus;
  opened_at: Date;
  closed_at: Date | null;
  close_reason: string | null;
  onboarded_on: string | null;
}

/** How overrides are stored (`accounts.overrides`): the engine layer apart from the ESG screen. */
export interface StoredOverrides {
  engine?: Record<string, unknown>;
  esgExcluded?: string[];
}

export function overridesOf(row: Pick<AccountRow, 'overrides'>): AccountOverrides {
  const o = row.overrides ?? {};
  return {
    ...(o.engine ?? {}),
    ...(o.esgExcluded?.length ? { esgExcluded: o.esgExcluded } : {}),
  } as AccountOverrides;
}

export function storedOverrides(o: AccountOverrides): StoredOverrides {
  const engine = engineLayer(o);
  return { engine, ...(o.esgExcluded?.length ? { esgExcluded: o.esgExcluded } : {}) };
}

/** The engine layer the account itself adds: its overrides, and no TLH outside taxable accounts. */
export function accountEngineLayer(
  row: Pick<AccountRow, 'overrides' | 'tax_status'>,
): Record<string, unknown> {
  return { ...(row.overrides?.engine ?? {}), ...(row.tax_status === 'TAXABLE' ? {} : { tlhEnabled: false }) };
}

export interface AccountSettingsView {
  id: string;
  custodianAccountNumber: string;
  name: string;
  advisorId: string | null;
  householdId: string;
  registration: Registration;
  status: AccountStatus;
  mode: Mode | null;
  model: { id: string; name: string; version: number } | null;
  lotMethod: LotMethod;
  overrides: AccountOverrides;
  /** What the engine uses: its defaults ← the model version's settings ← the account's overrides. */
  effectiveSettings: Record<string, unknown>;
  /** Restrictions that apply to the account on the given date (its own, its advisor's, the firm's). */
  restrictions: RestrictionView[];
  lastTradedModelVersion: number | null;
  openedAt: string;
  closedAt: string | null;
  closeReason: string | null;
  onboardedOn: string | null;
}

async function modelSettings(db: Knex, modelId: string | null) {
  if (!modelId) return undefined;
  const m = await db('models as m')
    .join('model_versions as v', (j) => j.on('v.model_id', 'm.id').andOn('v.version', 'm.current_version'))
    .where('m.id', modelId)
    .first('m.id', 'm.name', 'm.current_version', 'v.settings');
  return m as
    | { id: string; name: string; current_version: number; settings: Record<string, unknown> }
    | undefined;
}

export async function accountSettings(db: Knex, id: string, date: string): Promise<AccountSettingsView> {
  const row: AccountRow | undefined = await db('accounts').where({ id }).first();
  if (!row) throw notFound(ENTITY, `account ${id} not found`);
  return settingsView(db, row, date);
}

async function settingsView(db: Knex, row: AccountRow, date: string): Promise<AccountSettingsView> {
  const model = await modelSettings(db, row.model_id);
  const {
    substantiallyIdentical: _ids,
    defaultLotMethod: _lm,
    ...effective
  } = effectiveSettings(model?.settings, accountEngineLayer(row));
  return {
    id: row.id,
    custodianAccountNumber: row.custodian_account_number,
    name: row.name,
    advisorId: row.advisor_id,
    householdId: row.household_id,
    registration: row.tax_status,
    status: row.status,
    mode: row.mode,
    model: model ? { id: model.id, name: model.name, version: model.current_version } : null,
    lotMethod: row.lot_method,
    overrides: overridesOf(row),
    effectiveSettings: effective,
    restrictions: await restrictionsFor(db, row, date),
    lastTradedModelVersion: row.last_traded_model_version,
    openedAt: new Date(row.opened_at).toISOString(),
    closedAt: row.closed_at ? new Date(row.closed_at).toISOString() : null,
    closeReason: row.close_reason,
    onboardedOn: row.onboarded_on,
  };
}

export interface AccountFilter {
  status?: AccountStatus;
  advisorId?: string;
  modelId?: string;
  householdId?: string;
  limit: number;
  offset: number;
}

export type AccountSummary = Pick<
  AccountSettingsView,
  'id' | 'custodianAccountNumber' | 'name' | 'advisorId' | 'householdId' | 'registration' | 'status' | 'mode'
> & { modelId: string | null };

export async function listAccounts(
  db: Knex,
  f: AccountFilter,
): Promise<{ items: AccountSummary[]; total: number }> {
  const base = db('accounts').modify((q) => {
    if (f.status) q.where({ status: f.status });
    if (f.advisorId) q.where({ advisor_id: f.advisorId });
    if (f.modelId) q.where({ model_id: f.modelId });
    if (f.householdId) q.where({ household_id: f.householdId });
  });
  const [rows, count] = await Promise.all([
    base.clone().orderBy('id').limit(f.limit).offset(f.offset),
    base.clone().count<{ n: string }[]>('* as n'),
  ]);
  return {
    total: Number(count[0]?.n ?? 0),
    items: (rows as AccountRow[]).map((r) => ({
      id: r.id,
      custodianAccountNumber: r.custodian_account_number,
      name: r.name,
      advisorId: r.advisor_id,
      householdId: r.household_id,
      registration: r.tax_status,
      status: r.status,
      mode: r.mode,
      modelId: r.model_id,
    })),
  };
}

/** References the change names exist; the overrides resolve in the engine under the model's settings. */
async function checkAccount(
  db: Knex,
  next: {
    advisor_id: string | null;
    household_id: string;
    model_id: string | null;
    overrides: AccountOverrides;
  },
  changed: ReadonlySet<string>,
): Promise<void> {
  if (
    changed.has('advisorId') &&
    next.advisor_id &&
    !(await db('advisors').where({ id: next.advisor_id }).first('id'))
  )
    throw notFound('advisorId', `advisor ${next.advisor_id} not found`);
  if (changed.has('householdId') && !(await db('households').where({ id: next.household_id }).first('id')))
    throw notFound('householdId', `household ${next.household_id} not found: create it first`);
  const model = await modelSettings(db, next.model_id);
  if (changed.has('modelId') && next.model_id && !model)
    throw notFound('modelId', `model ${next.model_id} not found`);
  const esg = next.overrides.esgExcluded ?? [];
  if (changed.has('overrides') && esg.length) {
    const known = new Set(
      (await db('securities').whereIn('symbol', esg).select('symbol')).map(
        (r: { symbol: string }) => r.symbol,
      ),
    );
    const i = esg.findIndex((s) => !known.has(s));
    if (i >= 0) throw invalid(`overrides.esgExcluded.${i}`, `${esg[i]} is not a security of the book`);
  }
  if (changed.has('overrides') || changed.has('modelId')) {
    const why = checkEngineLayers(model?.settings, engineLayer(next.overrides));
    if (why) {
      throw invalid(
        changed.has('overrides') ? 'overrides' : 'modelId',
        `the engine refuses these settings${model ? ` with model ${model.id}` : ''}: ${why}`,
      );
    }
  }
}

function statusFor(r: {
  model_id: string | null;
  mode: Mode | null;
  advisor_id: string | null;
}): AccountStatus {
  return r.model_id && r.mode && r.advisor_id ? 'ACTIVE' : 'PENDING_SETUP';
}

/** The settings that matter for a before/after record. */
function auditable(v: AccountSettingsView) {
  return {
    name: v.name,
    advisorId: v.advisorId,
    householdId: v.householdId,
    registration: v.registration,
    status: v.status,
    mode: v.mode,
    modelId: v.model?.id ?? null,
    lotMethod: v.lotMethod,
    overrides: v.overrides,
  };
}

export interface AccountChange {
  account: AccountSettingsView;
  /** The settings that changed (empty: the account already had them). */
  changed: string[];
  effect: Effect;
}

export async function createAccount(ctx: BookContext, input: CreateAccountInput): Promise<AccountChange> {
  return inTransaction(ctx.db, async (trx) => {
    if (await trx('accounts').where({ id: input.id }).first('id'))
      throw conflict('id', `account ${input.id} already exists`);
    const taken = await trx('accounts')
      .where({ custodian_account_number: input.custodianAccountNumber })
      .first('id');
    if (taken) {
      throw conflict(
        'custodianAccountNumber',
        `custodian account ${input.custodianAccountNumber} is account ${taken.id} already`,
      );
    }
    const overrides = input.overrides ?? {};
    const next = {
      advisor_id: input.advisorId ?? null,
      household_id: input.householdId,
      model_id: input.modelId ?? null,
      mode: input.mode ?? null,
      overrides,
    };
    await checkAccount(trx, next, new Set(['advisorId', 'householdId', 'modelId', 'overrides']));
    if (input.lastTradedModelVersion !== undefined) {
      const m = await trx('models').where({ id: input.modelId }).first('current_version');
      if (m && input.lastTradedModelVersion > m.current_version) {
        throw invalid(
          'lastTradedModelVersion',
          `model ${input.modelId} is at version ${m.current_version}, not ${input.lastTradedModelVersion}`,
        );
      }
    }
    await trx('accounts').insert({
      id: input.id,
      custodian_account_number: input.custodianAccountNumber,
      name: input.name,
      advisor_id: next.advisor_id,
      household_id: input.householdId,
      mode: next.mode,
      tax_status: input.registration,
      model_id: next.model_id,
      lot_method: input.lotMethod ?? 'MIN_TAX',
      overrides: JSON.stringify(storedOverrides(overrides)),
      status: statusFor(next),
      last_traded_model_version: input.lastTradedModelVersion ?? null,
    });
    const account = await accountSettings(trx, input.id, ctx.today);
    await audit(ctx, trx, {
      action: 'ACCOUNT_CREATED',
      entity: 'account',
      entityId: input.id,
      before: null,
      after: { custodianAccountNumber: account.custodianAccountNumber, ...auditable(account) },
    });
    return {
      account,
      changed: Object.keys(input),
      effect: await effectOf(trx, ctx.today, 'day', [input.id]),
    };
  });
}

export async function updateAccountSettings(
  ctx: BookContext,
  id: string,
  patch: AccountSettingsPatch,
): Promise<AccountChange> {
  return inTransaction(ctx.db, async (trx) => {
    const row: AccountRow | undefined = await trx('accounts').where({ id }).forUpdate().first();
    if (!row) throw notFound(ENTITY, `account ${id} not found`);
    if (row.status === 'CLOSED')
      throw conflict(ENTITY, `account ${id} is closed: its settings cannot change`);
    const before = await settingsView(trx, row, ctx.today);
    const overrides = patch.overrides ? patchOverrides(before.overrides, patch.overrides) : before.overrides;
    const next = {
      name: patch.name ?? row.name,
      advisor_id: patch.advisorId ?? row.advisor_id,
      household_id: patch.householdId ?? row.household_id,
      tax_status: patch.registration ?? row.tax_status,
      model_id: patch.modelId ?? row.model_id,
      mode: patch.mode ?? row.mode,
      lot_method: patch.lotMethod ?? row.lot_method,
      overrides,
    };
    const changed = new Set<string>();
    if (next.name !== row.name) changed.add('name');
    if (next.advisor_id !== row.advisor_id) changed.add('advisorId');
    if (next.household_id !== row.household_id) changed.add('householdId');
    if (next.tax_status !== row.tax_status) changed.add('registration');
    if (next.model_id !== row.model_id) changed.add('modelId');
    if (next.mode !== row.mode) changed.add('mode');
    if (next.lot_method !== row.lot_method) changed.add('lotMethod');
    if (JSON.stringify(storedOverrides(overrides)) !== JSON.stringify(storedOverrides(before.overrides)))
      changed.add('overrides');
    if (changed.size === 0) {
      return { account: before, changed: [], effect: await effectOf(trx, ctx.today, 'scan', [id]) };
    }
    await checkAccount(trx, next, changed);
    const status = row.status === 'PENDING_SETUP' ? statusFor(next) : row.status;
    await trx('accounts')
      .where({ id })
      .update({
        name: next.name,
        advisor_id: next.advisor_id,
        household_id: next.household_id,
        tax_status: next.tax_status,
        model_id: next.model_id,
        mode: next.mode,
        lot_method: next.lot_method,
        overrides: JSON.stringify(storedOverrides(overrides)),
        status,
        // Another model: nothing of it was traded yet, so the next scan rebalances fully (MODEL_CHANGE).
        ...(changed.has('modelId') ? { last_traded_model_version: null } : {}),
      });
    const account = await settingsView(
      trx,
      {
        ...row,
        ...next,
        overrides: storedOverrides(overrides),
        status,
        last_traded_model_version: changed.has('modelId') ? null : row.last_traded_model_version,
      },
      ctx.today,
    );
    const [b, a] = [auditable(before), auditable(account)];
    const keys = [...changed, ...(status !== row.status ? ['status'] : [])];
    const pick = (o: Record<string, unknown>) => Object.fromEntries(keys.map((k) => [k, o[k]]));
    const dayKind = changed.has('mode') || status !== row.status;
    const effect = await effectOf(trx, ctx.today, dayKind ? 'day' : 'scan', [id]);
    await audit(ctx, trx, {
      action: status !== row.status ? 'ACCOUNT_ACTIVATED' : 'ACCOUNT_SETTINGS_CHANGED',
      entity: 'account',
      entityId: id,
      before: pick(b),
      after: pick(a),
      extra: { appliesFrom: effect.appliesFrom },
    });
    return { account, changed: keys, effect };
  });
}

export async function closeAccount(ctx: BookContext, id: string, reason: string): Promise<AccountChange> {
  return inTransaction(ctx.db, async (trx) => {
    const row: AccountRow | undefined = await trx('accounts').where({ id }).forUpdate().first();
    if (!row) throw notFound(ENTITY, `account ${id} not found`);
    if (row.status === 'CLOSED') throw conflict(ENTITY, `account ${id} was closed already`);
    const [closed] = await trx('accounts')
      .where({ id })
      .update({ status: 'CLOSED', closed_at: trx.fn.now(), close_reason: reason })
      .returning('*');
    const effect = await effectOf(trx, ctx.today, 'day', [id]);
    await audit(ctx, trx, {
      action: 'ACCOUNT_CLOSED',
      entity: 'account',
      entityId: id,
      before: { status: row.status },
      after: { status: 'CLOSED', reason },
      extra: { appliesFrom: effect.appliesFrom },
    });
    return { account: await settingsView(trx, closed, ctx.today), changed: ['status'], effect };
  });
}

/** The audit actions that change an account's settings (its history). */
export const SETTINGS_ACTIONS = [
  'ACCOUNT_CREATED',
  'ACCOUNT_SETTINGS_CHANGED',
  'ACCOUNT_ACTIVATED',
  'ACCOUNT_CLOSED',
  'ACCOUNT_ONBOARDED',
  'OPENING_POSITIONS_LOADED',
  'OPENING_CASH_LOADED',
] as const;

export interface SettingsChange {
  id: string;
  at: string;
  actor: string;
  via: string | null;
  action: string;
  before: unknown;
  after: unknown;
  appliesFrom: string | null;
}

export async function settingsHistory(
  db: Knex,
  id: string,
  page: { limit: number; offset: number },
): Promise<{ items: SettingsChange[]; total: number }> {
  if (!(await db('accounts').where({ id }).first('id'))) throw notFound(ENTITY, `account ${id} not found`);
  const base = db('audit_log').where((q) =>
    q
      .where({ entity: 'account', entity_id: id })
      .whereIn('action', [...SETTINGS_ACTIONS])
      .orWhere((r) => r.where({ entity: 'restriction' }).whereRaw("details->>'accountId' = ?", [id])),
  );
  const [rows, count] = await Promise.all([
    base.clone().orderBy('id', 'desc').limit(page.limit).offset(page.offset),
    base.clone().count<{ n: string }[]>('* as n'),
  ]);
  return {
    total: Number(count[0]?.n ?? 0),
    items: rows.map(
      (r: { id: string; at: Date; actor: string; action: string; details: Record<string, unknown> }) => ({
        id: String(r.id),
        at: new Date(r.at).toISOString(),
        actor: r.actor,
        via: typeof r.details?.via === 'string' ? r.details.via : null,
        action: r.action,
        before: r.details?.before ?? null,
        after: r.details?.after ?? null,
        appliesFrom: typeof r.details?.appliesFrom === 'string' ? r.details.appliesFrom : null,
      }),
    ),
  };
}
