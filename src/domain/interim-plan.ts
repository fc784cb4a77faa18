/**
 * Interim to-target planner used until the full engine (src/domain/engine) is wired in:
 * drift against an absolute band, cash above target, withdrawals; to-target trades, sells
 * before buys, never negative cash, never short, minimum trade size, 5 dp or whole shares.
 */
import Decimal from 'decimal.js';
import { Dec, ZERO, cashStr, dec, priceStr, qtyStr, sum } from './money';

export interface InterimInput {
  targets: { symbol: string; weight: string }[]; // fractions of total value; the rest is the cash target
  cash: string;
  pendingWithdrawal: string;
  holdings: { symbol: string; qty: string }[];
  prices: Record<string, string>;
  fractionable: Record<string, boolean>;
  bandAbsPp: string; // e.g. '5' = 5 percentage points
  minTradeUsd: string;
}

export interface InterimLeg {
  legNo: number;
  symbol: string;
  side: 'BUY' | 'SELL';
  qty: string;
  estPrice: string;
  estNotional: string;
  reason: string;
}

export interface InterimPlan {
  action: 'NONE' | 'TRADE';
  reasons: string[];
  totalValue: string;
  legs: InterimLeg[];
}

export function interimPlan(input: InterimInput): InterimPlan {
  const price = (s: string): Dec => {
    const p = input.prices[s];
    if (p === undefined) throw new Error(`no price for ${s}`);
    return dec(p);
  };
  const held = new Map(input.holdings.map((h) => [h.symbol, dec(h.qty)]));
  const symbols = [...new Set([...input.targets.map((t) => t.symbol), ...held.keys()])].sort();
  const value = new Map(symbols.map((s) => [s, (held.get(s) ?? ZERO).times(price(s))]));
  const cash = dec(input.cash);
  const total = sum([...value.values()]).plus(cash);
  const reasons: string[] = [];
  if (total.lte(0))
    return { action: 'NONE', reasons: ['account has no value'], totalValue: cashStr(total), legs: [] };
  const band = dec(input.bandAbsPp).div(100);
  const weight = new Map(input.targets.map((t) => [t.symbol, dec(t.weight)]));
  const cashTarget = new Dec(1).minus(sum([...weight.values()]));
  for (const s of symbols) {
    const actual = value.get(s)!.div(total);
    const target = weight.get(s) ?? ZERO;
    if (actual.minus(target).abs().gt(band)) {
      reasons.push(
        `DRIFT ${s}: ${actual.times(100).toFixed(2)}% vs target ${target.times(100).toFixed(2)}% (band ±${input.bandAbsPp} pp)`,
      );
    }
  }
  const withdrawal = dec(input.pendingWithdrawal);
  const cashWeight = cash.minus(withdrawal).div(total);
  if (cashWeight.minus(cashTarget).gt(new Dec('0.005'))) {
    reasons.push(
      `CASH_IN: cash ${cashWeight.times(100).toFixed(2)}% above target ${cashTarget.times(100).toFixed(2)}%`,
    );
  }
  if (withdrawal.gt(0) && cash.minus(withdrawal).lt(cashTarget.times(total))) {
    reasons.push(`CASH_OUT: raise ${cashStr(withdrawal)} for a withdrawal`);
  }
  if (reasons.length === 0)
    return { action: 'NONE', reasons: ['within bands'], totalValue: cashStr(total), legs: [] };

  const investable = total.minus(withdrawal);
  const minTrade = dec(input.minTradeUsd);
  const round = (s: string, q: Dec) =>
    input.fractionable[s] === false ? q.toDecimalPlaces(0, Decimal.ROUND_DOWN) : dec(qtyStr(q));
  const sells: InterimLeg[] = [];
  const buys: { symbol: string; qty: Dec }[] = [];
  for (const s of symbols) {
    const diff = investable.times(weight.get(s) ?? ZERO).minus(value.get(s)!);
    const qty = round(s, diff.abs().div(price(s)));
    if (qty.isZero() || qty.times(price(s)).lt(minTrade)) continue;
    if (diff.lt(0)) {
      const sellQty = Decimal.min(qty, held.get(s) ?? ZERO) as Dec;
      if (sellQty.gt(0)) sells.push(leg(0, s, 'SELL', sellQty, price(s), 'to target'));
    } else buys.push({ symbol: s, qty });
  }
  // Buys are paid from cash plus sell proceeds, keeping the withdrawal and the cash target.
  const proceeds = sum(sells.map((l) => dec(l.estNotional)));
  let budget = cash.plus(proceeds).minus(withdrawal).minus(cashTarget.times(investable));
  const buyLegs: InterimLeg[] = [];
  for (const b of buys) {
    if (budget.lte(0)) break;
    let qty = b.qty;
    if (qty.times(price(b.symbol)).gt(budget)) qty = round(b.symbol, budget.div(price(b.symbol)));
    if (qty.isZero() || qty.times(price(b.symbol)).lt(minTrade)) continue;
    const l = leg(0, b.symbol, 'BUY', qty, price(b.symbol), 'to target');
    budget = budget.minus(dec(l.estNotional));
    buyLegs.push(l);
  }
  const legs = [...sells, ...buyLegs].map((l, i) => ({ ...l, legNo: i + 1 }));
  if (legs.length === 0) {
    return {
      action: 'NONE',
      reasons: [...reasons, 'no trade above the minimum size'],
      totalValue: cashStr(total),
      legs,
    };
  }
  return { action: 'TRADE', reasons, totalValue: cashStr(total), legs };
}

function leg(
  legNo: number,
  symbol: string,
  side: 'BUY' | 'SELL',
  qty: Dec,
  price: Dec,
  reason: string,
): InterimLeg {
  return {
    legNo,
    symbol,
    side,
    qty: qtyStr(qty),
    estPrice: priceStr(price),
    estNotional: qty.times(price).toDecimalPlaces(2, Decimal.ROUND_UP).toFixed(2),
    reason,
  };
}
