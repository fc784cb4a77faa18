/**
 * Residual breaches: why a model sleeve stays outside its band after the plan's trades (sell
 * capacity, wash-sale risk, no buyable security, cash, whole shares, or the constraints noted on the
 * sleeve while sizing).
 */
import type { PlanContext } from './context';
import type { Fx } from './fx';
import type { SleeveState } from './plan-state';

export function residualCauses(ctx: PlanContext, st: SleeveState, afterValue: Fx): string[] {
  const c = new Set(st.notes);
  const over = afterValue.gt(st.tV);
  if (over && st.members.some((m) => !m.canSell || m.excludeLoss)) {
    for (const m of st.members) {
      for (const b of m.sellBlocks) c.add(b);
      if (m.excludeLoss) c.add('WASH_SALE');
    }
    c.add('SELL_CAPACITY');
  }
  if (!over && st.buySymbol === null) {
    c.add('NO_BUY');
    for (const b of Object.values(st.buyBlocks)) for (const x of b) c.add(x);
  }
  if (!over && (ctx.cashOut || ctx.hardRaise) && st.D.lt(st.D0)) c.add('CASH');
  if (
    st.members.some((m) => !m.h.fractionable) ||
    (st.buySymbol && !ctx.snap.securities[st.buySymbol]?.fractionable)
  )
    if (c.size === 0) c.add('WHOLE_SHARES');
  if (c.size === 0) c.add('UNEXPLAINED');
  return [...c].sort();
}
