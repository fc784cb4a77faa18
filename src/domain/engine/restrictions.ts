/**
 * Restrictions and screens: per-security do-not-buy / do-not-sell / do-not-trade, open
 * reconciliation breaks (no trade), and ESG screens that exclude securities and route a model
 * target's weight to an allowed substitute.
 */
import type { Fx } from './fx';
import type { AccountSnapshot, RestrictionKind, SecurityInfo } from './types';

export interface Tradability {
  canBuy: boolean;
  canSell: boolean;
  /** Why buying is not allowed (codes such as NO_BUY, BLOCKED, ESG_EXCLUDED, NO_PRICE). */
  buyBlocks: string[];
  sellBlocks: string[];
}

/** Restriction, break and ESG state of one account. */
export class RestrictionBook {
  private readonly kinds = new Map<string, Set<RestrictionKind>>();
  readonly reasons = new Map<string, string[]>();
  readonly blocked: ReadonlySet<string>;
  readonly esgExcluded: ReadonlySet<string>;
  private readonly cache = new Map<string, Tradability>();

  constructor(
    snap: Pick<AccountSnapshot, 'restrictions' | 'blockedSymbols' | 'esgScreen' | 'securities'>,
    private readonly prices: { get(symbol: string): Fx | undefined },
  ) {
    for (const r of snap.restrictions) {
      let s = this.kinds.get(r.symbol);
      if (!s) {
        s = new Set();
        this.kinds.set(r.symbol, s);
      }
      s.add(r.kind);
      const rs = this.reasons.get(r.symbol) ?? [];
      rs.push(`${r.kind}: ${r.reason}`);
      this.reasons.set(r.symbol, rs);
    }
    this.blocked = new Set(snap.blockedSymbols);
    const ex = new Set(snap.esgScreen?.excluded ?? []);
    const secs = snap.securities;
    for (const sym in secs) if (Object.hasOwn(secs, sym) && secs[sym]!.esgExcluded) ex.add(sym);
    this.esgExcluded = ex;
  }

  /** Static tradability of a symbol (restrictions, breaks, ESG, price); wash sales are checked elsewhere. */
  of(symbol: string): Tradability {
    const hit = this.cache.get(symbol);
    if (hit) return hit;
    const k = this.kinds.get(symbol);
    const buyBlocks: string[] = [];
    const sellBlocks: string[] = [];
    if (k?.has('NO_BUY')) buyBlocks.push('NO_BUY');
    if (k?.has('NO_TRADE')) {
      buyBlocks.push('NO_TRADE');
      sellBlocks.push('NO_TRADE');
    }
    if (k?.has('NO_SELL')) sellBlocks.push('NO_SELL');
    if (this.blocked.has(symbol)) {
      buyBlocks.push('BLOCKED');
      sellBlocks.push('BLOCKED');
    }
    if (this.esgExcluded.has(symbol)) buyBlocks.push('ESG_EXCLUDED');
    const px = this.prices.get(symbol);
    if (!px || !px.isPos()) {
      buyBlocks.push('NO_PRICE');
      sellBlocks.push('NO_PRICE');
    }
    const t = { canBuy: buyBlocks.length === 0, canSell: sellBlocks.length === 0, buyBlocks, sellBlocks };
    this.cache.set(symbol, t);
    return t;
  }
}

export interface RoutedTarget {
  /** Symbols of the model that route to this sleeve (normally one). */
  modelSymbols: string[];
  /** Primary security after ESG routing. */
  symbol: string;
  /** Raw (un-normalised) weight. */
  weight: Fx;
  assetClass: string;
  /** Set when ESG moved the weight from the model symbol to a substitute. */
  routedFrom?: string;
}

/**
 * ESG routing of the model targets: an excluded primary is replaced by the screen's substitute, or
 * else by its first allowed TLH alternate; with neither, the target is dropped (its weight is then
 * spread over the other targets by normalisation). Targets landing on the same symbol are merged.
 */
export function routeTargets(
  targets: readonly { symbol: string; weight: Fx; assetClass?: string }[],
  securities: Readonly<Record<string, SecurityInfo>>,
  excluded: ReadonlySet<string>,
  substitutes: Readonly<Record<string, string>>,
): { targets: RoutedTarget[]; dropped: string[] } {
  const bySymbol = new Map<string, RoutedTarget>();
  const dropped: string[] = [];
  for (const t of targets) {
    let sym: string | null = t.symbol;
    if (excluded.has(t.symbol)) {
      const sub = substitutes[t.symbol];
      if (sub !== undefined && !excluded.has(sub) && securities[sub]) sym = sub;
      else sym = securities[t.symbol]?.tlhAlternates.find((a) => !excluded.has(a) && securities[a]) ?? null;
    }
    if (sym === null) {
      dropped.push(t.symbol);
      continue;
    }
    const cls = t.assetClass ?? securities[t.symbol]?.assetClass ?? securities[sym]?.assetClass ?? sym;
    const prev = bySymbol.get(sym);
    if (prev) {
      prev.weight = prev.weight.plus(t.weight);
      if (!prev.modelSymbols.includes(t.symbol)) prev.modelSymbols.push(t.symbol);
    } else {
      bySymbol.set(sym, {
        modelSymbols: [t.symbol],
        symbol: sym,
        weight: t.weight,
        assetClass: cls,
        ...(sym !== t.symbol ? { routedFrom: t.symbol } : {}),
      });
    }
  }
  const out = [...bySymbol.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return { targets: out, dropped };
}
