/**
 * Valuation and drift: holdings at market, the model's sleeves (a target with its primary, its
 * alternates and any held security of its asset class) and their drift rows. Bands and the breach
 * test: bands.ts.
 */
import { type TargetInfo, bandHalfWidthFx, configMemo, targetInfo } from './bands';
import { type ResolvedConfig, resolveConfig } from './config';
import { type Fx, ONE as ONE_, ZERO as ZERO_, fx, plusUnlessZero as plusUnlessZero_ } from './fx';
import type { FxLot } from './lots';
import { weightStr } from './parse';
import type { RoutedTarget } from './restrictions';
import type { DriftRow, EngineConfig, SecurityInfo, SnapshotHolding, SnapshotLot } from './types';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ONE = ONE_;
const ZERO = ZERO_;
const plusUnlessZero = plusUnlessZero_;

/** A parsed holding. Its lots are parsed on first use (most holdings are never sold on a given day). */
export class Holding {
  readonly value: Fx;
  private parsedLots: FxLot[] | null = null;
  private isUnlotted = false;

  constructor(
    readonly symbol: string,
    readonly qty: Fx,
    readonly price: Fx,
    readonly fractionable: boolean,
    readonly rawLots: readonly SnapshotLot[],
    private readonly asOf: string,
  ) {
    this.value = qty.times(price);
  }

  /**
   * Lots in canonical order (open date, then lotId). When the lots do not cover the quantity, a
   * synthetic `<symbol>-UNLOTTED` lot with cost = price (no gain) opened today is appended.
   */
  get lots(): FxLot[] {
    if (this.parsedLots === null) {
      const lots: FxLot[] = this.rawLots.map((l) => ({
        lotId: l.lotId,
        openDate: l.openDate,
        qty: fx(l.qty),
        unitCost: fx(l.unitCost),
      }));
      lots.sort(byOpenDateThenId);
      let lotQty = ZERO;
      for (const l of lots) lotQty = lotQty.plus(l.qty);
      if (lotQty.lt(this.qty)) {
        lots.push({
          lotId: `${this.symbol}-UNLOTTED`,
          openDate: this.asOf,
          qty: this.qty.minus(lotQty),
          unitCost: this.price,
        });
        this.isUnlotted = true;
      }
      this.parsedLots = lots;
    }
    return this.parsedLots;
  }

  /** True when a synthetic lot had to be added. */
  get unlotted(): boolean {
    void this.lots;
    return this.isUnlotted;
  }
}

function byOpenDateThenId(a: FxLot, b: FxLot): number {
  if (a.openDate !== b.openDate) return a.openDate < b.openDate ? -1 : 1;
  return a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0;
}

/**
 * Ratios to one base for display (weights, relative deviations): a × (1 / base), one division per
 * base instead of one per value. Never used for decisions, which compare values exactly.
 */
export class Ratios {
  private readonly inv: Fx | null;

  constructor(base: Fx) {
    this.inv = base.isPos() ? ONE.div(base) : null;
  }

  of(a: Fx): Fx {
    return this.inv === null ? ZERO : a.times(this.inv);
  }
}

const inverseMemo = new Map<string, Fx>();

/** 1 / x, memoised (target weights repeat across the accounts of a model). */
export function inverse(x: Fx): Fx {
  const k = x.toString();
  let v = inverseMemo.get(k);
  if (v === undefined) {
    if (inverseMemo.size > 10_000) inverseMemo.clear();
    v = ONE.div(x);
    inverseMemo.set(k, v);
  }
  return v;
}

/** Parses holdings in a canonical order (by symbol). */
export function parseHoldings(
  holdings: readonly SnapshotHolding[],
  prices: { get(symbol: string): Fx | undefined },
  securities: Readonly<Record<string, SecurityInfo>>,
  asOf: string,
): Holding[] {
  const out: Holding[] = [];
  const seen = new Set<string>();
  for (const h of holdings) {
    if (seen.has(h.symbol)) throw new Error(`duplicate holding ${h.symbol}`);
    seen.add(h.symbol);
    const qty = fx(h.qty);
    if (qty.isNeg()) throw new Error(`negative holding ${h.symbol}`);
    const price = prices.get(h.symbol) ?? fx(h.price);
    out.push(new Holding(h.symbol, qty, price, securities[h.symbol]?.fractionable ?? false, h.lots, asOf));
  }
  return out.sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
}

export interface Sleeve {
  /** Primary symbol after routing (or the symbol of a non-model holding). */
  key: string;
  isModel: boolean;
  modelSymbols: string[];
  routedFrom?: string;
  assetClass: string;
  /** Effective target weight (fraction of value); 0 for non-model holdings. */
  target: Fx;
  half: Fx;
  /** Buy candidates in priority order: primary, its alternates, then the model symbols' alternates. */
  candidates: string[];
  known: Set<string>;
  members: Holding[];
  value: Fx;
  /** Target value (target × total), set by computeDriftRows. */
  targetValue?: Fx;
  /** Values derived from the target alone (strings, inverse, inset edges). */
  info?: TargetInfo;
  /** |value − targetValue|, set by computeDriftRows for model sleeves when the total is positive. */
  absDev?: Fx;
}

/**
 * Builds the sleeves: model targets normalised to sum to 1 − cashTarget, then every holding mapped
 * to a sleeve by (1) its primary symbol, (2) being one of a sleeve's known symbols (primary and
 * alternates, first sleeve by symbol order), or (3) its asset class when exactly one sleeve has it;
 * anything else is a non-model holding (target 0), in symbol order after the model sleeves.
 */
export function buildSleeves(
  targets: readonly RoutedTarget[],
  holdings: readonly Holding[],
  securities: Readonly<Record<string, SecurityInfo>>,
  cfg: ResolvedConfig,
): Sleeve[] {
  let total = ZERO;
  for (const t of targets) total = total.plus(t.weight);
  const memo = configMemo(cfg);
  const invested = memo.invested;
  const unit = total.isPos() && total.eq(ONE);
  const factor = total.isPos() ? (unit ? invested : invested.div(total)) : ZERO;
  const sleeves: Sleeve[] = targets.map((t) => {
    // The effective target depends only on the weight when the weights sum to 1 (memoised by weight).
    let info = unit ? memo.byWeight.get(t.weight) : undefined;
    if (info === undefined) {
      info = targetInfo(t.weight.times(factor), cfg);
      if (unit) memo.byWeight.set(t.weight, info);
    }
    const target = info.target;
    const candidates: string[] = [];
    const add = (s: string) => {
      if (!candidates.includes(s)) candidates.push(s);
    };
    add(t.symbol);
    for (const a of securities[t.symbol]?.tlhAlternates ?? []) add(a);
    for (const m of t.modelSymbols) for (const a of securities[m]?.tlhAlternates ?? []) add(a);
    const known = new Set(candidates);
    for (const m of t.modelSymbols) known.add(m);
    return {
      key: t.symbol,
      isModel: true,
      modelSymbols: t.modelSymbols,
      ...(t.routedFrom !== undefined ? { routedFrom: t.routedFrom } : {}),
      assetClass: t.assetClass,
      target,
      half: info.half,
      candidates,
      known,
      members: [],
      value: ZERO,
      info,
    };
  });
  const byKey = new Map(sleeves.map((s) => [s.key, s]));
  const classCount = new Map<string, number>();
  for (const s of sleeves) classCount.set(s.assetClass, (classCount.get(s.assetClass) ?? 0) + 1);
  const extra: Sleeve[] = [];
  for (const h of holdings) {
    const s = sleeveOf(h.symbol, sleeves, byKey, classCount, securities);
    if (s) {
      s.members.push(h);
      s.value = plusUnlessZero(s.value, h.value);
    } else {
      extra.push({
        key: h.symbol,
        isModel: false,
        modelSymbols: [],
        assetClass: securities[h.symbol]?.assetClass ?? '',
        target: ZERO,
        half: ZERO,
        candidates: [],
        known: new Set([h.symbol]),
        members: [h],
        value: h.value,
      });
    }
  }
  return [...sleeves, ...extra];
}

/** The model sleeve a symbol belongs to, if any (same rules as buildSleeves). */
export function sleeveOf(
  symbol: string,
  sleeves: readonly Sleeve[],
  byKey: ReadonlyMap<string, Sleeve>,
  classCount: ReadonlyMap<string, number>,
  securities: Readonly<Record<string, SecurityInfo>>,
): Sleeve | undefined {
  const direct = byKey.get(symbol);
  if (direct?.isModel) return direct;
  for (const s of sleeves) if (s.isModel && s.known.has(symbol)) return s;
  const cls = securities[symbol]?.assetClass;
  if (cls !== undefined && classCount.get(cls) === 1) {
    for (const s of sleeves) if (s.isModel && s.assetClass === cls) return s;
  }
  return undefined;
}

/** Drift rows of sleeves against `totalValue` (rows in sleeve order); `ratios`: `new Ratios(totalValue)` if the caller has it. */
export function computeDriftRows(
  sleeves: readonly Sleeve[],
  totalValue: Fx,
  cfg: ResolvedConfig,
  ratios?: Ratios,
): DriftRow[] {
  const r = ratios ?? new Ratios(totalValue);
  const positive = totalValue.isPos();
  return sleeves.map((s) => {
    const actual = r.of(s.value);
    const dev = actual.minus(s.target);
    const tV = s.target.times(totalValue);
    s.targetValue = tV;
    let breached: boolean;
    if (s.isModel) {
      // isBreachedValue(s.value, s.target, s.half, totalValue, tV), keeping |value − tV|.
      if (positive) {
        const d = s.value.minus(tV).abs();
        s.absDev = d;
        breached = !d.isZero() && d.gte(s.half.times(totalValue));
      } else breached = false;
    } else breached = cfg.sellNonModelHoldings && s.value.isPos();
    const info = s.info;
    let relDev = '0';
    if (info !== undefined) {
      const inv = info.inv;
      if (inv !== null) relDev = weightStr(dev.times(inv));
    } else if (s.target.isPos()) relDev = weightStr(dev.times(inverse(s.target)));
    return {
      symbol: s.key,
      target: info !== undefined ? info.targetStr : weightStr(s.target),
      actual: weightStr(actual),
      absDev: weightStr(dev),
      relDev,
      band: info !== undefined ? info.halfStr : weightStr(s.half),
      breached,
      members: s.members.map((m) => m.symbol),
    };
  });
}

/**
 * Drift rows from plain inputs (a convenience for callers and tests): each row is a sleeve with an
 * effective target weight and a market value; non-model rows have target '0'.
 */
export function driftRows(
  rows: readonly { symbol: string; target: string; value: string; members?: string[] }[],
  totalValue: string,
  config?: Partial<EngineConfig>,
): DriftRow[] {
  const cfg = resolveConfig(config);
  const sleeves: Sleeve[] = rows.map((r) => {
    const target = fx(r.target);
    return {
      key: r.symbol,
      isModel: target.isPos(),
      modelSymbols: [r.symbol],
      assetClass: '',
      target,
      half: bandHalfWidthFx(target, cfg),
      candidates: [r.symbol],
      known: new Set([r.symbol]),
      members: (r.members ?? [r.symbol]).map((m) => new Holding(m, ZERO, ZERO, true, [], '1970-01-01')),
      value: fx(r.value),
    };
  });
  return computeDriftRows(sleeves, fx(totalValue), cfg);
}
