/**
 * Residual breaches: which model sleeves stay outside their band after the plan's trades and why
 * (sell capacity, wash-sale risk, no buyable security, cash, whole shares, or the constraints noted
 * on the sleeve while sizing); non-model holdings that cannot be fully sold today.
 */
import type { PostTrade } from './after';
import { isBreachedValue } from './bands';
import type { PlanContext } from './context';
import { pct, reason, w } from './explain';
import { type Fx, ZERO as ZERO_ } from './fx';
import type { SleeveState } from './plan-state';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;

/**
 * RESIDUAL_BREACH for each model sleeve still outside its band after the trades, with its causes;
 * NON_MODEL for each non-model holding that cannot be fully sold today.
 */
export function residualReasons(ctx: PlanContext, after: PostTrade): void {
  const vpPositive = !ctx.netValue.lte(ZERO);
  for (const st of ctx.sleeves) {
    if (!st.sleeve.isModel || !vpPositive) continue;
    const va = after.sleeveValue.get(st)!;
    if (
      !isBreachedValue(
        va,
        st.sleeve.target,
        st.sleeve.half,
        after.netValue,
        after.noResidue ? st.targetValue : undefined,
      )
    )
      continue;
    const weight = after.ratios.of(va);
    const causes = residualCauses(ctx, st, va);
    ctx.reasons.push(
      reason(
        'RESIDUAL_BREACH',
        `${st.sleeve.key} stays outside its band (${pct(weight)} vs ${pct(st.sleeve.target)})`,
        {
          sleeve: st.sleeve.key,
          target: st.sleeve.info !== undefined ? st.sleeve.info.targetStr : w(st.sleeve.target),
          after: w(weight),
          band: st.sleeve.info !== undefined ? st.sleeve.info.halfStr : w(st.sleeve.half),
          causes,
        },
      ),
    );
  }
  for (const st of ctx.sleeves) {
    if (st.sleeve.isModel || !ctx.cfg.sellNonModelHoldings || st.frozen) continue;
    if (
      after.sleeveValue.get(st)!.isPos() &&
      st.notes.size + (st.members.some((m) => !m.canSell) ? 1 : 0) > 0
    ) {
      ctx.reasons.push(
        reason('NON_MODEL', `${st.sleeve.key} is not in the model and cannot be fully sold today`, {
          symbol: st.sleeve.key,
          causes: [...st.notes, ...st.members.flatMap((m) => m.sellBlocks)].sort(),
        }),
      );
    }
  }
}

function residualCauses(ctx: PlanContext, st: SleeveState, afterValue: Fx): string[] {
  const c = new Set(st.notes);
  const over = afterValue.gt(st.targetValue);
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
  if (!over && (ctx.cashOut || ctx.hardRaise) && st.desired.lt(st.desiredBeforeCash)) c.add('CASH');
  if (
    st.members.some((m) => !m.holding.fractionable) ||
    (st.buySymbol && !ctx.snap.securities[st.buySymbol]?.fractionable)
  )
    if (c.size === 0) c.add('WHOLE_SHARES');
  if (c.size === 0) c.add('UNEXPLAINED');
  return [...c].sort();
}
