/**
 * An account's configuration: who it belongs to (advisor, household), its registration (taxable,
 * IRA, Roth), its model and mode, and its overrides of the model's engine settings (bands, cash
 * target, minimum trade, TLH on/off and thresholds, sell-non-model-holdings…) with its ESG
 * exclusions and lot method. An account without a model or a mode is PENDING_SETUP: it does not
 * trade until both are set.
 */
import { z } from 'zod';
import { ENGINE_SETTING_SHAPE, EngineSettings } from './engine-settings';
import {
  AccountId,
  AdvisorId,
  CustodianAccountNumber,
  HouseholdId,
  LotMethod,
  Mode,
  ModelId,
  Registration,
  Ticker,
  text,
} from './fields';

export const EsgExcluded = z.array(Ticker).max(200);

/** Every override an account may hold, all optional. */
export const AccountOverrides = EngineSettings.extend({ esgExcluded: EsgExcluded.optional() }).strict();
export type AccountOverrides = z.infer<typeof AccountOverrides>;

/**
 * A change of overrides (JSON merge patch): a field set to a value sets it, a field set to null
 * clears it (the model's setting applies again), a field left out is kept.
 */
const nullable = <T extends z.ZodRawShape>(shape: T) =>
  Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, s.nullable().optional()])) as {
    [K in keyof T]: z.ZodOptional<z.ZodNullable<T[K]>>;
  };

export const OverridesPatch = z
  .object(nullable({ ...ENGINE_SETTING_SHAPE, esgExcluded: EsgExcluded }))
  .strict();
export type OverridesPatch = z.infer<typeof OverridesPatch>;

export const CreateAccountInput = z
  .object({
    id: AccountId,
    custodianAccountNumber: CustodianAccountNumber,
    name: text(200, 'a name'),
    advisorId: AdvisorId.optional(),
    householdId: HouseholdId,
    registration: Registration,
    modelId: ModelId.optional(),
    mode: Mode.optional(),
    lotMethod: LotMethod.optional(),
    overrides: AccountOverrides.optional(),
    /**
     * The version of its model the account holds already (a book moved in from elsewhere); left
     * out, its first scan rebalances it fully to the model (MODEL_CHANGE).
     */
    lastTradedModelVersion: z.number().int().positive().optional(),
  })
  .strict()
  .refine((a) => a.lastTradedModelVersion === undefined || a.modelId !== undefined, {
    message: 'needs a modelId',
    path: ['lastTradedModelVersion'],
  });
export type CreateAccountInput = z.infer<typeof CreateAccountInput>;

/** A change of an account's settings: only the fields given change. */
export const AccountSettingsPatch = z
  .object({
    name: text(200, 'a name').optional(),
    advisorId: AdvisorId.optional(),
    householdId: HouseholdId.optional(),
    registration: Registration.optional(),
    modelId: ModelId.optional(),
    mode: Mode.optional(),
    lotMethod: LotMethod.optional(),
    overrides: OverridesPatch.optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'give at least one setting to change');
export type AccountSettingsPatch = z.infer<typeof AccountSettingsPatch>;

/** The fields an advisor may change on their own accounts when the firm allows it. */
export const ADVISOR_CHANGEABLE: ReadonlySet<keyof AccountSettingsPatch> = new Set([
  'mode',
  'lotMethod',
  'overrides',
]);

export const CloseAccountInput = z.object({ reason: text(2000, 'a reason') }).strict();

/** Applies a merge patch to the overrides (null clears, absent keeps). */
export function patchOverrides(current: AccountOverrides, patch: OverridesPatch): AccountOverrides {
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null || (Array.isArray(v) && v.length === 0)) delete next[k];
    else next[k] = v;
  }
  return next as AccountOverrides;
}

/** The engine layer of the overrides (everything but the ESG exclusions). */
export function engineLayer(o: AccountOverrides): EngineSettings {
  const { esgExcluded: _esg, ...engine } = o;
  return engine;
}
