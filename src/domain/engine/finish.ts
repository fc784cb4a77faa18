import { type PostTrade, postTrade } from './after';
/**
 * The plan's last step: the numbered legs (sells before buys) with their reasons, the post-trade
 * state (after.ts), residual breaches (residual.ts), the tax estimate, NO_ACTION when nothing
 * survived, and the compliance check re-derived from the snapshot.
 */
import { checkCompliance } from './compliance';
import type { PlanContext } from './context';
import { reason, usd } from './explain';
import { type Fx, ZERO as ZERO_ } from './fx';
import { legReasons } from './leg-reasons';
import { estimateTaxFx, realizedGainsFx } from './lots';
import { cashStrFast as cashStr, priceStrFast as priceStr, qtyStrFast as qtyStr } from './parse';
import type { LegDraft } from './plan-state';
import { residualReasons } from './residual';
import type { EnginePlan, LegLot, PlanLeg } from './types';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;

/** Assembles the plan from the legs drafted; adds the closing reasons and the compliance result. */
export function finish(ctx: PlanContext, drift: EnginePlan['drift'], drafts: LegDraft[]): EnginePlan {
  const after = postTrade(ctx, drift, drafts);
  const { legs, realizedST, realizedLT } = numberLegs(ctx, drift, drafts, after);
  // Residual breaches after trading (model sleeves).
  if (legs.length > 0 || ctx.reasons.some((r) => r.code === 'DRIFT')) residualReasons(ctx, after);
  const tax = taxOf(ctx, legs, realizedST, realizedLT);
  if (legs.length === 0 && !ctx.reasons.some((r) => r.code === 'NO_ACTION')) {
    const notes = new Set<string>();
    for (const st of ctx.sleeves) for (const n of st.notes) notes.add(n);
    ctx.reasons.push(
      reason('NO_ACTION', 'Triggers fired but no trade survived the constraints', {
        constraints: [...notes].sort(),
      }),
    );
  }
  const plan: EnginePlan = {
    accountId: ctx.snap.accountId,
    asOf: ctx.asOf,
    action: legs.length > 0 ? 'TRADE' : 'NONE',
    mode: ctx.full ? 'FULL' : 'TO_BAND',
    reasons: ctx.reasons,
    drift,
    legs,
    tax,
    compliance: { ok: true, failures: [] },
    after: {
      cash: cashStr(after.cash),
      totalValue: cashStr(after.netValue),
      weights: after.weights,
      sleeveWeights: after.sleeveWeights,
    },
  };
  plan.compliance = checkCompliance(ctx.snap, plan, ctx.cfg, {
    held: new Map(ctx.holdings.map((h) => [h.symbol, h.qty])),
    price: (sym) => ctx.prices.get(sym),
    household: ctx.household,
    value: (sym) => ctx.holdingBy().get(sym)?.value,
  });
  return plan;
}

/** Legs numbered from 1, sells before buys (each side by symbol), with their lots and reasons; realized gains summed. */
function numberLegs(
  ctx: PlanContext,
  drift: EnginePlan['drift'],
  drafts: LegDraft[],
  after: PostTrade,
): { legs: PlanLeg[]; realizedST: Fx; realizedLT: Fx } {
  const rowOf = new Map(ctx.sleeves.map((st, i) => [st, drift.rows[i]!]));
  const legs: PlanLeg[] = [];
  let realizedST = ZERO;
  let realizedLT = ZERO;
  const ordered = [
    ...drafts.filter((l) => l.side === 'SELL').sort((a, b) => (a.symbol < b.symbol ? -1 : 1)),
    ...drafts.filter((l) => l.side === 'BUY').sort((a, b) => (a.symbol < b.symbol ? -1 : 1)),
  ];
  for (const l of ordered) {
    const legNo = legs.length + 1;
    const lots: LegLot[] = l.lots.map((x) => ({
      lotId: x.lot.lotId,
      qty: qtyStr(x.qty),
      unitCost: x.lot.unitCost.toFixed(),
      openDate: x.lot.openDate,
      term: x.term,
      estGain: cashStr(x.gain),
    }));
    const g = realizedGainsFx(l.lots);
    realizedST = realizedST.plus(g.st);
    realizedLT = realizedLT.plus(g.lt);
    legs.push({
      legNo,
      symbol: l.symbol,
      side: l.side,
      qty: l.fractionable ? qtyStr(l.qty) : l.qty.toFixed(l.qty.isInteger() ? 0 : 5),
      estPrice: priceStr(l.price),
      estNotional: cashStr(l.notional),
      reasons: legReasons(ctx, l, after.sleeveWeights, rowOf, g),
      lots,
    });
  }
  return { legs, realizedST, realizedLT };
}

/** The plan's tax figures (taxable accounts only) and, when anything is sold, the TAX reason. */
function taxOf(ctx: PlanContext, legs: PlanLeg[], realizedST: Fx, realizedLT: Fx): EnginePlan['tax'] {
  const cfg = ctx.cfg;
  const est = ctx.taxable
    ? estimateTaxFx(realizedST, realizedLT, cfg.shortTermTaxRate, cfg.longTermTaxRate)
    : ZERO;
  const tax = ctx.taxable
    ? { realizedST: cashStr(realizedST), realizedLT: cashStr(realizedLT), estTax: cashStr(est) }
    : { realizedST: '0.00', realizedLT: '0.00', estTax: '0.00' };
  if (legs.some((l) => l.side === 'SELL')) {
    ctx.reasons.push(
      reason(
        'TAX',
        ctx.taxable
          ? `Estimated realized gains: short-term ${usd(realizedST)}, long-term ${usd(realizedLT)}; tax ${usd(est)}`
          : `${ctx.snap.taxStatus} account: realized gains are not taxed`,
        {
          taxable: ctx.taxable,
          realizedST: tax.realizedST,
          realizedLT: tax.realizedLT,
          estTax: tax.estTax,
          shortTermRate: cfg.raw.shortTermTaxRate,
          longTermRate: cfg.raw.longTermTaxRate,
        },
      ),
    );
  }
  return tax;
}
