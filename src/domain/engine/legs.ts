import { cashFloor, cashGoal } from './cash';
/**
 * From dollars to shares: the sell legs (forced lots, then further lots chosen by the lot method),
 * the buy legs (funded in tiers from the cash really available), the per-leg maxima, cent-rounded
 * notionals and the minimum trade.
 */
import type { ResolvedConfig } from './config';
import type { PlanContext } from './context';
import { holdingTerm } from './dates';
import { reason } from './explain';
import {
  type Fx,
  ONE as ONE_,
  ROUND_HALF_EVEN as ROUND_HALF_EVEN_,
  ZERO as ZERO_,
  fx,
  isSharedZero as isSharedZero_,
  maxFx as maxFx_,
  minFx as minFx_,
} from './fx';
import { applyImprovement } from './improvement';
import { type FxLot, type FxSelectedLot, LOT_METHOD_WHY, selectLotsFx } from './lots';
import type { LegDraft, MemberPlan, SleeveState } from './plan-state';
import { ceilQtyFx, floorQtyFx } from './sizing';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ONE = ONE_;
const ROUND_HALF_EVEN = ROUND_HALF_EVEN_;
const ZERO = ZERO_;
const maxFx = maxFx_;
const minFx = minFx_;
const isSharedZero = isSharedZero_;

const HALF = fx('0.5');

/** Sell legs, then buy legs funded by what the sells raise; each side after the improvement rule. */
export function buildLegs(ctx: PlanContext): LegDraft[] {
  const sells: LegDraft[] = [];
  // Sells, one leg per symbol (a holding belongs to one sleeve).
  for (const st of ctx.sleeves) {
    for (const m of st.members) {
      if (!m.canSell) continue;
      const leg = sellLeg(ctx, st, m);
      if (leg !== null) sells.push(leg);
    }
  }
  // Improvement rule on band-only sleeves (sells).
  applyImprovement(ctx, sells, 'SELL');
  const buys = buyLegs(ctx, sells);
  applyImprovement(ctx, buys, 'BUY');
  return [...sells, ...buys];
}

/**
 * A member's sell: its forced lots plus shares for its further sells (rounded up), capped at the leg
 * maxima (forced lots trimmed if needed), raised to the minimum trade when a withdrawal needs it,
 * else dropped below the minimum trade; lots by the account's method.
 */
function sellLeg(ctx: PlanContext, st: SleeveState, m: MemberPlan): LegDraft | null {
  const h = m.holding;
  let forcedQty = ZERO;
  for (const l of m.forced) forcedQty = forcedQty.plus(l.qty);
  let extraQty = ZERO;
  if (m.extraValue.isPos()) {
    extraQty = m.extraValue.gte(m.extraCapValue)
      ? m.extraCapQty
      : minFx(ceilQtyFx(m.extraValue.div(h.price), h.fractionable), m.extraCapQty);
  }
  if (isSharedZero(forcedQty) && isSharedZero(extraQty)) return null;
  if (forcedQty.plus(extraQty).lte(ZERO)) return null;
  let capped = false;
  const total = forcedQty.plus(extraQty);
  const maxQ = overLegMax(ctx, total, h.price, h.fractionable);
  if (maxQ !== null) {
    capped = true;
    st.notes.add('CAP');
    extraQty = maxFx(ZERO, maxQ.minus(forcedQty));
  }
  let forced: FxLot[] = m.forced;
  if (maxQ !== null && forcedQty.gt(maxQ)) {
    forced = [];
    let q = ZERO;
    for (const l of m.forced) {
      if (q.plus(l.qty).gt(maxQ)) break;
      forced.push(l);
      q = q.plus(l.qty);
    }
    forcedQty = q;
  }
  let qty = forcedQty.plus(extraQty);
  let notional = toCents(qty.times(h.price));
  if (notional.lt(ctx.minTrade)) {
    if (ctx.hardRaise && m.extraCapQty.isPos()) {
      extraQty = minFx(maxFx(extraQty, ceilQtyFx(ctx.minTrade.div(h.price), h.fractionable)), m.extraCapQty);
      qty = forcedQty.plus(extraQty);
      notional = toCents(qty.times(h.price));
    } else {
      st.notes.add('MIN_TRADE');
      return null;
    }
  }
  if (qty.lte(ZERO)) return null;
  const lots: FxSelectedLot[] = forced.map((l) => ({
    lot: l,
    qty: l.qty,
    term: holdingTermOf(l, ctx.asOf),
    gain: h.price.minus(l.unitCost).times(l.qty),
  }));
  if (extraQty.isPos()) {
    const sel = selectLotsFx(m.extraLots ?? m.holding.lots, extraQty, ctx.method, h.price, ctx.asOf);
    lots.push(...sel.lots);
  }
  return {
    symbol: h.symbol,
    side: 'SELL',
    qty,
    price: h.price,
    notional,
    exact: qty.times(h.price),
    fractionable: h.fractionable,
    lots,
    sleeves: [st],
    member: m,
    capped,
    lotWhy: forced.length > 0 ? 'specific lots' : LOT_METHOD_WHY[ctx.method],
  };
}

/** The buys wanted by the sleeves, one entry per buy symbol (several sleeves may buy the same symbol). */
interface BuyWant {
  sts: SleeveState[];
  /** Amounts by funding tier: replacements of forced sells, band/full, cash investment. */
  tiers: [Fx, Fx, Fx];
}

/** Buy legs: one per symbol, funded tier by tier from the cash the sells leave above the cash floor. */
function buyLegs(ctx: PlanContext, sells: LegDraft[]): LegDraft[] {
  let proceeds = ZERO;
  for (const l of sells) proceeds = proceeds.plus(l.notional);
  const budget = ctx.cash.plus(proceeds).minus(cashFloor(ctx, cashGoal(ctx)));
  const entries = buyWants(ctx);
  const amounts = fundBuys(entries, budget);
  const buys: LegDraft[] = [];
  const sellKeys = new Set<string>();
  for (const l of sells)
    if (ctx.taxable && l.lots.some((x) => x.gain.isNeg())) sellKeys.add(ctx.key(l.symbol));
  for (const [sym, e] of entries) {
    const amt = amounts.get(sym)!;
    if (amt.lte(ZERO)) continue;
    const leg = buyLeg(ctx, sym, e, amt, sellKeys);
    if (leg !== null) buys.push(leg);
  }
  return buys;
}

/** The sleeves' buy tiers summed per buy symbol, in symbol order. */
function buyWants(ctx: PlanContext): [string, BuyWant][] {
  const bySym = new Map<string, BuyWant>();
  for (const st of ctx.sleeves) {
    if (st.buySymbol === null) continue;
    const [a, b, c] = st.buyTiers;
    if (isSharedZero(a) && isSharedZero(b) && isSharedZero(c)) continue;
    if (a.plus(b).plus(c).lte(ZERO)) continue;
    const cur = bySym.get(st.buySymbol);
    if (cur) {
      cur.sts.push(st);
      cur.tiers = [cur.tiers[0].plus(a), cur.tiers[1].plus(b), cur.tiers[2].plus(c)];
    } else bySym.set(st.buySymbol, { sts: [st], tiers: [a, b, c] });
  }
  return [...bySym.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1));
}

/** Dollars per buy symbol: each tier in full while the budget lasts, the first tier it cannot cover scaled to what is left. */
function fundBuys(entries: [string, BuyWant][], available: Fx): Map<string, Fx> {
  const amounts = new Map<string, Fx>(entries.map(([s]) => [s, ZERO]));
  let budget = available.isNeg() ? ZERO : available;
  for (let tier = 0; tier < 3; tier++) {
    let want = ZERO;
    for (const [, e] of entries) want = want.plus(e.tiers[tier]!);
    if (want.lte(ZERO)) continue;
    const scale = want.lte(budget) ? ONE : budget.div(want);
    for (const [sym, e] of entries) {
      const part = e.tiers[tier]!.times(scale);
      amounts.set(sym, amounts.get(sym)!.plus(part));
      if (scale.lt(ONE)) for (const st of e.sts) st.notes.add('CASH');
    }
    budget = budget.minus(scale.lt(ONE) ? budget : want);
  }
  return amounts;
}

/**
 * A buy of `amt` dollars: shares rounded down (whole shares when not fractionable) so the
 * cent-rounded notional stays within the amount, capped at the leg maxima; dropped below the minimum
 * trade or when the plan sells the security (or a substantially identical one) at a loss.
 */
function buyLeg(ctx: PlanContext, sym: string, e: BuyWant, amt: Fx, sellKeys: Set<string>): LegDraft | null {
  const price = ctx.prices.get(sym)!;
  const fractionable = ctx.snap.securities[sym]?.fractionable ?? false;
  let qty = floorQtyFx(amt.div(price), fractionable);
  // The cent-rounded notional must not exceed the amount (it may round up by half a cent).
  if (toCents(qty.times(price)).gt(amt)) qty = qty.minus(fractionable ? STEP : ONE);
  let capped = false;
  const maxQ = overLegMax(ctx, qty, price, fractionable);
  if (maxQ !== null) {
    qty = maxQ;
    capped = true;
    for (const st of e.sts) st.notes.add('CAP');
  }
  const notional = toCents(qty.times(price));
  if (qty.lte(ZERO)) {
    for (const st of e.sts) st.notes.add(fractionable ? 'MIN_TRADE' : 'WHOLE_SHARES');
    return null;
  }
  if (notional.lt(ctx.minTrade)) {
    for (const st of e.sts) st.notes.add('MIN_TRADE');
    return null;
  }
  if (sellKeys.has(ctx.key(sym))) {
    for (const st of e.sts) st.notes.add('WASH_SALE');
    ctx.reasons.push(
      reason('WASH_SALE_AVOIDED', `Buy of ${sym} dropped: this plan sells it at a loss`, { symbol: sym }),
    );
    return null;
  }
  if (!fractionable && notional.lt(amt.times(HALF))) for (const st of e.sts) st.notes.add('WHOLE_SHARES');
  return {
    symbol: sym,
    side: 'BUY',
    qty,
    price,
    notional,
    exact: qty.times(price),
    fractionable,
    lots: [],
    sleeves: e.sts,
    capped,
  };
}

/** The largest allowed leg quantity when `qty` is above the share or notional maximum, else null. */
function overLegMax(ctx: PlanContext, qty: Fx, price: Fx, fractionable: boolean): Fx | null {
  const cfg = ctx.cfg;
  if (!qty.gt(cfg.maxLegShares) && !qty.times(price).gt(cfg.maxLegNotional)) return null;
  return minFx(cfg.maxLegShares, floorQtyFx(cfg.maxLegNotional.div(price), fractionable));
}

const STEP = fx('0.00001');

/** min(maxLegNotional, maxLegShares × price): the largest buy of one leg, memoised per config and price. */
const legRoomMemo = new WeakMap<ResolvedConfig, WeakMap<Fx, Fx>>();

export function legRoom(cfg: ResolvedConfig, price: Fx): Fx {
  let m = legRoomMemo.get(cfg);
  if (m === undefined) {
    m = new WeakMap();
    legRoomMemo.set(cfg, m);
  }
  let r = m.get(price);
  if (r === undefined) {
    r = minFx(cfg.maxLegNotional, cfg.maxLegShares.times(price));
    m.set(price, r);
  }
  return r;
}

function toCents(d: Fx): Fx {
  return d.toDecimalPlaces(2, ROUND_HALF_EVEN);
}

function holdingTermOf(l: FxLot, asOf: string): 'ST' | 'LT' {
  return holdingTerm(l.openDate, asOf);
}
