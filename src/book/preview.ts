/**
 * What-if: the proposal the engine would make for an account today (or on a date) from its
 * current snapshot, with optional settings in place of its own (another model, other overrides,
 * another lot method). Reads only: nothing is written, no proposal, no audit row.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { z } from 'zod';
import { heldSymbols } from '../activities/breaks';
import { loadSnapshot } from '../activities/snapshot';
import { OverridesPatch, engineLayer, patchOverrides } from '../domain/config/account';
import { checkEngineLayers, effectiveSettings } from '../domain/config/engine-settings';
import { IsoDate, LotMethod, ModelId } from '../domain/config/fields';
import { type EnginePlan, planAccount } from '../domain/engine';
import { type AccountRow, accountEngineLayer, overridesOf, storedOverrides } from './accounts';
import { ENTITY, conflict, invalid, notFound } from './context';
import { loadModelLayer } from './engine-inputs';
import { restrictionImpact } from './restriction-impact';

export const PreviewInput = z
  .object({
    date: IsoDate.optional(),
    modelId: ModelId.optional(),
    lotMethod: LotMethod.optional(),
    overrides: OverridesPatch.optional(),
  })
  .strict();
export type PreviewInput = z.infer<typeof PreviewInput>;

export interface Preview {
  accountId: string;
  tradeDate: string;
  model: { id: string; version: number };
  lotMethod: string;
  /** The settings the engine ran with (defaults ← model ← account, with the what-if applied). */
  settings: Record<string, unknown>;
  plan: EnginePlan;
}

export async function previewAccount(
  db: Knex,
  accountId: string,
  input: PreviewInput,
  today: string,
): Promise<Preview> {
  const row: AccountRow | undefined = await db('accounts').where({ id: accountId }).first();
  if (!row) throw notFound(ENTITY, `account ${accountId} not found`);
  const modelId = input.modelId ?? row.model_id;
  if (!modelId)
    throw invalid('modelId', `account ${accountId} has no model yet (${row.status}): name one to preview`);
  const model = await loadModelLayer(db, modelId);
  if (!model) throw notFound(input.modelId ? 'modelId' : ENTITY, `model ${modelId} not found`);
  const overrides = input.overrides ? patchOverrides(overridesOf(row), input.overrides) : overridesOf(row);
  const why = checkEngineLayers(model.settings, engineLayer(overrides));
  if (why)
    throw invalid(input.overrides ? 'overrides' : 'modelId', `the engine refuses these settings: ${why}`);
  const esg = overrides.esgExcluded ?? [];
  if (esg.length) {
    const known = new Set(
      (await db('securities').whereIn('symbol', esg).select('symbol')).map(
        (r: { symbol: string }) => r.symbol,
      ),
    );
    const i = esg.findIndex((s) => !known.has(s));
    if (i >= 0) throw invalid(`overrides.esgExcluded.${i}`, `${esg[i]} is not a security of the book`);
  }
  const date = input.date ?? today;
  const overlay = {
    model_id: modelId,
    overrides: storedOverrides(overrides),
    lot_method: input.lotMethod ?? row.lot_method,
  };
  let snapshot: Awaited<ReturnType<typeof loadSnapshot>>;
  try {
    snapshot = await loadSnapshot(db, date, accountId, overlay);
  } catch (e) {
    if (e instanceof ApplicationFailure) throw conflict(input.date ? 'date' : ENTITY, e.message);
    throw e;
  }
  snapshot.blockedSymbols = await heldSymbols(db, date, accountId);
  const plan = planAccount(snapshot);
  plan.reasons.push(...restrictionImpact(snapshot, plan));
  const {
    substantiallyIdentical: _ids,
    defaultLotMethod: _lm,
    ...settings
  } = effectiveSettings(snapshot.model.config, accountEngineLayer({ ...row, ...overlay }));
  return {
    accountId,
    tradeDate: date,
    model: { id: model.id, version: model.version },
    lotMethod: snapshot.lotMethod,
    settings,
    plan,
  };
}
