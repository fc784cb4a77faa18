/**
 * Engine configuration: every default of docs/domain.md §6–7, overridable per model and per account, and
 * its resolution into exact values. What each field means: `EngineConfig` in types.ts.
 *
 * Precedence (later wins): DEFAULT_ENGINE_CONFIG ← `planAccount(…, config)` (platform) ←
 * `model.config` ← `accountConfig`. Fractions and money are decimal strings.
 */
import { type Fx, ONE, fx } from './fx';
import type { BandRule, EngineConfig, LotMethod, RebalanceMode, SwapBackMode } from './types';

export const DEFAULT_ENGINE_CONFIG: EngineConfig = Object.freeze({
  bandRule: 'FIVE_TWENTY_FIVE',
  absBand: '0.05',
  relBand: '0.25',
  fiveTwentyFiveSplit: '0.20',
  bandInset: '0.10',
  rebalanceMode: 'TO_BAND',
  fullRebalanceCashFlowFraction: '0.10',
  cashTarget: '0.02',
  investExcessThreshold: '0.005',
  minTradeUsd: '50',
  minTradePct: '0.0025',
  improvementPct: '0.50',
  tlhEnabled: true,
  tlhMinLossPct: '0.05',
  tlhMinLossUsd: '250',
  washWindowDays: 30,
  substantiallyIdentical: [
    ['VOO', 'IVV'],
    ['BND', 'AGG'],
  ],
  swapBack: 'NO_GAIN',
  concentrationLimit: '0.75',
  maxLegNotional: '1000000',
  maxLegShares: '100000',
  defaultLotMethod: 'MIN_TAX',
  sellNonModelHoldings: true,
  shortTermTaxRate: '0.37',
  longTermTaxRate: '0.20',
}) as EngineConfig;

/** The configuration with its decimals parsed once (as the engine's exact `Fx`, see fx.ts). */
export interface ResolvedConfig {
  raw: EngineConfig;
  bandRule: BandRule;
  absBand: Fx;
  relBand: Fx;
  fiveTwentyFiveSplit: Fx;
  bandInset: Fx;
  rebalanceMode: RebalanceMode;
  fullRebalanceCashFlowFraction: Fx;
  cashTarget: Fx;
  investExcessThreshold: Fx;
  minTradeUsd: Fx;
  minTradePct: Fx;
  improvementPct: Fx;
  tlhEnabled: boolean;
  tlhMinLossPct: Fx;
  tlhMinLossUsd: Fx;
  washWindowDays: number;
  identical: Map<string, string>;
  swapBack: SwapBackMode;
  concentrationLimit: Fx;
  maxLegNotional: Fx;
  maxLegShares: Fx;
  defaultLotMethod: LotMethod;
  sellNonModelHoldings: boolean;
  shortTermTaxRate: Fx;
  longTermTaxRate: Fx;
}

function fraction(name: string, v: string, max = '1'): Fx {
  const d = fx(v);
  if (d.isNeg() || d.gt(fx(max)))
    throw new Error(`engine config ${name} must be within [0, ${max}], got ${v}`);
  return d;
}

function nonNeg(name: string, v: string): Fx {
  const d = fx(v);
  if (d.isNeg()) throw new Error(`engine config ${name} must not be negative, got ${v}`);
  return d;
}

/** Maps each symbol of an identical group to the group's canonical (smallest) symbol. */
export function identicalMap(groups: readonly (readonly string[])[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const g of groups) {
    if (g.length === 0) continue;
    const canon = [...g].sort()[0]!;
    for (const s of g) m.set(s, canon);
  }
  return m;
}

const cache = new WeakMap<object, ResolvedConfig>();

/** Merges the layers (later wins) and parses the decimals; throws on invalid values. */
export function resolveConfig(...layers: (Partial<EngineConfig> | undefined)[]): ResolvedConfig {
  const present = layers.filter((l): l is Partial<EngineConfig> => l !== undefined);
  if (present.length === 0) return resolveOne(DEFAULT_ENGINE_CONFIG);
  if (present.length === 1) return resolveOne(present[0]!);
  return resolveOne(Object.assign({}, ...present));
}

function resolveOne(layer: Partial<EngineConfig>): ResolvedConfig {
  const hit = cache.get(layer);
  if (hit) return hit;
  const c: EngineConfig =
    layer === DEFAULT_ENGINE_CONFIG ? DEFAULT_ENGINE_CONFIG : { ...DEFAULT_ENGINE_CONFIG, ...layer };
  if (!['ABS', 'REL', 'FIVE_TWENTY_FIVE'].includes(c.bandRule)) throw new Error(`bad bandRule ${c.bandRule}`);
  if (!['TO_BAND', 'FULL'].includes(c.rebalanceMode)) throw new Error(`bad rebalanceMode ${c.rebalanceMode}`);
  if (!['NO_GAIN', 'NO_ST_GAIN', 'OFF'].includes(c.swapBack)) throw new Error(`bad swapBack ${c.swapBack}`);
  if (!Number.isInteger(c.washWindowDays) || c.washWindowDays < 0) throw new Error('bad washWindowDays');
  const r: ResolvedConfig = {
    raw: c,
    bandRule: c.bandRule,
    absBand: fraction('absBand', c.absBand),
    relBand: fraction('relBand', c.relBand, '100'),
    fiveTwentyFiveSplit: fraction('fiveTwentyFiveSplit', c.fiveTwentyFiveSplit),
    bandInset: fraction('bandInset', c.bandInset),
    rebalanceMode: c.rebalanceMode,
    fullRebalanceCashFlowFraction: fraction(
      'fullRebalanceCashFlowFraction',
      c.fullRebalanceCashFlowFraction,
      '100',
    ),
    cashTarget: fraction('cashTarget', c.cashTarget),
    investExcessThreshold: fraction('investExcessThreshold', c.investExcessThreshold),
    minTradeUsd: nonNeg('minTradeUsd', c.minTradeUsd),
    minTradePct: fraction('minTradePct', c.minTradePct),
    improvementPct: fraction('improvementPct', c.improvementPct),
    tlhEnabled: c.tlhEnabled,
    tlhMinLossPct: fraction('tlhMinLossPct', c.tlhMinLossPct),
    tlhMinLossUsd: nonNeg('tlhMinLossUsd', c.tlhMinLossUsd),
    washWindowDays: c.washWindowDays,
    identical: identicalMap(c.substantiallyIdentical),
    swapBack: c.swapBack,
    concentrationLimit: fraction('concentrationLimit', c.concentrationLimit),
    maxLegNotional: nonNeg('maxLegNotional', c.maxLegNotional),
    maxLegShares: nonNeg('maxLegShares', c.maxLegShares),
    defaultLotMethod: c.defaultLotMethod,
    sellNonModelHoldings: c.sellNonModelHoldings,
    shortTermTaxRate: fraction('shortTermTaxRate', c.shortTermTaxRate),
    longTermTaxRate: fraction('longTermTaxRate', c.longTermTaxRate),
  };
  if (r.cashTarget.gte(ONE)) throw new Error('cashTarget must be below 1');
  cache.set(layer, r);
  return r;
}
