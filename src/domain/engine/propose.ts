/**
 * The proposal in value space: each sleeve's desired value within what it can reach (TO_BAND: the
 * inset band edge, FULL: the target), cash raised or invested pro rata, and the split of a sleeve's
 * sells over its members (lowest estimated gain per dollar first).
 */
import type { PlanContext } from './context';
import { reason, usd } from './explain';
import { type Fx, ZERO as ZERO_, fx, maxFx as maxFx_, minFx as minFx_ } from './fx';
import { legRoom } from './legs';
import { selectLotsFx } from './lots';
import type { MemberPlan, SleeveState } from './plan-state';
import { spreadFx } from './sizing';
import { insetOf } from './valuation';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;
const maxFx = maxFx_;
const minFx = minFx_;

const HUNDRED_ONE = fx('1.01');

/** Value-space proposal: desired value D per sleeve within [lo, hi], cash raised or invested. */
export function sizeValues(ctx: PlanContext): void {
  const cfg = ctx.cfg;
  const Vp = ctx.Vp;
  const inset = insetOf(cfg);
  const bump = ctx.minTrade.times(HUNDRED_ONE);
  const limitV = cfg.concentrationLimit.times(Vp);
  for (const st of ctx.sleeves) {
    const s = st.s;
    if (st.frozen) continue;
    const buy = st.buySymbol;
    const base = st.F === ZERO ? st.A : st.A.minus(st.F);
    if (buy === null) st.hi = base;
    else {
      const price = ctx.prices.get(buy)!;
      let held = ZERO;
      for (const m of st.members) if (m.h.symbol === buy) held = m.h.value;
      // limitV − 0 = limitV exactly (an operation result).
      let room = held === ZERO ? limitV : limitV.minus(held);
      if (room.isNeg()) room = ZERO;
      room = minFx(room, legRoom(cfg, price));
      st.hi = base.plus(room);
    }
    let D: Fx;
    if (!s.isModel) {
      D = cfg.sellNonModelHoldings ? ZERO : st.A;
      st.purposes.add('NON_MODEL');
    } else if (ctx.full) {
      D = st.tV;
      st.purposes.add('FULL');
    } else if (st.breach !== null) {
      const tV = st.tV;
      const edge = (s.info !== undefined ? s.info.insetHalf : s.half.times(inset)).times(Vp);
      const dev = st.A.minus(tV);
      D = dev.isPos() ? tV.plus(edge) : tV.minus(edge);
      const move = st.A.minus(D).abs();
      if (move.lt(bump)) {
        const maxMove = dev.abs().plus(edge);
        if (bump.lte(maxMove)) D = dev.isPos() ? st.A.minus(bump) : st.A.plus(bump);
      }
      st.purposes.add('BAND');
    } else {
      D = st.A;
    }
    if (D.lt(st.lo)) {
      st.notes.add('SELL_CAPACITY');
      D = st.lo;
    }
    if (D.gt(st.hi)) {
      st.notes.add(buy === null ? 'NO_BUY' : 'CAP');
      D = st.hi;
    }
    st.D0 = D;
    st.D = D;
    if (st.F.isPos()) st.purposes.add('FORCED');
  }
  // Cash: raise (withdrawal, funding of band buys) or invest.
  let sumD = ZERO;
  for (const st of ctx.sleeves) sumD = sumD.plus(st.D);
  const cashD = ctx.V.minus(sumD);
  const gFull = cfg.cashTarget.times(Vp).plus(ctx.W);
  const gLow = ctx.cashOut || ctx.full ? gFull : minFx(ctx.cash, gFull);
  const raise = gLow.minus(cashD);
  if (raise.isPos()) {
    // Cut sleeves pro rata to their surplus over target, then (if that is not enough) pro rata to
    // what is still sellable: every sleeve moves towards its target, none away.
    const live = ctx.sleeves.filter((st) => !st.frozen && st.D.gt(st.lo));
    const room1: Fx[] = [];
    const room2: Fx[] = [];
    for (const st of live) {
      const cap = st.D.minus(st.lo);
      const surplus = st.D.minus(st.tV);
      const r1 = surplus.isPos() ? minFx(surplus, cap) : ZERO;
      room1.push(r1);
      // cap − 0 = cap exactly (cap is an operation result or ZERO).
      room2.push(r1 === ZERO ? cap : cap.minus(r1));
    }
    const cuts = spreadFx(raise, room1, room2);
    let after = ZERO;
    live.forEach((st, i) => {
      const c = cuts[i]!;
      if (c.isPos()) {
        st.purposes.add('RAISE');
        st.D = st.D.minus(c);
      }
    });
    for (const st of ctx.sleeves) after = after.plus(st.D);
    if (ctx.V.minus(after).lt(gLow)) {
      for (const st of live) if (st.D.gt(st.lo)) st.notes.add('CASH');
      ctx.reasons.push(
        reason('CASH_SHORTFALL', 'Sellable holdings cannot raise all the cash needed', {
          needed: usd(gLow),
          reachable: usd(ctx.V.minus(after)),
        }),
      );
    }
    sumD = after;
  }
  const cashNow = ctx.V.minus(sumD);
  const excess = cashNow.minus(gFull);
  const invest = ctx.cashIn || ctx.full ? excess : minFx(excess, cashNow.minus(ctx.cash));
  if (invest.isPos()) {
    // Fill sleeves pro rata to their shortfall to target, then pro rata to the room left below
    // the band's inset upper edge (and the concentration / leg limits).
    const live = ctx.sleeves.filter((st) => !st.frozen && st.s.isModel && st.buySymbol !== null);
    const room1: Fx[] = [];
    const room2: Fx[] = [];
    for (const st of live) {
      const info = st.s.info;
      const upper = (info !== undefined ? info.insetUpper : st.s.target.plus(st.s.half.times(inset))).times(
        Vp,
      );
      const up = minFx(st.hi, upper);
      const cap = up.gt(st.D) ? up.minus(st.D) : ZERO;
      const deficit = st.tV.minus(st.D);
      const r1 = deficit.isPos() ? minFx(deficit, cap) : ZERO;
      room1.push(r1);
      // cap − 0 = cap exactly (cap is an operation result or ZERO).
      room2.push(r1 === ZERO ? cap : cap.minus(r1));
    }
    const adds = spreadFx(invest, room1, room2);
    let got = ZERO;
    live.forEach((st, i) => {
      const a = adds[i]!;
      if (a.isPos()) {
        st.purposes.add('INVEST');
        st.D = st.D.plus(a);
        got = got.plus(a);
      }
    });
    const left = invest.minus(got);
    if (left.gt(cfg.investExcessThreshold.times(Vp))) {
      ctx.reasons.push(
        reason(
          'CASH_UNINVESTED',
          `${usd(left)} stays in cash: no sleeve can take it within its band and limits`,
          {
            uninvested: usd(left),
          },
        ),
      );
    }
  }
  // Member split: buys go to the sleeve's buy symbol; sells come from the cheapest members in tax.
  for (const st of ctx.sleeves) {
    if (st.frozen) continue;
    const base = st.F === ZERO ? st.A : st.A.minus(st.F);
    if (st.D.gt(base) && st.buySymbol !== null) {
      const amt = st.D.minus(base);
      const t0 = minFx(amt, st.F);
      const t1 = minFx(amt.minus(t0), maxFx(ZERO, st.D0.minus(st.A)));
      st.tiers = [t0, t1, amt.minus(t0).minus(t1)];
    } else if (st.D.lt(base)) {
      let need = base.minus(st.D);
      const order = sellOrder(ctx, st, need);
      for (const m of order) {
        if (need.lte(ZERO)) break;
        const take = minFx(need, m.extraCapValue);
        m.extraValue = take;
        need = need.minus(take);
      }
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
    const qty = amt.div(m.h.price);
    const sel = selectLotsFx(m.extraLots ?? m.h.lots, qty, ctx.method, m.h.price, ctx.asOf);
    let gain = ZERO;
    for (const l of sel.lots) gain = gain.plus(l.gain);
    score.set(m, amt.isPos() ? gain.div(amt) : ZERO);
  }
  return ms.sort((a, b) => score.get(a)!.cmp(score.get(b)!) || (a.h.symbol < b.h.symbol ? -1 : 1));
}
