/**
 * Explanations of each leg: the sleeve it trades (target, band, weight before and after), why
 * (TLH, swap back, ESG, replacement, drift, full rebalance, cash raised or invested, non-model),
 * the cap, and for sells the lots and the realized gains.
 */
import type { PlanContext } from './context';
import { pct, reason, usd, w } from './explain';
import { type Fx, ZERO as ZERO_, fx, maxFx as maxFx_ } from './fx';
import { cashStrFast as cashStr } from './parse';
import type { LegDraft, MemberPlan, SleeveState } from './plan-state';
import type { DriftRow, Reason, ReasonDetails } from './types';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;
const maxFx = maxFx_;

/** The reasons of one leg, sleeve by sleeve, then the cap and (sells) the lots. */
export function legReasons(
  ctx: PlanContext,
  l: LegDraft,
  sleeveWeights: Record<string, string>,
  rows: Map<SleeveState, DriftRow>,
  g: { st: Fx; lt: Fx },
): Reason[] {
  const out: Reason[] = [];
  for (const st of l.sleeves) {
    const row = rows.get(st)!;
    const base = sleeveDetails(st, row, sleeveWeights);
    const m = l.member;
    if (m) forcedReasons(ctx, st, m, base, out);
    if (l.side === 'BUY' && st.buyTiers[0].isPos()) out.push(replacementReason(st, base));
    const extra =
      l.side === 'BUY' ? st.buyTiers[1].plus(st.buyTiers[2]).isPos() : (m?.extraValue.isPos() ?? false);
    if (extra) purposeReasons(ctx, l, st, row.actual, base, out);
  }
  if (l.capped)
    out.push(reason('LEG_CAPPED', 'Leg capped at the share/notional maximum', { symbol: l.symbol }));
  if (l.side === 'SELL') {
    out.push(
      reason('LOTS', `Lots: ${l.lotWhy}`, {
        method: l.member?.forced.length ? `SPECIFIC+${ctx.method}` : ctx.method,
        lotIds: l.lots.map((x) => x.lot.lotId),
        realizedST: cashStr(g.st),
        realizedLT: cashStr(g.lt),
        lossLotsExcluded: l.member?.excludeLoss ?? false,
      }),
    );
  }
  return out;
}

/** What every reason of a leg says about its sleeve: target, band edges, weight before and after. */
function sleeveDetails(st: SleeveState, row: DriftRow, sleeveWeights: Record<string, string>): ReasonDetails {
  return {
    sleeve: st.sleeve.key,
    target: row.target,
    before: row.actual,
    after: sleeveWeights[st.sleeve.key]!,
    band: row.band,
    lower:
      st.sleeve.info !== undefined
        ? st.sleeve.info.lowerStr
        : w(maxFx(ZERO, st.sleeve.target.minus(st.sleeve.half))),
    upper: st.sleeve.info !== undefined ? st.sleeve.info.upperStr : w(st.sleeve.target.plus(st.sleeve.half)),
  };
}

/** TLH, SWAP_BACK and ESG: why the member's forced lots are sold. */
function forcedReasons(
  ctx: PlanContext,
  st: SleeveState,
  m: MemberPlan,
  base: ReasonDetails,
  out: Reason[],
): void {
  for (const k of m.forcedKinds) {
    if (k === 'TLH')
      out.push(
        reason('TLH', `Harvest ${usd(m.tlhLoss)} of losses; replace with ${st.buySymbol}`, {
          ...base,
          lots: m.forced.map((x) => x.lotId),
          unrealizedLoss: usd(m.tlhLoss),
          replacement: st.buySymbol ?? '',
        }),
      );
    if (k === 'SWAP_BACK')
      out.push(
        reason('SWAP_BACK', `Swap back to ${st.sleeve.key} after the wash-sale window`, {
          ...base,
          lots: m.forced.map((x) => x.lotId),
          mode: ctx.cfg.swapBack,
        }),
      );
    if (k === 'ESG') out.push(reason('ESG', `${m.holding.symbol} is excluded by the ESG screen`, base));
  }
}

/** A buy that replaces the sleeve's forced sells (its first funding tier). */
function replacementReason(st: SleeveState, base: ReasonDetails): Reason {
  const src = st.members.filter((x) => x.forcedValue.isPos()).map((x) => x.holding.symbol);
  return reason(
    st.members.some((x) => x.forcedKinds.has('TLH'))
      ? 'TLH'
      : st.members.some((x) => x.forcedKinds.has('ESG'))
        ? 'ESG'
        : 'SWAP_BACK',
    `Replacement for ${src.join(', ')}`,
    { ...base, replaces: src },
  );
}

/** Why the sleeve trades beyond its forced sells: drift, full rebalance, cash raised or invested, non-model. */
function purposeReasons(
  ctx: PlanContext,
  l: LegDraft,
  st: SleeveState,
  before: string,
  base: ReasonDetails,
  out: Reason[],
): void {
  for (const p of st.purposes) {
    if (p === 'BAND')
      out.push(
        reason(
          'DRIFT',
          `${st.sleeve.key} ${pct(fx(before))} vs target ${pct(st.sleeve.target)}: trade to inside the band`,
          {
            ...base,
            mode: 'TO_BAND',
          },
        ),
      );
    if (p === 'FULL')
      out.push(
        reason(
          ctx.modelChange ? 'MODEL_CHANGE' : 'REBALANCE',
          `Full rebalance of ${st.sleeve.key} to target`,
          {
            ...base,
            mode: 'FULL',
          },
        ),
      );
    if (p === 'RAISE' && l.side === 'SELL')
      out.push(reason('CASH_OUT', 'Raise cash (withdrawal / buffer / funding)', base));
    if (p === 'INVEST' && l.side === 'BUY')
      out.push(reason('CASH_IN', 'Invest excess cash towards target', base));
    if (p === 'NON_MODEL') out.push(reason('NON_MODEL', `${st.sleeve.key} is not in the model`, base));
  }
}
