/**
 * Models: create (version 1), publish a new version (immutable once published), read, list the
 * versions. Every symbol of a version must be a security of the book; its settings must resolve
 * in the engine alone and with the overrides of every account on the model. Audited.
 */
import type { Knex } from 'knex';
import { checkEngineLayers } from '../domain/config/engine-settings';
import type { EngineSettings } from '../domain/config/engine-settings';
import {
  type CreateModelInput,
  type ModelTarget,
  type ModelVersionInput,
  sameVersionContent,
} from '../domain/config/model';
import { Dec } from '../domain/money';
import { type BookContext, ENTITY, audit, conflict, inTransaction, invalid, notFound } from './context';
import { type Effect, effectOf } from './effect';

export interface ModelVersionView {
  modelId: string;
  version: number;
  targets: ModelTarget[];
  settings: EngineSettings;
  note: string | null;
  publishedAt: string;
  publishedBy: string;
  via: string;
}

export interface ModelView {
  id: string;
  name: string;
  currentVersion: number;
  createdAt: string;
  /** Accounts on the model (any status but CLOSED). */
  accounts: number;
  current: ModelVersionView;
}

const num = (v: string) => new Dec(v).toString();

interface TargetRow {
  model_id: string;
  version: number;
  symbol: string;
  weight: string;
  asset_class: string | null;
  alternates: string[];
}

function targetOut(r: TargetRow): ModelTarget {
  return {
    symbol: r.symbol,
    weight: num(r.weight),
    ...(r.asset_class ? { assetClass: r.asset_class } : {}),
    ...(r.alternates.length ? { alternates: r.alternates } : {}),
  };
}

/** Versions of the models (every version, or the given ones), targets included. */
async function versionViews(
  db: Knex,
  modelIds: readonly string[],
  version?: number,
): Promise<Map<string, ModelVersionView[]>> {
  const vq = db('model_versions').whereIn('model_id', modelIds);
  const tq = db('model_targets').whereIn('model_id', modelIds);
  if (version !== undefined) {
    vq.where({ version });
    tq.where({ version });
  }
  const [versions, targets] = await Promise.all([
    vq.orderBy(['model_id', 'version']),
    tq.orderBy(['model_id', 'version', 'symbol']) as Promise<TargetRow[]>,
  ]);
  const out = new Map<string, ModelVersionView[]>();
  for (const v of versions) {
    const list = out.get(v.model_id) ?? [];
    list.push({
      modelId: v.model_id,
      version: v.version,
      targets: targets.filter((t) => t.model_id === v.model_id && t.version === v.version).map(targetOut),
      settings: v.settings,
      note: v.note,
      publishedAt: new Date(v.published_at).toISOString(),
      publishedBy: v.published_by,
      via: v.via,
    });
    out.set(v.model_id, list);
  }
  return out;
}

export async function listModels(db: Knex, ids?: readonly string[]): Promise<ModelView[]> {
  const rows = await db('models')
    .modify((q) => (ids ? q.whereIn('id', ids) : q))
    .orderBy('id');
  if (rows.length === 0) return [];
  const counts: { model_id: string; n: number }[] = await db('accounts')
    .whereNot({ status: 'CLOSED' })
    .whereIn(
      'model_id',
      rows.map((r: { id: string }) => r.id),
    )
    .groupBy('model_id')
    .select('model_id', db.raw('count(*)::int AS n'));
  const versions = await currentVersions(
    db,
    rows.map((r: { id: string; current_version: number }) => [r.id, r.current_version]),
  );
  return rows.map((r: { id: string; name: string; current_version: number; created_at: Date }) => ({
    id: r.id,
    name: r.name,
    currentVersion: r.current_version,
    createdAt: new Date(r.created_at).toISOString(),
    accounts: counts.find((c) => c.model_id === r.id)?.n ?? 0,
    current: versions.get(r.id)!,
  }));
}

async function currentVersions(db: Knex, pairs: [string, number][]): Promise<Map<string, ModelVersionView>> {
  const all = await versionViews(
    db,
    pairs.map(([id]) => id),
  );
  const out = new Map<string, ModelVersionView>();
  for (const [id, v] of pairs) {
    const hit = all.get(id)?.find((x) => x.version === v);
    if (hit) out.set(id, hit);
  }
  return out;
}

export async function getModel(db: Knex, id: string): Promise<ModelView> {
  const list = await listModels(db, [id]);
  if (!list[0]) throw notFound(ENTITY, `model ${id} not found`);
  return list[0];
}

export async function listVersions(db: Knex, id: string): Promise<ModelVersionView[]> {
  const m = await db('models').where({ id }).first('id');
  if (!m) throw notFound(ENTITY, `model ${id} not found`);
  return ((await versionViews(db, [id])).get(id) ?? []).reverse();
}

/**
 * Every symbol a version names must be a security of the book; a target by asset class buys
 * securities of that class only. `prefix` is where the targets are in the caller's input.
 */
async function checkTargets(db: Knex, targets: readonly ModelTarget[], prefix = 'targets'): Promise<void> {
  const symbols = [...new Set(targets.flatMap((t) => [t.symbol, ...(t.alternates ?? [])]))];
  const known: { symbol: string; asset_class: string }[] = await db('securities')
    .whereIn('symbol', symbols)
    .select('symbol', 'asset_class');
  const classOf = new Map(known.map((s) => [s.symbol, s.asset_class]));
  targets.forEach((t, i) => {
    const check = (sym: string, at: string) => {
      const cls = classOf.get(sym);
      if (cls === undefined) throw invalid(at, `${sym} is not a security of the book: add it first`);
      if (t.assetClass && cls !== t.assetClass) {
        throw invalid(
          at,
          `${sym} is ${cls}, not ${t.assetClass}: a target by asset class buys that class only`,
        );
      }
    };
    check(t.symbol, `${prefix}.${i}.symbol`);
    (t.alternates ?? []).forEach((a, j) => check(a, `${prefix}.${i}.alternates.${j}`));
  });
}

/** The version's settings resolve in the engine, alone and under each account's overrides. */
async function checkSettings(db: Knex, modelId: string | null, settings: EngineSettings): Promise<void> {
  const alone = checkEngineLayers(settings);
  if (alone) throw invalid('settings', `the engine refuses these settings: ${alone}`);
  if (!modelId) return;
  const accounts: { id: string; overrides: { engine?: EngineSettings; esgExcluded?: string[] } }[] = await db(
    'accounts',
  )
    .where({ model_id: modelId })
    .whereNot({ status: 'CLOSED' })
    .select('id', 'overrides');
  for (const a of accounts) {
    const why = checkEngineLayers(settings, a.overrides?.engine ?? {});
    if (why) throw invalid('settings', `with the overrides of account ${a.id} the engine refuses: ${why}`);
  }
}

async function insertVersion(
  ctx: BookContext,
  trx: Knex,
  modelId: string,
  version: number,
  v: ModelVersionInput,
): Promise<void> {
  await trx('model_versions').insert({
    model_id: modelId,
    version,
    settings: JSON.stringify(v.settings ?? {}),
    note: v.note ?? null,
    published_by: ctx.actor.id,
    via: ctx.actor.via,
  });
  await trx('model_targets').insert(
    v.targets.map((t) => ({
      model_id: modelId,
      version,
      symbol: t.symbol,
      weight: t.weight,
      asset_class: t.assetClass ?? null,
      alternates: JSON.stringify(t.alternates ?? []),
    })),
  );
}

export async function createModel(ctx: BookContext, input: CreateModelInput): Promise<{ model: ModelView }> {
  return inTransaction(ctx.db, async (trx) => {
    if (await trx('models').where({ id: input.id }).first('id')) {
      throw conflict('id', `model ${input.id} already exists: publish a new version instead`);
    }
    await checkTargets(trx, input.targets);
    await checkSettings(trx, null, input.settings ?? {});
    await trx('models').insert({ id: input.id, name: input.name, current_version: 1 });
    await insertVersion(ctx, trx, input.id, 1, input);
    const model = await getModel(trx, input.id);
    await audit(ctx, trx, {
      action: 'MODEL_CREATED',
      entity: 'model',
      entityId: input.id,
      before: null,
      after: { name: model.name, ...versionContent(model.current) },
    });
    return { model };
  });
}

function versionContent(v: ModelVersionView) {
  return { version: v.version, targets: v.targets, settings: v.settings, note: v.note };
}

export interface PublishResult {
  model: ModelView;
  /** False when the version asked for is the current one (nothing published). */
  changed: boolean;
  effect: Effect;
}

/**
 * Publishes a new version of a model's targets and settings. Settings left out keep the current
 * version's (a new list of targets does not reset the bands); `settings: {}` is the engine's
 * defaults. The same content as the current version publishes nothing.
 */
export async function publishVersion(
  ctx: BookContext,
  modelId: string,
  asked: ModelVersionInput,
): Promise<PublishResult> {
  return inTransaction(ctx.db, async (trx) => {
    const row = await trx('models').where({ id: modelId }).forUpdate().first();
    if (!row) throw notFound(ENTITY, `model ${modelId} not found`);
    const before = await getModel(trx, modelId);
    const input = { ...asked, settings: asked.settings ?? before.current.settings };
    const accountIds = await modelAccounts(trx, modelId);
    if (sameVersionContent(before.current, input)) {
      return { model: before, changed: false, effect: await effectOf(trx, ctx.today, 'scan', accountIds) };
    }
    await checkTargets(trx, input.targets);
    await checkSettings(trx, modelId, input.settings ?? {});
    const version = row.current_version + 1;
    await insertVersion(ctx, trx, modelId, version, input);
    await trx('models').where({ id: modelId }).update({ current_version: version });
    const model = await getModel(trx, modelId);
    const effect = await effectOf(trx, ctx.today, 'scan', accountIds);
    await audit(ctx, trx, {
      action: 'MODEL_VERSION_PUBLISHED',
      entity: 'model',
      entityId: modelId,
      before: versionContent(before.current),
      after: versionContent(model.current),
      extra: { accounts: accountIds.length, appliesFrom: effect.appliesFrom },
    });
    return { model, changed: true, effect };
  });
}

/** Renames a model (the name is not part of a version). */
export async function renameModel(ctx: BookContext, modelId: string, name: string): Promise<ModelView> {
  return inTransaction(ctx.db, async (trx) => {
    const row = await trx('models').where({ id: modelId }).forUpdate().first();
    if (!row) throw notFound(ENTITY, `model ${modelId} not found`);
    if (row.name !== name) {
      await trx('models').where({ id: modelId }).update({ name });
      await audit(ctx, trx, {
        action: 'MODEL_RENAMED',
        entity: 'model',
        entityId: modelId,
        before: { name: row.name },
        after: { name },
      });
    }
    return getModel(trx, modelId);
  });
}

async function modelAccounts(db: Knex, modelId: string): Promise<string[]> {
  const rows: { id: string }[] = await db('accounts')
    .where({ model_id: modelId, status: 'ACTIVE' })
    .orderBy('id')
    .select('id');
  return rows.map((r) => r.id);
}
