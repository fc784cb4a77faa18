import { insetOf } from './bands';
import { balanceCash } from './cash';
/**
 * The proposal in value space: each sleeve's desired value within what it can reach (TO_BAND: the
 * inset band edge, FULL: the target), then cash raised or invested (cash.ts), then the split of a
 * sleeve's trade over its members (buy tiers; sells from the lowest estimated gain per dollar first).
 */
import type { PlanContext } from './context';
import {
  type Fx,
  ZERO as ZERO_,
  fx,
  maxFx as maxFx_,
  minFx as minFx_,
  minusUnlessZero as minusUnlessZero_,
} from './fx';
import { legRoom } from './legs';
import { selectLotsFx } from './lots';
import type { MemberPlan, SleeveState } from './plan-state';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;
const maxFx = maxFx_;
const minFx = minFx_;
const minusUnlessZero = minusUnlessZero_;

const HUNDRED_ONE = fx('1.01');

/**
 * Value-space proposal: each sleeve's desired value within [minValue, maxValue], then cash raised or invested
 * (cash.ts), then the split of each sleeve's trade over its members.
 */
export function sizeValues(ctx: PlanContext): void {
  const inset = insetOf(ctx.cfg);
  const bump = ctx.minTrade.times(HUNDRED_ONE);
  const limitV = ctx.cfg.concentrationLimit.times(ctx.netValue);
  for (const st of ctx.sleeves) {
    if (st.frozen) continue;
    st.maxValue = buyCeiling(ctx, st, limitV);
    desiredValue(ctx, st, inset, bump);
  }
  balanceCash(ctx, inset);
  for (const st of ctx.sleeves) if (!st.frozen) splitToMembers(ctx, st);
}

/** The highest value the sleeve may reach: what stays after forced sells plus the room to buy (concentration and leg limits). */
function buyCeiling(ctx: PlanContext, st: SleeveState, limitV: Fx): Fx {
  const buy = st.buySymbol;
  const base = minusUnlessZero(st.value, st.forcedValue);
  if (buy === null) return base;
  const price = ctx.prices.get(buy)!;
  let held = ZERO;
  for (const m of st.members) if (m.holding.symbol === buy) held = m.holding.value;
  let room = minusUnlessZero(limitV, held);
  if (room.isNeg()) room = ZERO;
  room = minFx(room, legRoom(ctx.cfg, price));
  return base.plus(room);
}

/**
 * The sleeve's desired value: 0 (or unchanged) for a non-model holding, the target under FULL, the
 * inset band edge for a breached sleeve under TO_BAND (moved at least the minimum trade when the band
 * allows it), else unchanged; then clamped to [minValue, maxValue].
 */
function desiredValue(ctx: PlanContext, st: SleeveState, inset: Fx, bump: Fx): void {
  const s = st.sleeve;
  let desired: Fx;
  if (!s.isModel) {
    desired = ctx.cfg.sellNonModelHoldings ? ZERO : st.value;
    st.purposes.add('NON_MODEL');
  } else if (ctx.full) {
    desired = st.targetValue;
    st.purposes.add('FULL');
  } else if (st.breach !== null) {
    const tV = st.targetValue;
    const edge = (s.info !== undefined ? s.info.insetHalf : s.half.times(inset)).times(ctx.netValue);
    const dev = st.value.minus(tV);
    desired = dev.isPos() ? tV.plus(edge) : tV.minus(edge);
    const move = st.value.minus(desired).abs();
    if (move.lt(bump)) {
      const maxMove = dev.abs().plus(edge);
      if (bump.lte(maxMove)) desired = dev.isPos() ? st.value.minus(bump) : st.value.plus(bump);
    }
    st.purposes.add('BAND');
  } else {
    desired = st.value;
  }
  if (desired.lt(st.minValue)) {
    st.notes.add('SELL_CAPACITY');
    desired = st.minValue;
  }
  if (desired.gt(st.maxValue)) {
    st.notes.add(st.buySymbol === null ? 'NO_BUY' : 'CAP');
    desired = st.maxValue;
  }
  st.desiredBeforeCash = desired;
  st.desired = desired;
  if (st.forcedValue.isPos()) st.purposes.add('FORCED');
}

/**
 * Member split: a sleeve's buys go to its buy symbol, in three funding tiers (replacements of forced
 * sells, band/full, cash investment); its sells come from the members with the lowest estimated gain
 * per dollar first.
 */
function splitToMembers(ctx: PlanContext, st: SleeveState): void {
  const base = minusUnlessZero(st.value, st.forcedValue);
  if (st.desired.gt(base) && st.buySymbol !== null) {
    const amt = st.desired.minus(base);
    const t0 = minFx(amt, st.forcedValue);
    const t1 = minFx(amt.minus(t0), maxFx(ZERO, st.desiredBeforeCash.minus(st.value)));
    st.buyTiers = [t0, t1, amt.minus(t0).minus(t1)];
  } else if (st.desired.lt(base)) {
    let need = base.minus(st.desired);
    const order = sellOrder(ctx, st, need);
    for (const m of order) {
      if (need.lte(ZERO)) break;
      const take = minFx(need, m.extraCapValue);
      m.extraValue = take;
      need = need.minus(take);
    }
  }
}

/** Members to sell from: lowest estimated gain per dollar first (ties by symbol). */
function sellOrder(ctx: PlanContext, st: SleeveState, need: Fx): MemberPlan[] {
  const ms = st.members.filter((m) => m.extraCapValue.isPos());
  if (ms.length <= 1) return ms;
  const score = new Map<MemberPlan, Fx>();
  for (const m of ms) {
    const amt = minFx(need, m.extraCapValue);
    const qty = amt.div(m.holding.price);
    const sel = selectLotsFx(m.extraLots ?? m.holding.lots, qty, ctx.method, m.holding.price, ctx.asOf);
    let gain = ZERO;
    for (const l of sel.lots) gain = gain.plus(l.gain);
    score.set(m, amt.isPos() ? gain.div(amt) : ZERO);
  }
  return ms.sort(
    (a, b) => score.get(a)!.cmp(score.get(b)!) || (a.holding.symbol < b.holding.symbol ? -1 : 1),
  );
}
