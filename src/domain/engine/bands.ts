/**
 * Drift bands: the half-width of a target's band under the band rule (ABS, REL, 5/25), the breach
 * test (|actual − target| >= half-width, and not zero), and what is derived from an effective target
 * weight alone (`TargetInfo`: display strings, inverse, inset band edges), memoised per configuration.
 */
import type { Dec } from '../money';
import type { ResolvedConfig } from './config';
import { Fx, ONE as ONE_, ZERO as ZERO_ } from './fx';
import { weightStr } from './parse';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ONE = ONE_;
const ZERO = ZERO_;

/**
 * An effective target weight with what is derived from it alone (under one configuration): band
 * half-width, display strings, inverse, inset band edges. Computed on first use; memoised across
 * accounts per configuration when the weight and the normalisation factor repeat.
 */
export class TargetInfo {
  private tStr: string | undefined;
  private hStr: string | undefined;
  private lStr: string | undefined;
  private uStr: string | undefined;
  private invV: Fx | null | undefined;
  private insetHalfV: Fx | undefined;
  private insetUpperV: Fx | undefined;

  constructor(
    readonly target: Fx,
    readonly half: Fx,
    private readonly inset: Fx,
  ) {}

  /** weightStr(target). */
  get targetStr(): string {
    if (this.tStr === undefined) this.tStr = weightStr(this.target);
    return this.tStr;
  }

  /** weightStr(half). */
  get halfStr(): string {
    if (this.hStr === undefined) this.hStr = weightStr(this.half);
    return this.hStr;
  }

  /** weightStr(max(0, target − half)). */
  get lowerStr(): string {
    if (this.lStr === undefined) {
      const lo = this.target.minus(this.half);
      this.lStr = weightStr(lo.isNeg() ? ZERO : lo);
    }
    return this.lStr;
  }

  /** weightStr(target + half). */
  get upperStr(): string {
    if (this.uStr === undefined) this.uStr = weightStr(this.target.plus(this.half));
    return this.uStr;
  }

  /** 1 / target (null when the target is not positive). */
  get inv(): Fx | null {
    if (this.invV === undefined) this.invV = this.target.isPos() ? ONE.div(this.target) : null;
    return this.invV;
  }

  /** half × (1 − bandInset). */
  get insetHalf(): Fx {
    if (this.insetHalfV === undefined) this.insetHalfV = this.half.times(this.inset);
    return this.insetHalfV;
  }

  /** target + half × (1 − bandInset). */
  get insetUpper(): Fx {
    if (this.insetUpperV === undefined) this.insetUpperV = this.target.plus(this.insetHalf);
    return this.insetUpperV;
  }
}

/** Per configuration: 1 − bandInset, and TargetInfo per raw weight (by instance) at factor 1 − cashTarget. */
const targetMemo = new WeakMap<
  ResolvedConfig,
  { inset: Fx; invested: Fx; byWeight: WeakMap<Fx, TargetInfo> }
>();

export function configMemo(cfg: ResolvedConfig): {
  inset: Fx;
  invested: Fx;
  byWeight: WeakMap<Fx, TargetInfo>;
} {
  let m = targetMemo.get(cfg);
  if (m === undefined) {
    m = { inset: ONE.minus(cfg.bandInset), invested: ONE.minus(cfg.cashTarget), byWeight: new WeakMap() };
    targetMemo.set(cfg, m);
  }
  return m;
}

/** 1 − bandInset of a configuration (memoised). */
export function insetOf(cfg: ResolvedConfig): Fx {
  return configMemo(cfg).inset;
}

/** TargetInfo of an effective target weight (no memo). */
export function targetInfo(target: Fx, cfg: ResolvedConfig): TargetInfo {
  return new TargetInfo(target, bandHalfWidthFx(target, cfg), configMemo(cfg).inset);
}

/** Half-width of a target's band (fraction of value) under the band rule. */
export function bandHalfWidth(target: Dec, cfg: ResolvedConfig): Dec {
  return bandHalfWidthFx(Fx.fromDec(target), cfg).toDec();
}

/** `bandHalfWidth` on `Fx`. */
export function bandHalfWidthFx(target: Fx, cfg: ResolvedConfig): Fx {
  switch (cfg.bandRule) {
    case 'ABS':
      return cfg.absBand;
    case 'REL':
      return target.times(cfg.relBand);
    case 'FIVE_TWENTY_FIVE':
      return target.gte(cfg.fiveTwentyFiveSplit) ? cfg.absBand : target.times(cfg.relBand);
  }
}

/** A deviation breaches the band when |actual − target| >= half-width and it is not zero. */
export function isBreached(actual: Dec, target: Dec, half: Dec): boolean {
  const dev = actual.minus(target).abs();
  return !dev.isZero() && dev.gte(half);
}

/**
 * Exact breach test in value space (no division): |value − target·total| >= half·total and not zero.
 * With a zero total nothing is breached.
 */
export function isBreachedValue(value: Fx, target: Fx, half: Fx, total: Fx, targetValue?: Fx): boolean {
  if (!total.isPos()) return false;
  const dev = value.minus(targetValue ?? target.times(total)).abs();
  return !dev.isZero() && dev.gte(half.times(total));
}
