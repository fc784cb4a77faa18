/**
 * The money math of block orders (docs/domain.md §8.3, §8.6): the block's filled quantity and
 * average price from its executions, each order capped at its quantity (an overfill's excess is not
 * the accounts'), and the scaling of an account's buys down to the cash its sells actually brought.
 * Pure and exact (decimal.js).
 */
import { type Dec, ZERO, apexAvgPriceStr, dec } from './money';

export interface BlockOrderFill {
  clientOrderId: string;
  /** Ordered quantity. */
  qty: string;
  /** What the book recorded as filled (capped at `qty`). */
  filledQty: string;
}

export interface BlockExecution {
  clientOrderId: string;
  qty: string;
  price: string;
}

export type BlockFill =
  | { ok: true; filled: Dec; notional: Dec; avgPrice: string | null }
  | { ok: false; clientOrderId: string; executed: Dec; reported: Dec };

/**
 * Σ executions per order, capped at the order's quantity, and the volume-weighted average price of
 * what counts (Apex's average-price rounding). An order whose capped executions differ from what
 * it reports filled is a mismatch (`ok: false`): nothing may be allocated from it.
 */
export function blockFill(orders: readonly BlockOrderFill[], execs: readonly BlockExecution[]): BlockFill {
  let filled = ZERO;
  let notional = ZERO;
  for (const o of orders) {
    let q = ZERO;
    let n = ZERO;
    for (const e of execs) {
      if (e.clientOrderId !== o.clientOrderId) continue;
      q = q.plus(dec(e.qty));
      n = n.plus(dec(e.qty).times(dec(e.price)));
    }
    const capped = q.gt(dec(o.qty)) ? dec(o.qty) : q;
    if (!capped.eq(dec(o.filledQty))) {
      return { ok: false, clientOrderId: o.clientOrderId, executed: q, reported: dec(o.filledQty) };
    }
    filled = filled.plus(capped);
    // An overfilled order counts at its quantity, at the average price of all its executions.
    notional = notional.plus(capped.eq(q) ? n : n.times(capped).div(q));
  }
  return {
    ok: true,
    filled,
    notional,
    avgPrice: filled.gt(0) ? apexAvgPriceStr(notional.div(filled)) : null,
  };
}

/** What one account planned and got on the day's sell side, and the cash it has for its buys. */
export interface BuyFunding {
  accountId: string;
  /** Σ estimated notional of its planned buys. */
  plannedBuy: Dec;
  /** Σ estimated notional of its planned sells. */
  plannedSell: Dec;
  /** What its sell allocations actually brought in. */
  sellProceeds: Dec;
  /** The book's cash. */
  cash: Dec;
  /** Σ pending withdrawals (a negative amount, or zero). */
  pendingOut: Dec;
}

/**
 * What a scaled account keeps back of its available cash (docs/domain.md §8.6): its buys are
 * estimated at the last close and fill at today's price, so buys scaled to exactly what it has would
 * go below zero on any rise (seen on the demo day: −$6.60 after fills 0.1 % above the estimates).
 */
export const BUY_SCALE_PRICE_BUFFER = dec('0.02');

/**
 * The factor (0 ≤ f < 1) each account's buys are scaled by: only an account whose sells brought in
 * less than planned and whose cash, less pending withdrawals, plus actual proceeds no longer covers
 * its planned buys; it spends that less BUY_SCALE_PRICE_BUFFER. A small shortfall comes out of the
 * cash buffer the engine kept, never below zero.
 */
export function buyScaleFactors(accounts: readonly BuyFunding[]): Map<string, Dec> {
  const factor = new Map<string, Dec>();
  const keep = dec('1').minus(BUY_SCALE_PRICE_BUFFER);
  for (const a of accounts) {
    if (!a.plannedBuy.gt(0)) continue;
    if (!a.plannedSell.minus(a.sellProceeds).gt(0)) continue;
    const available = a.cash.plus(a.pendingOut).plus(a.sellProceeds);
    if (available.gte(a.plannedBuy)) continue;
    factor.set(a.accountId, available.gt(0) ? (available.times(keep).div(a.plannedBuy) as Dec) : ZERO);
  }
  return factor;
}

/** A planned buy quantity scaled by `factor`, down to the security's step (never rounded up). */
export function scaledBuyQty(planned: Dec, factor: Dec, step: Dec): Dec {
  return planned.times(factor).div(step).floor().times(step) as Dec;
}
