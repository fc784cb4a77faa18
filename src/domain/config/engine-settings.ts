/**
 * The engine settings a model version or an account may set: the fields of the engine's own
 * `EngineConfig` (src/domain/engine/config.ts), each with the range `resolveConfig` accepts.
 * Layers (later wins, src/domain/engine/README.md): engine defaults ← model version ← account.
 *
 * `checkEngineLayers` then runs the engine's own `resolveConfig` on the layers as the engine will
 * see them, so a setting that passes here can never make the engine throw.
 *
 * Two engine fields are set elsewhere: `substantiallyIdentical` comes from the securities'
 * identical groups, `defaultLotMethod` from the account's lot method.
 */
import { z } from 'zod';
import { type EngineConfig, resolveConfig } from '../engine';
import { decimalIn, fraction } from './fields';

const money = decimalIn({}, 'an amount');

export const ENGINE_SETTING_SHAPE = {
  bandRule: z.enum(['ABS', 'REL', 'FIVE_TWENTY_FIVE']),
  absBand: fraction(),
  relBand: fraction('100'),
  fiveTwentyFiveSplit: fraction(),
  bandInset: fraction(),
  rebalanceMode: z.enum(['TO_BAND', 'FULL']),
  fullRebalanceCashFlowFraction: fraction('100'),
  cashTarget: decimalIn({ below: '1' }, 'a fraction'),
  investExcessThreshold: fraction(),
  minTradeUsd: money,
  minTradePct: fraction(),
  improvementPct: fraction(),
  tlhEnabled: z.boolean(),
  tlhMinLossPct: fraction(),
  tlhMinLossUsd: money,
  washWindowDays: z.number().int().min(0).max(366),
  swapBack: z.enum(['NO_GAIN', 'NO_ST_GAIN', 'OFF']),
  concentrationLimit: fraction(),
  maxLegNotional: money,
  maxLegShares: money,
  sellNonModelHoldings: z.boolean(),
  shortTermTaxRate: fraction(),
  longTermTaxRate: fraction(),
} as const;

/** Engine settings of one layer: every field optional, no unknown field. */
export const EngineSettings = z.object(ENGINE_SETTING_SHAPE).partial().strict();
export type EngineSettings = z.infer<typeof EngineSettings>;

export type EngineSettingKey = keyof typeof ENGINE_SETTING_SHAPE;
export const ENGINE_SETTING_KEYS = Object.keys(ENGINE_SETTING_SHAPE) as EngineSettingKey[];

// Compile-time checks: every setting is an engine field of the same type, and every engine field
// is either a setting or one of the two set elsewhere (a new engine field fails here until added).
type SetElsewhere = 'substantiallyIdentical' | 'defaultLotMethod';
const _settingsAreEngineFields: Partial<EngineConfig> = {} as EngineSettings;
const _engineFieldsAreCovered: Record<Exclude<keyof EngineConfig, SetElsewhere>, true> = Object.fromEntries(
  ENGINE_SETTING_KEYS.map((k) => [k, true]),
) as Record<EngineSettingKey, true>;
void _settingsAreEngineFields;
void _engineFieldsAreCovered;

/** The settings whose value is a boolean or a whole number (the rest are decimal strings or enums). */
export const BOOLEAN_SETTINGS: readonly EngineSettingKey[] = ['tlhEnabled', 'sellNonModelHoldings'];
export const INTEGER_SETTINGS: readonly EngineSettingKey[] = ['washWindowDays'];

/**
 * The engine's verdict on the layers (later wins): undefined when `resolveConfig` accepts them,
 * else its message. Cheap: the engine caches a resolved layer.
 */
export function checkEngineLayers(...layers: (Partial<EngineConfig> | undefined)[]): string | undefined {
  try {
    resolveConfig(...layers);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** The resolved settings as plain values (decimal strings), defaults filled in. */
export function effectiveSettings(...layers: (Partial<EngineConfig> | undefined)[]): EngineConfig {
  return { ...resolveConfig(...layers).raw };
}
