/**
 * The improvement rule: band-only trades (a TO_BAND sleeve traded for its drift alone) that do not
 * cut the sleeve's deviation by `improvementPct` are dropped, unless they bring it back in its band.
 */
import type { PlanContext } from './context';
import { ZERO as ZERO_ } from './fx';
import type { LegDraft, SleeveState } from './plan-state';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;

/** Drops band-only legs that do not cut the sleeve's deviation by `improvementPct`. */
export function applyImprovement(ctx: PlanContext, legs: LegDraft[], side: 'BUY' | 'SELL'): void {
  if (ctx.full || ctx.netValue.lte(ZERO)) return;
  const bySleeve = new Map<SleeveState, LegDraft[]>();
  for (const l of legs) {
    if (l.sleeves.length !== 1) continue;
    const st = l.sleeves[0]!;
    if (st.breach === null || st.purposes.size !== 1 || !st.purposes.has('BAND')) continue;
    const arr = bySleeve.get(st);
    if (arr) arr.push(l);
    else bySleeve.set(st, [l]);
  }
  for (const [st, ls] of bySleeve) {
    let moved = ZERO;
    for (const l of ls) moved = moved.plus(l.notional);
    const tV = st.targetValue;
    const before = st.value.minus(tV).abs();
    const after = (side === 'SELL' ? st.value.minus(moved) : st.value.plus(moved)).minus(tV).abs();
    // A trade that brings a breached sleeve back inside its band always counts as an improvement:
    // to-band with the inset can cut a deviation just short of the improvement percentage.
    const backInBand = st.breach !== null && after.lte(st.sleeve.half.times(ctx.netValue));
    if (!backInBand && before.minus(after).lt(ctx.cfg.improvementPct.times(before))) {
      st.notes.add('IMPROVEMENT');
      for (const l of ls) legs.splice(legs.indexOf(l), 1);
    }
  }
}
