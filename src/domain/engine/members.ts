/**
 * Sleeves' members, after valuation and before the triggers: each sleeve's working state, frozen
 * sleeves (open reconciliation breaks), who may sell, forced sells (tax-loss harvesting, ESG
 * exclusions, swap back to the primary), each sleeve's buy symbol, and the capacity left for further
 * sells.
 */
import type { PlanContext } from './context';
import { reason, usd } from './explain';
import { ZERO as ZERO_, minusUnlessZero as minusUnlessZero_, plusUnlessZero as plusUnlessZero_ } from './fx';
import type { FxLot } from './lots';
import type { MemberPlan, SleeveState } from './plan-state';
import { scanTlh, swapBackLots } from './tlh';
import type { DriftRow } from './types';
import type { Holding, Sleeve } from './valuation';
import { ONE_PLUS_WASH_LOSS_MARGIN } from './washsale';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;
const minusUnlessZero = minusUnlessZero_;
const plusUnlessZero = plusUnlessZero_;

export function initSleeve(ctx: PlanContext, s: Sleeve, row: DriftRow): SleeveState {
  const frozen =
    s.members.some((m) => ctx.book.blocked.has(m.symbol)) || (s.isModel && ctx.book.blocked.has(s.key));
  let breach: SleeveState['breach'] = null;
  const targetValue = s.targetValue ?? s.target.times(ctx.netValue);
  if (row.breached) breach = s.isModel && s.value.lt(targetValue) ? 'UNDER' : 'OVER';
  const st: SleeveState = {
    sleeve: s,
    targetValue,
    frozen,
    buySymbol: null,
    buyBlocks: {},
    value: s.value,
    forcedValue: ZERO,
    minValue: s.value,
    maxValue: s.value,
    desiredBeforeCash: s.value,
    desired: s.value,
    breach,
    purposes: new Set(),
    notes: new Set(),
    members: [],
    buyTiers: [ZERO, ZERO, ZERO],
  };
  if (frozen) st.notes.add('BLOCKED');
  return st;
}

/**
 * Fills every sleeve's members, then, each step over all sleeves in this order: tax-loss harvests
 * (they block buys of what they sell), buy symbols, ESG and swap-back sells, capacity for further sells.
 */
export function scanMembers(ctx: PlanContext): void {
  for (const st of ctx.sleeves) addMembers(ctx, st);
  if (ctx.taxable && ctx.cfg.tlhEnabled) {
    for (const st of ctx.sleeves) {
      if (!st.sleeve.isModel || st.frozen) continue;
      for (const m of st.members) if (m.canSell) harvest(ctx, st, m);
    }
  }
  for (const st of ctx.sleeves) if (st.sleeve.isModel && !st.frozen) chooseBuySymbol(ctx, st);
  for (const st of ctx.sleeves) for (const m of st.members) if (m.canSell) forceEsgOrSwapBack(ctx, st, m);
  for (const st of ctx.sleeves) measureSellCapacity(st);
}

function addMembers(ctx: PlanContext, st: SleeveState): void {
  for (const h of st.sleeve.members) {
    const t = ctx.book.of(h.symbol);
    const hasBuys = ctx.household.replacementBuysOf(h.symbol).length > 0;
    st.members.push({
      holding: h,
      canSell: t.canSell && !st.frozen,
      sellBlocks: st.frozen ? [...t.sellBlocks, 'SLEEVE_BLOCKED'] : t.sellBlocks,
      forced: [],
      forcedValue: ZERO,
      forcedKinds: new Set(),
      tlhLoss: ZERO,
      excludeLoss: ctx.taxable && hasBuys,
      extraLots: null,
      extraCapQty: ZERO,
      extraCapValue: ZERO,
      extraValue: ZERO,
    });
  }
}

/** Tax-loss harvest of a member's loss lots, when the sleeve has a buyable replacement from another index. */
function harvest(ctx: PlanContext, st: SleeveState, m: MemberPlan): void {
  const cfg = ctx.cfg;
  const scan = scanTlh(m.holding, ctx.asOf, {
    minLossPct: cfg.tlhMinLossPct,
    minLossUsd: cfg.tlhMinLossUsd,
    windowDays: cfg.washWindowDays,
    householdBuys: ctx.household.replacementBuysOf(m.holding.symbol).length > 0,
  });
  if (scan.lots.length === 0 || scan.value.lt(ctx.minTrade)) return;
  const k = ctx.key(m.holding.symbol);
  const had = ctx.planLossKeys.has(k);
  ctx.planLossKeys.add(k);
  const repl = ctx.firstBuyable(st);
  if (repl === null || ctx.key(repl) === k) {
    if (!had) ctx.planLossKeys.delete(k);
    ctx.reasons.push(
      reason('TLH', `Harvest of ${m.holding.symbol} skipped: no buyable replacement from a different index`, {
        symbol: m.holding.symbol,
        unrealizedLoss: usd(scan.loss),
        skipped: true,
      }),
    );
    return;
  }
  m.forced = scan.lots.map((l) => l.lot);
  m.forcedValue = scan.value;
  m.forcedKinds.add('TLH');
  m.tlhLoss = scan.loss;
}

/** The sleeve's first buyable candidate, and why the candidates before it cannot be bought. */
function chooseBuySymbol(ctx: PlanContext, st: SleeveState): void {
  st.buySymbol = ctx.firstBuyable(st);
  for (const c of st.sleeve.candidates) {
    const b = ctx.buyBlocks(c);
    if (b.length > 0) st.buyBlocks[c] = b;
    if (c === st.buySymbol) break;
  }
}

/** ESG-excluded holdings of a model sleeve are sold; an alternate is swapped back once the primary is buyable. */
function forceEsgOrSwapBack(ctx: PlanContext, st: SleeveState, m: MemberPlan): void {
  const sym = m.holding.symbol;
  // ESG: an excluded security in a model sleeve is sold and replaced inside the sleeve.
  if (st.sleeve.isModel && ctx.book.esgExcluded.has(sym)) {
    const lots = m.holding.lots.filter(
      (l) => !m.forced.includes(l) && !(m.excludeLoss && isLoss(m.holding, l)),
    );
    for (const l of lots) {
      m.forced.push(l);
      m.forcedValue = m.forcedValue.plus(l.qty.times(m.holding.price));
    }
    if (lots.length > 0) m.forcedKinds.add('ESG');
    return;
  }
  // Swap back: an alternate held in a sleeve whose primary is buyable again.
  if (
    st.sleeve.isModel &&
    st.buySymbol === st.sleeve.key &&
    sym !== st.sleeve.key &&
    st.sleeve.known.has(sym) &&
    !m.forcedKinds.has('TLH') &&
    ctx.key(sym) !== ctx.key(st.sleeve.key)
  ) {
    const lots = swapBackLots(m.holding, ctx.asOf, ctx.cfg.swapBack, ctx.taxable, m.excludeLoss);
    let value = ZERO;
    for (const l of lots) value = value.plus(l.qty.times(m.holding.price));
    if (lots.length > 0 && value.gte(ctx.minTrade)) {
      m.forced = lots;
      m.forcedValue = value;
      m.forcedKinds.add('SWAP_BACK');
    }
  }
}

/** Forced sells of the sleeve, and capacity for further sells (not forced; loss lots excluded under wash-sale risk). */
function measureSellCapacity(st: SleeveState): void {
  let forcedTotal = ZERO;
  let cap = ZERO;
  for (const m of st.members) {
    forcedTotal = plusUnlessZero(forcedTotal, m.forcedValue);
    if (!m.canSell) continue;
    if (m.forced.length === 0 && !m.excludeLoss) {
      // Every lot is available (lots always cover the position, see Holding.lots).
      m.extraLots = null;
      m.extraCapQty = m.holding.qty;
      m.extraCapValue = m.holding.value;
      cap = plusUnlessZero(cap, m.holding.value);
      continue;
    }
    const forced = new Set(m.forced);
    m.extraLots = m.holding.lots.filter((l) => !forced.has(l) && !(m.excludeLoss && isLoss(m.holding, l)));
    let q = ZERO;
    for (const l of m.extraLots) q = q.plus(l.qty);
    let forcedQty = ZERO;
    for (const l of m.forced) forcedQty = forcedQty.plus(l.qty);
    // Never more than the position (lots may exceed the quantity held).
    const room = m.holding.qty.minus(forcedQty);
    m.extraCapQty = q.lt(room) ? (room.isPos() ? q : ZERO) : room.isPos() ? room : ZERO;
    m.extraCapValue = m.extraCapQty.times(m.holding.price);
    cap = plusUnlessZero(cap, m.extraCapValue);
  }
  st.forcedValue = forcedTotal;
  st.minValue = minusUnlessZero(st.value, forcedTotal).minus(cap);
}

/**
 * Whether selling the lot may realize a loss, where a loss would be a wash sale (replacement
 * shares in the window): the estimate is yesterday's close, the fill today's price, so a lot whose
 * estimated gain is thinner than WASH_LOSS_MARGIN of its cost counts as a loss (a 0.4 % gain
 * estimated became a loss at the fill in the soak, docs/benchmarks.md).
 */
function isLoss(h: Holding, l: FxLot): boolean {
  return h.price.lt(l.unitCost.times(ONE_PLUS_WASH_LOSS_MARGIN));
}
