/**
 * Cash in the value-space proposal: raise what the withdrawal and the buffer need (or what band buys
 * need funding) pro rata to the sleeves' surplus over target, and invest the excess pro rata to their
 * shortfall, never above the inset upper band edge. Also the cash goal and floor the buys are funded to.
 */
import type { PlanContext } from './context';
import { reason, usd } from './explain';
import { type Fx, ZERO as ZERO_, minFx as minFx_, minusUnlessZero as minusUnlessZero_ } from './fx';
import { spreadFx } from './sizing';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;
const minFx = minFx_;
const minusUnlessZero = minusUnlessZero_;

/** Cash the plan aims to end with: the cash target (of the value net of the withdrawal) plus the withdrawal. */
export function cashGoal(ctx: PlanContext): Fx {
  return ctx.cfg.cashTarget.times(ctx.netValue).plus(ctx.withdrawal);
}

/** Cash the plan must keep: the goal when raising cash or rebalancing fully, else at most the cash there is. */
export function cashFloor(ctx: PlanContext, goal: Fx): Fx {
  return ctx.cashOut || ctx.full ? goal : minFx(ctx.cash, goal);
}

/** Moves the sleeves' desired values so that cash is raised to its floor, or excess cash is invested. */
export function balanceCash(ctx: PlanContext, inset: Fx): void {
  let sumDesired = ZERO;
  for (const st of ctx.sleeves) sumDesired = sumDesired.plus(st.desired);
  const cashIfDesired = ctx.totalValue.minus(sumDesired);
  const gFull = cashGoal(ctx);
  const gLow = cashFloor(ctx, gFull);
  const raise = gLow.minus(cashIfDesired);
  if (raise.isPos()) sumDesired = raiseCash(ctx, raise, gLow);
  const cashNow = ctx.totalValue.minus(sumDesired);
  const excess = cashNow.minus(gFull);
  const invest = ctx.cashIn || ctx.full ? excess : minFx(excess, cashNow.minus(ctx.cash));
  if (invest.isPos()) investCash(ctx, invest, inset);
}

/**
 * Cuts sleeves pro rata to their surplus over target, then (if that is not enough) pro rata to what
 * is still sellable: every sleeve moves towards its target, none away. Returns the sum of the desired values after.
 */
function raiseCash(ctx: PlanContext, raise: Fx, gLow: Fx): Fx {
  const live = ctx.sleeves.filter((st) => !st.frozen && st.desired.gt(st.minValue));
  const room1: Fx[] = [];
  const room2: Fx[] = [];
  for (const st of live)
    pushRooms(room1, room2, st.desired.minus(st.targetValue), st.desired.minus(st.minValue));
  const cuts = spreadFx(raise, room1, room2);
  let after = ZERO;
  live.forEach((st, i) => {
    const c = cuts[i]!;
    if (c.isPos()) {
      st.purposes.add('RAISE');
      st.desired = st.desired.minus(c);
    }
  });
  for (const st of ctx.sleeves) after = after.plus(st.desired);
  if (ctx.totalValue.minus(after).lt(gLow)) {
    for (const st of live) if (st.desired.gt(st.minValue)) st.notes.add('CASH');
    ctx.reasons.push(
      reason('CASH_SHORTFALL', 'Sellable holdings cannot raise all the cash needed', {
        needed: usd(gLow),
        reachable: usd(ctx.totalValue.minus(after)),
      }),
    );
  }
  return after;
}

/**
 * Fills sleeves pro rata to their shortfall to target, then pro rata to the room left below the
 * band's inset upper edge (and the concentration / leg limits).
 */
function investCash(ctx: PlanContext, invest: Fx, inset: Fx): void {
  const netValue = ctx.netValue;
  const live = ctx.sleeves.filter((st) => !st.frozen && st.sleeve.isModel && st.buySymbol !== null);
  const room1: Fx[] = [];
  const room2: Fx[] = [];
  for (const st of live) {
    const info = st.sleeve.info;
    const upper = (
      info !== undefined ? info.insetUpper : st.sleeve.target.plus(st.sleeve.half.times(inset))
    ).times(netValue);
    const up = minFx(st.maxValue, upper);
    const cap = up.gt(st.desired) ? up.minus(st.desired) : ZERO;
    pushRooms(room1, room2, st.targetValue.minus(st.desired), cap);
  }
  const adds = spreadFx(invest, room1, room2);
  let got = ZERO;
  live.forEach((st, i) => {
    const a = adds[i]!;
    if (a.isPos()) {
      st.purposes.add('INVEST');
      st.desired = st.desired.plus(a);
      got = got.plus(a);
    }
  });
  const left = invest.minus(got);
  if (left.gt(ctx.cfg.investExcessThreshold.times(netValue))) {
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

/**
 * A sleeve's two rooms for `spreadFx`: first the gap towards its target (at most `cap`), then the
 * rest of `cap`.
 */
function pushRooms(room1: Fx[], room2: Fx[], gap: Fx, cap: Fx): void {
  const r1 = gap.isPos() ? minFx(gap, cap) : ZERO;
  room1.push(r1);
  room2.push(minusUnlessZero(cap, r1));
}
