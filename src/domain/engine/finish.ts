/**
 * The plan's last step: the post-trade state (cash, weights, sleeve weights), the numbered legs (sells
 * before buys) with their reasons, residual breaches, the tax estimate, NO_ACTION when nothing
 * survived, and the compliance check re-derived from the snapshot.
 */
import { checkCompliance } from './compliance';
import type { PlanContext } from './context';
import { pct, reason, usd, w } from './explain';
import { type Fx, ZERO as ZERO_, maxFx as maxFx_ } from './fx';
import { legReasons } from './leg-reasons';
import { estimateTaxFx, realizedGainsFx } from './lots';
import { cashStrFast as cashStr, priceStrFast as priceStr, qtyStrFast as qtyStr } from './parse';
import type { LegDraft, SleeveState } from './plan-state';
import { residualCauses } from './residual';
import type { EnginePlan, LegLot, PlanLeg } from './types';
import { Ratios, isBreachedValue } from './valuation';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;
const maxFx = maxFx_;

export function finish(ctx: PlanContext, drift: EnginePlan['drift'], drafts: LegDraft[]): EnginePlan {
  const cfg = ctx.cfg;
  const Vp = ctx.Vp;
  // Post-trade state: values move by the legs' notionals (qty × estPrice), everything else is unchanged.
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
  for (const st of ctx.sleeves) for (const m of st.members) owner.set(m.h.symbol, st);
  const sleeveAfter = new Map<SleeveState, Fx>();
  for (const st of ctx.sleeves) sleeveAfter.set(st, st.A);
  // Sleeves whose value moved by legs of a symbol other than their single member.
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
    if (st.members.length !== 1 || st.members[0]!.h.symbol !== l.symbol) mixed.add(st);
  }
  const vpAfter = residue.isZero() ? Vp : maxFx(ZERO, Vp.plus(residue));
  const ratios = residue.isZero() ? ctx.ratios : new Ratios(vpAfter);
  const traded = new Set(drafts.map((l) => l.symbol));
  const rowBySymbol = new Map<string, string>();
  if (residue.isZero())
    ctx.sleeves.forEach((st, i) => {
      if (st.members.length === 1) rowBySymbol.set(st.members[0]!.h.symbol, drift.rows[i]!.actual);
    });
  const weights: Record<string, string> = {};
  const weightOf = new Map<string, string>();
  for (const sym of [...valueAfter.keys()].sort()) {
    if (!qtyAfter.get(sym)!.isPos()) continue;
    const cached = traded.has(sym) ? undefined : rowBySymbol.get(sym);
    const wt = cached ?? w(ratios.of(valueAfter.get(sym)!));
    weights[sym] = wt;
    weightOf.set(sym, wt);
  }
  weights.$CASH = w(ratios.of(cashAfter.minus(ctx.W)));
  const sleeveWeights: Record<string, string> = {};
  ctx.sleeves.forEach((st, i) => {
    const v = sleeveAfter.get(st)!;
    if (v.eq(st.A) && residue.isZero()) {
      sleeveWeights[st.s.key] = drift.rows[i]!.actual;
      return;
    }
    // A single-member sleeve moved only by its member's legs has exactly the member's value after.
    const sole =
      st.members.length === 1 && !mixed.has(st) ? weightOf.get(st.members[0]!.h.symbol) : undefined;
    sleeveWeights[st.s.key] = sole ?? w(ratios.of(v));
  });
  const rowOf = new Map(ctx.sleeves.map((st, i) => [st, drift.rows[i]!]));
  // Legs: sells before buys, numbered; reasons.
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
      reasons: legReasons(ctx, l, sleeveWeights, rowOf, g),
      lots,
    });
  }
  // Residual breaches after trading (model sleeves).
  if (legs.length > 0 || ctx.reasons.some((r) => r.code === 'DRIFT')) {
    const vpPositive = !Vp.lte(ZERO);
    const noResidue = residue.isZero();
    for (const st of ctx.sleeves) {
      if (!st.s.isModel || !vpPositive) continue;
      const va = sleeveAfter.get(st)!;
      if (!isBreachedValue(va, st.s.target, st.s.half, vpAfter, noResidue ? st.tV : undefined)) continue;
      const after = ratios.of(va);
      const causes = residualCauses(ctx, st, va);
      ctx.reasons.push(
        reason(
          'RESIDUAL_BREACH',
          `${st.s.key} stays outside its band (${pct(after)} vs ${pct(st.s.target)})`,
          {
            sleeve: st.s.key,
            target: st.s.info !== undefined ? st.s.info.targetStr : w(st.s.target),
            after: w(after),
            band: st.s.info !== undefined ? st.s.info.halfStr : w(st.s.half),
            causes,
          },
        ),
      );
    }
    for (const st of ctx.sleeves) {
      if (st.s.isModel || !cfg.sellNonModelHoldings || st.frozen) continue;
      if (sleeveAfter.get(st)!.isPos() && st.notes.size + (st.members.some((m) => !m.canSell) ? 1 : 0) > 0) {
        ctx.reasons.push(
          reason('NON_MODEL', `${st.s.key} is not in the model and cannot be fully sold today`, {
            symbol: st.s.key,
            causes: [...st.notes, ...st.members.flatMap((m) => m.sellBlocks)].sort(),
          }),
        );
      }
    }
  }
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
    after: { cash: cashStr(cashAfter), totalValue: cashStr(vpAfter), weights, sleeveWeights },
  };
  plan.compliance = checkCompliance(ctx.snap, plan, ctx.cfg, {
    held: new Map(ctx.holdings.map((h) => [h.symbol, h.qty])),
    price: (sym) => ctx.prices.get(sym),
    household: ctx.hh,
    value: (sym) => ctx.holdingBy().get(sym)?.value,
  });
  return plan;
}
