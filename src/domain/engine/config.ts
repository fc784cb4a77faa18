/**
 * Engine configuration: every default of docs/domain.md §6–7, overridable per model and per account.
 *
 * Precedence (later wins): DEFAULT_ENGINE_CONFIG ← `planAccount(…, config)` (platform) ←
 * `model.config` ← `accountConfig`. Fractions and money are decimal strings.
 */
import { type Fx, ONE, fx } from './fx';
import type { LotMethod } from './types';

export type BandRule = 'ABS' | 'REL' | 'FIVE_TWENTY_FIVE';
export type RebalanceMode = 'TO_BAND' | 'FULL';
/** Which lots of an alternate may be sold to swap back into the primary after the wash window. */
export type SwapBackMode = 'NO_GAIN' | 'NO_ST_GAIN' | 'OFF';

export interface EngineConfig {
  /** Drift band rule: absolute pp, relative %, or 5/25 (abs for large targets, rel for small). */
  bandRule: BandRule;
  /** Absolute band half-width as a fraction (0.05 = 5 pp). */
  absBand: string;
  /** Relative band as a fraction of the target (0.25 = 25 %). */
  relBand: string;
  /** 5/25 rule: targets >= this weight use `absBand`, smaller ones `relBand`. */
  fiveTwentyFiveSplit: string;
  /**
   * TO_BAND trades stop this fraction of the band half-width inside the band edge (0.1 = 10 %), so a
   * repaired sleeve is strictly inside its band (a deviation equal to the half-width is a breach).
   */
  bandInset: string;
  /** Daily mode; FULL is always used on a model change and on large cash flows. */
  rebalanceMode: RebalanceMode;
  /** Cash flow (net excess cash in, or withdrawal out) above this fraction of value forces FULL. */
  fullRebalanceCashFlowFraction: string;
  /** Cash buffer kept after trades, fraction of value net of the withdrawal. */
  cashTarget: string;
  /** Invest excess cash when cash is this fraction of value above the target. */
  investExcessThreshold: string;
  /** Minimum trade: a leg must be at least this many dollars … */
  minTradeUsd: string;
  /** … and at least this fraction of account value. */
  minTradePct: string;
  /** A drift trade must cut the sleeve's deviation by at least this fraction (Tamarac default 50 %). */
  improvementPct: string;
  /** Tax-loss harvesting (taxable accounts only). */
  tlhEnabled: boolean;
  /** Lot-level loss threshold as a fraction of lot cost (both thresholds must hold). */
  tlhMinLossPct: string;
  /** Loss threshold in dollars per account-security (sum of the qualifying lots). */
  tlhMinLossUsd: string;
  /** Wash-sale window in calendar days either side of the sale (a count, not money). */
  washWindowDays: number;
  /** Groups of symbols treated as substantially identical to each other (gray areas, conservative). */
  substantiallyIdentical: string[][];
  swapBack: SwapBackMode;
  /** A buy may not take a single security above this fraction of value. */
  concentrationLimit: string;
  /** Per-leg notional maximum (USD). */
  maxLegNotional: string;
  /** Per-leg share maximum. */
  maxLegShares: string;
  /** Lot method used when the snapshot does not give one. */
  defaultLotMethod: LotMethod;
  /** Sell holdings that belong to no model sleeve. */
  sellNonModelHoldings: boolean;
  /** Marginal rates for the tax estimate (taxable accounts). */
  shortTermTaxRate: string;
  longTermTaxRate: string;
}

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
