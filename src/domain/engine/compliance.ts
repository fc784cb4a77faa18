/**
 * Compliance checks run on every plan before review, re-derived from the snapshot (they do not trust
 * the planner's internal state). Rules:
 * ORDER (sells before buys, legs numbered 1..n), QTY (positive, 5 dp, whole shares for
 * non-fractionable buys and partial sells), NO_SHORT, LOTS (lot quantities sum to the leg, each lot
 * exists and is not over-relieved; buys carry no lots), RESTRICTED (NO_BUY / NO_SELL / NO_TRADE,
 * reconciliation break, ESG exclusion), WASH_SALE (a buy washing a household loss of the window or
 * a loss sold in this plan; a loss sale replaced by a household purchase in the window, another
 * account's proposed buy, or a buy of this plan), CONCENTRATION (a buy leaving the security above the
 * limit), MAX_NOTIONAL / MAX_SHARES, MIN_TRADE, NOTIONAL (qty × price), NEGATIVE_CASH, WITHDRAWAL
 * (buys while the withdrawal is not funded).
 */
import type { ResolvedConfig } from './config';
import { type Fx, ZERO as ZERO_, fx } from './fx';
import { cashStrFast as cashStr, fxShared } from './parse';
import type { AccountSnapshot, ComplianceFailure, EnginePlan } from './types';
import { type HouseholdIndex, householdIndexOf, securityKey, washSaleConflicts } from './washsale';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;

/** Parsed inputs the planner already has (optional; parsing is shared, the checks are not). */
export interface ComplianceInputs {
  held: ReadonlyMap<string, Fx>;
  price: (symbol: string) => Fx | undefined;
  household: HouseholdIndex;
  /** held × price of a holding, as already computed from the same `held` and `price` (optional). */
  value?: (symbol: string) => Fx | undefined;
}

export function checkCompliance(
  snap: AccountSnapshot,
  plan: EnginePlan,
  cfg: ResolvedConfig,
  inputs?: ComplianceInputs,
): EnginePlan['compliance'] {
  const failures: ComplianceFailure[] = [];
  const fail = (legNo: number | null, rule: string, message: string) =>
    failures.push({ legNo, rule, message });
  const held = new Map<string, Fx>(inputs?.held ?? []);
  const prices = new Map<string, Fx>();
  const priceOf = (sym: string): Fx => {
    let p = prices.get(sym);
    if (p === undefined && inputs) p = inputs.price(sym);
    if (p === undefined) {
      const s = snap.prices[sym] ?? snap.holdings.find((h) => h.symbol === sym)?.price;
      p = s === undefined ? ZERO : fx(s);
      prices.set(sym, p);
    }
    return p;
  };
  const holdingBy = new Map(snap.holdings.map((h) => [h.symbol, h]));
  if (!inputs) for (const h of snap.holdings) held.set(h.symbol, fx(h.qty));
  const lotsOf = (sym: string) => {
    const h = holdingBy.get(sym);
    return new Map((h?.lots ?? []).map((l) => [l.lotId, fx(l.qty)]));
  };
  const kinds = new Map<string, Set<string>>();
  for (const r of snap.restrictions) {
    const s = kinds.get(r.symbol) ?? new Set<string>();
    s.add(r.kind);
    kinds.set(r.symbol, s);
  }
  const blocked = new Set(snap.blockedSymbols);
  const esg = new Set(snap.esgScreen?.excluded ?? []);
  const secs = snap.securities;
  for (const s in secs) if (Object.hasOwn(secs, s) && secs[s]!.esgExcluded) esg.add(s);
  const hh = inputs?.household ?? householdIndexOf(snap, cfg);
  const key = (s: string) => securityKey(s, cfg.identical);
  const taxable = snap.taxStatus === 'TAXABLE';
  const cash = fx(snap.cash);
  const W = fx(snap.pendingWithdrawal);
  let value = cash;
  const holdingValue = inputs?.value;
  for (const h of snap.holdings) {
    const v = holdingValue?.(h.symbol);
    value = value.plus(v ?? held.get(h.symbol)!.times(priceOf(h.symbol)));
  }
  const vp = value.minus(W);
  const minTrade = cfg.minTradeUsd.gt(cfg.minTradePct.times(value))
    ? cfg.minTradeUsd
    : cfg.minTradePct.times(value);

  let seenBuy = false;
  let cashAfter = cash;
  let buys = false;
  const sold = new Map<string, Fx>();
  const relieved = new Map<string, Fx>();
  const after = new Map(held);
  /** This plan's buys (the loss sales of this plan must not be replaced by them). */
  const planBuys: { symbol: string }[] = [];
  const lossSellKeys = new Set<string>();
  plan.legs.forEach((leg, i) => {
    if (leg.legNo !== i + 1)
      fail(leg.legNo, 'ORDER', `leg numbers must run 1..n (got ${leg.legNo} at ${i + 1})`);
    if (leg.side === 'BUY') seenBuy = true;
    else if (seenBuy) fail(leg.legNo, 'ORDER', 'sells must come before buys');
    const qty = fx(leg.qty);
    const price = fxShared(leg.estPrice);
    const notional = fx(leg.estNotional);
    if (!qty.isPos()) fail(leg.legNo, 'QTY', 'quantity must be positive');
    if (qty.decimalPlaces() > 5) fail(leg.legNo, 'QTY', 'quantity has more than 5 decimals');
    const info = snap.securities[leg.symbol];
    const wholePosition = leg.side === 'SELL' && qty.eq(held.get(leg.symbol) ?? ZERO);
    if (info && !info.fractionable && !qty.isInteger() && !wholePosition)
      fail(leg.legNo, 'QTY', `${leg.symbol} is not fractionable: whole shares only`);
    if (cashStr(qty.times(price)) !== cashStr(notional))
      fail(leg.legNo, 'NOTIONAL', 'estNotional != qty × estPrice');
    if (notional.gt(cfg.maxLegNotional))
      fail(leg.legNo, 'MAX_NOTIONAL', `notional above ${cfg.raw.maxLegNotional}`);
    if (qty.gt(cfg.maxLegShares)) fail(leg.legNo, 'MAX_SHARES', `quantity above ${cfg.raw.maxLegShares}`);
    const k = kinds.get(leg.symbol);
    if (leg.side === 'BUY') {
      buys = true;
      cashAfter = cashAfter.minus(notional);
      after.set(leg.symbol, (after.get(leg.symbol) ?? ZERO).plus(qty));
      if (notional.lt(minTrade))
        fail(leg.legNo, 'MIN_TRADE', `buy below the minimum trade ${cashStr(minTrade)}`);
      if (k?.has('NO_BUY') || k?.has('NO_TRADE'))
        fail(leg.legNo, 'RESTRICTED', `${leg.symbol} may not be bought`);
      if (blocked.has(leg.symbol))
        fail(leg.legNo, 'RESTRICTED', `${leg.symbol} has an open reconciliation break`);
      if (esg.has(leg.symbol)) fail(leg.legNo, 'RESTRICTED', `${leg.symbol} is excluded by the ESG screen`);
      if (leg.lots.length > 0) fail(leg.legNo, 'LOTS', 'a buy carries no lot instructions');
      const losses = hh.lossSalesOf(leg.symbol);
      if (losses.length > 0)
        fail(
          leg.legNo,
          'WASH_SALE',
          `buying ${leg.symbol} washes a loss realized on ${losses.map((t) => `${t.date} in ${t.accountId}`).join(', ')}`,
        );
      planBuys.push({ symbol: leg.symbol });
      return;
    }
    cashAfter = cashAfter.plus(notional);
    if (k?.has('NO_SELL') || k?.has('NO_TRADE'))
      fail(leg.legNo, 'RESTRICTED', `${leg.symbol} may not be sold`);
    if (blocked.has(leg.symbol))
      fail(leg.legNo, 'RESTRICTED', `${leg.symbol} has an open reconciliation break`);
    const s = (sold.get(leg.symbol) ?? ZERO).plus(qty);
    sold.set(leg.symbol, s);
    after.set(leg.symbol, (after.get(leg.symbol) ?? ZERO).minus(qty));
    if (s.gt(held.get(leg.symbol) ?? ZERO))
      fail(leg.legNo, 'NO_SHORT', `selling more ${leg.symbol} than held`);
    if (notional.lt(minTrade) && cash.gte(W))
      fail(leg.legNo, 'MIN_TRADE', `sell below the minimum trade ${cashStr(minTrade)}`);
    let lotSum = ZERO;
    const known = lotsOf(leg.symbol);
    const lotQtys: Fx[] = [];
    for (const l of leg.lots) {
      const lq = fx(l.qty);
      lotQtys.push(lq);
      lotSum = lotSum.plus(lq);
      const lotQty = known.get(l.lotId);
      if (lotQty === undefined) {
        if (!l.lotId.endsWith('-UNLOTTED')) fail(leg.legNo, 'LOTS', `unknown lot ${l.lotId}`);
        continue;
      }
      const r = (relieved.get(`${leg.symbol}/${l.lotId}`) ?? ZERO).plus(lq);
      relieved.set(`${leg.symbol}/${l.lotId}`, r);
      if (r.gt(lotQty)) fail(leg.legNo, 'LOTS', `lot ${l.lotId} relieved beyond its quantity`);
      if (!lq.isPos()) fail(leg.legNo, 'LOTS', `lot ${l.lotId} with a non-positive quantity`);
    }
    if (!lotSum.eq(qty))
      fail(leg.legNo, 'LOTS', `lot quantities ${lotSum.toFixed()} != leg quantity ${leg.qty}`);
    if (taxable) {
      let lossQty = ZERO;
      let loss = ZERO;
      const soldLots: { openDate: string; qty: Fx }[] = [];
      for (let j = 0; j < leg.lots.length; j++) {
        const l = leg.lots[j]!;
        const lq = lotQtys[j]!;
        soldLots.push({ openDate: l.openDate, qty: lq });
        const c = fx(l.unitCost);
        if (price.lt(c)) {
          lossQty = lossQty.plus(lq);
          loss = loss.plus(c.minus(price).times(lq));
        }
      }
      if (loss.isPos()) {
        lossSellKeys.add(key(leg.symbol));
        const r = washSaleConflicts(
          {
            accountId: snap.accountId,
            symbol: leg.symbol,
            date: snap.asOf,
            qty: lossQty.toDec(),
            loss: loss.toDec(),
            soldLots: soldLots.map((x) => ({ openDate: x.openDate, qty: x.qty.toDec() })),
          },
          hh.replacementBuysOf(leg.symbol),
          cfg.washWindowDays,
          cfg.identical,
        );
        if (r.conflicts.length > 0)
          fail(
            leg.legNo,
            'WASH_SALE',
            `loss on ${leg.symbol} would be washed by ${r.conflicts.map((c) => `${c.source} ${c.symbol} ${c.date} in ${c.accountId}`).join(', ')}`,
          );
      }
    }
  });
  if (taxable) {
    for (const b of planBuys) {
      if (lossSellKeys.has(key(b.symbol))) {
        const leg = plan.legs.find((l) => l.side === 'BUY' && l.symbol === b.symbol)!;
        fail(leg.legNo, 'WASH_SALE', `this plan sells ${b.symbol} (or an identical security) at a loss`);
      }
    }
  }
  for (const [sym, q] of after) if (q.isNeg()) fail(null, 'NO_SHORT', `${sym} would be short`);
  if (cashAfter.isNeg()) fail(null, 'NEGATIVE_CASH', `cash after trades ${cashStr(cashAfter)}`);
  if (buys && cashAfter.lt(W)) fail(null, 'WITHDRAWAL', 'buys while the withdrawal is not funded');
  if (vp.isPos()) {
    for (const leg of plan.legs) {
      if (leg.side !== 'BUY') continue;
      const v = (after.get(leg.symbol) ?? ZERO).times(priceOf(leg.symbol));
      if (v.gt(cfg.concentrationLimit.times(vp)))
        fail(
          leg.legNo,
          'CONCENTRATION',
          `${leg.symbol} above ${cfg.raw.concentrationLimit} of value after the buy`,
        );
    }
  }
  return { ok: failures.length === 0, failures };
}
