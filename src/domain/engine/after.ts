/**
 * The post-trade state at estimated prices: holdings' values and quantities moved by the legs, cash,
 * the value net of the withdrawal (moved by the legs' cent rounding), and the weights after, per
 * symbol and per sleeve (drift-row strings reused where the value provably did not change).
 */
import type { PlanContext } from './context';
import { w } from './explain';
import { type Fx, ZERO as ZERO_, maxFx as maxFx_ } from './fx';
import type { LegDraft, SleeveState } from './plan-state';
import type { EnginePlan } from './types';
import { Ratios } from './valuation';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;
const maxFx = maxFx_;

export interface PostTrade {
  cash: Fx;
  /** Value net of the withdrawal after the legs (the cent rounding of notionals moves it slightly). */
  netValue: Fx;
  /** The cent rounding left the value unchanged: figures of the drift rows still hold. */
  noResidue: boolean;
  /** Ratios to `netValue`. */
  ratios: Ratios;
  sleeveValue: Map<SleeveState, Fx>;
  /** Weights by symbol (held after the trades) and `$CASH`, as `EnginePlan.after.weights`. */
  weights: Record<string, string>;
  /** Weights by sleeve key, as `EnginePlan.after.sleeveWeights`. */
  sleeveWeights: Record<string, string>;
}

/** Values move by the legs' exact amounts (qty × estPrice) and cash by their cent-rounded notionals; nothing else changes. */
export function postTrade(ctx: PlanContext, drift: EnginePlan['drift'], drafts: LegDraft[]): PostTrade {
  const moved = moveByLegs(ctx, drafts);
  const noResidue = moved.residue.isZero();
  const netValue = noResidue ? ctx.netValue : maxFx(ZERO, ctx.netValue.plus(moved.residue));
  const ratios = noResidue ? ctx.ratios : new Ratios(netValue);
  const traded = new Set(drafts.map((l) => l.symbol));
  const rowBySymbol = new Map<string, string>();
  if (noResidue)
    ctx.sleeves.forEach((st, i) => {
      if (st.members.length === 1) rowBySymbol.set(st.members[0]!.holding.symbol, drift.rows[i]!.actual);
    });
  const weights: Record<string, string> = {};
  const weightOf = new Map<string, string>();
  for (const sym of [...moved.value.keys()].sort()) {
    if (!moved.qty.get(sym)!.isPos()) continue;
    const cached = traded.has(sym) ? undefined : rowBySymbol.get(sym);
    const wt = cached ?? w(ratios.of(moved.value.get(sym)!));
    weights[sym] = wt;
    weightOf.set(sym, wt);
  }
  weights.$CASH = w(ratios.of(moved.cash.minus(ctx.withdrawal)));
  const sleeveWeights: Record<string, string> = {};
  ctx.sleeves.forEach((st, i) => {
    const v = moved.sleeveValue.get(st)!;
    if (v.eq(st.value) && noResidue) {
      sleeveWeights[st.sleeve.key] = drift.rows[i]!.actual;
      return;
    }
    // A single-member sleeve moved only by its member's legs has exactly the member's value after.
    const sole =
      st.members.length === 1 && !moved.mixed.has(st)
        ? weightOf.get(st.members[0]!.holding.symbol)
        : undefined;
    sleeveWeights[st.sleeve.key] = sole ?? w(ratios.of(v));
  });
  return {
    cash: moved.cash,
    netValue,
    noResidue,
    ratios,
    sleeveValue: moved.sleeveValue,
    weights,
    sleeveWeights,
  };
}

interface Moved {
  value: Map<string, Fx>;
  qty: Map<string, Fx>;
  cash: Fx;
  /** Sum over the legs of the cent rounding of their notionals (what the total value moves by). */
  residue: Fx;
  sleeveValue: Map<SleeveState, Fx>;
  /** Sleeves whose value moved by legs of a symbol other than their single member. */
  mixed: Set<SleeveState>;
}

function moveByLegs(ctx: PlanContext, drafts: LegDraft[]): Moved {
  const valueAfter = new Map<string, Fx>();
  const qtyAfter = new Map<string, Fx>();
  for (const h of ctx.holdings) {
    valueAfter.set(h.symbol, h.value);
    qtyAfter.set(h.symbol, h.qty);
  }
  let cashAfter = ctx.cash;
  // Cent rounding of the cash legs changes the total by fractions of a cent.
  let residue = ZERO;
  const owner = new Map<string, SleeveState>();
  for (const st of ctx.sleeves) for (const m of st.members) owner.set(m.holding.symbol, st);
  const sleeveAfter = new Map<SleeveState, Fx>();
  for (const st of ctx.sleeves) sleeveAfter.set(st, st.value);
  const mixed = new Set<SleeveState>();
  for (const l of drafts) {
    const sell = l.side === 'SELL';
    const v = valueAfter.get(l.symbol) ?? ZERO;
    const q = qtyAfter.get(l.symbol) ?? ZERO;
    valueAfter.set(l.symbol, sell ? v.minus(l.exact) : v.plus(l.exact));
    qtyAfter.set(l.symbol, sell ? q.minus(l.qty) : q.plus(l.qty));
    cashAfter = sell ? cashAfter.plus(l.notional) : cashAfter.minus(l.notional);
    residue = sell ? residue.plus(l.notional).minus(l.exact) : residue.plus(l.exact).minus(l.notional);
    // A bought symbol belongs to the sleeve that bought it.
    let st = owner.get(l.symbol);
    if (!st) {
      st = l.sleeves[0]!;
      owner.set(l.symbol, st);
    }
    const sv = sleeveAfter.get(st)!;
    sleeveAfter.set(st, sell ? sv.minus(l.exact) : sv.plus(l.exact));
    if (st.members.length !== 1 || st.members[0]!.holding.symbol !== l.symbol) mixed.add(st);
  }
  return { value: valueAfter, qty: qtyAfter, cash: cashAfter, residue, sleeveValue: sleeveAfter, mixed };
}
