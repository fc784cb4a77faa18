/**
 * Wash sales (IRC §1091, docs/domain.md §7.3): a loss is disallowed when substantially identical securities
 * are acquired within `windowDays` calendar days before or after the sale, in any account of the
 * household (IRAs and Roths included, where the loss is then lost for good; DRIPs are buys).
 * Substantially identical = the same symbol, or symbols of one configured group (e.g. VOO/IVV).
 */
import { type Dec, ZERO as ZERO_, dec } from '../money';
import type { ResolvedConfig } from './config';
import { dayNumber } from './dates';
import { fx } from './fx';
import type { AccountSnapshot, HouseholdTrade } from './types';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;

/**
 * Where a sale at a loss would be a wash sale, a lot whose estimated gain is under this fraction
 * of its cost is treated as a loss: the estimate (the last close) and the fill (today's price)
 * differ by about a day's move.
 */
export const WASH_LOSS_MARGIN = '0.02';
export const ONE_PLUS_WASH_LOSS_MARGIN = fx('1').plus(fx(WASH_LOSS_MARGIN));

/** The key under which substantially identical symbols meet. */
export function securityKey(symbol: string, identical: ReadonlyMap<string, string>): string {
  return identical.get(symbol) ?? symbol;
}

export function substantiallyIdentical(
  a: string,
  b: string,
  identical: ReadonlyMap<string, string>,
): boolean {
  return a === b || securityKey(a, identical) === securityKey(b, identical);
}

/** An acquisition that may replace shares sold at a loss. `qty` null = unknown (counts in full). */
export interface ReplacementBuy {
  source: 'HOUSEHOLD_TRADE' | 'PROPOSED_BUY' | 'PLAN_BUY';
  accountId: string;
  symbol: string;
  date: string;
  qty: Dec | null;
}

/** Shares sold at a loss in one sale. */
export interface LossSale {
  accountId: string;
  symbol: string;
  date: string;
  /** Shares sold at a loss. */
  qty: Dec;
  /** Positive amount of the loss on those shares. */
  loss: Dec;
  /**
   * Open dates and quantities of the lots sold in this sale (this account): own purchases on those
   * dates are the very shares sold, not replacements, up to these quantities.
   */
  soldLots?: { openDate: string; qty: Dec }[];
}

export interface WashConflict {
  source: ReplacementBuy['source'];
  accountId: string;
  symbol: string;
  date: string;
  /** Replacement shares matched against the sale. */
  matchedQty: string;
  /** Loss disallowed by this match, proportional to the matched shares (Pub 550). */
  disallowedLoss: string;
}

/**
 * The replacement purchases that make `sale` a wash sale, matched in date order (earliest first)
 * until the shares sold at a loss are covered; the disallowed loss is proportional to the matched
 * replacement shares (partial replacement). A buy of unknown quantity matches in full.
 */
export function washSaleConflicts(
  sale: LossSale,
  buys: readonly ReplacementBuy[],
  windowDays: number,
  identical: ReadonlyMap<string, string> = new Map(),
): { conflicts: WashConflict[]; matchedQty: Dec; disallowedLoss: Dec } {
  if (sale.qty.lte(0) || sale.loss.lte(0)) return { conflicts: [], matchedQty: ZERO, disallowedLoss: ZERO };
  const saleDay = dayNumber(sale.date);
  // Own purchases that are the shares being sold are not replacements.
  const ownSold = new Map<string, Dec>();
  for (const l of sale.soldLots ?? []) ownSold.set(l.openDate, (ownSold.get(l.openDate) ?? ZERO).plus(l.qty));
  const candidates = buys
    .filter(
      (b) =>
        substantiallyIdentical(b.symbol, sale.symbol, identical) &&
        Math.abs(dayNumber(b.date) - saleDay) <= windowDays,
    )
    .sort((a, b) =>
      a.date !== b.date
        ? a.date < b.date
          ? -1
          : 1
        : a.accountId < b.accountId
          ? -1
          : a.accountId > b.accountId
            ? 1
            : 0,
    );
  const conflicts: WashConflict[] = [];
  let left = sale.qty;
  let matched = ZERO;
  let disallowed = ZERO;
  for (const b of candidates) {
    if (left.lte(0)) break;
    let qty = b.qty ?? left;
    if (b.source === 'HOUSEHOLD_TRADE' && b.accountId === sale.accountId && b.symbol === sale.symbol) {
      const own = ownSold.get(b.date);
      if (own?.gt(0)) {
        const used = own.lt(qty) ? own : qty;
        ownSold.set(b.date, own.minus(used));
        qty = qty.minus(used);
      }
    }
    if (qty.lte(0)) continue;
    const m = qty.lt(left) ? qty : left;
    const part = sale.loss.times(m).div(sale.qty);
    conflicts.push({
      source: b.source,
      accountId: b.accountId,
      symbol: b.symbol,
      date: b.date,
      matchedQty: m.toFixed(),
      disallowedLoss: part.toDecimalPlaces(2).toFixed(2),
    });
    matched = matched.plus(m);
    disallowed = disallowed.plus(part);
    left = left.minus(m);
  }
  return { conflicts, matchedQty: matched, disallowedLoss: disallowed };
}

/** Household trades indexed by security key, for the checks of one account on one day. */
export class HouseholdIndex {
  private readonly buys = new Map<string, ReplacementBuy[]>();
  private readonly lossSales = new Map<string, HouseholdTrade[]>();
  private readonly proposed = new Map<string, ReplacementBuy[]>();

  constructor(
    readonly asOf: string,
    readonly accountId: string,
    readonly windowDays: number,
    readonly identical: ReadonlyMap<string, string>,
    recentTrades: readonly HouseholdTrade[],
    proposedBuys: readonly { accountId: string; symbol: string }[],
  ) {
    const today = dayNumber(asOf);
    for (const t of recentTrades) {
      const age = today - dayNumber(t.date);
      if (age < 0 || age > windowDays) continue;
      const key = securityKey(t.symbol, identical);
      if (t.side === 'BUY') {
        push(this.buys, key, {
          source: 'HOUSEHOLD_TRADE',
          accountId: t.accountId,
          symbol: t.symbol,
          date: t.date,
          qty: dec(t.qty),
        });
      } else if (t.realizedLoss !== undefined && dec(t.realizedLoss).gt(0)) {
        push(this.lossSales, key, t);
      }
    }
    for (const p of proposedBuys) {
      if (p.accountId === accountId) continue;
      push(this.proposed, securityKey(p.symbol, identical), {
        source: 'PROPOSED_BUY',
        accountId: p.accountId,
        symbol: p.symbol,
        date: asOf,
        qty: null,
      });
    }
  }

  /** Losses realized on this security in the household within the window: buying it today would wash them. */
  lossSalesOf(symbol: string): HouseholdTrade[] {
    return this.lossSales.get(securityKey(symbol, this.identical)) ?? [];
  }

  /** Household purchases in the window (book) and today's proposed buys of other accounts. */
  replacementBuysOf(symbol: string): ReplacementBuy[] {
    const key = securityKey(symbol, this.identical);
    const a = this.buys.get(key);
    const b = this.proposed.get(key);
    if (!a) return b ?? [];
    if (!b) return a;
    return [...a, ...b];
  }

  /** True when some other account of the household bought, or proposes to buy, this security. */
  otherAccountBuys(symbol: string): boolean {
    return this.replacementBuysOf(symbol).some((b) => b.accountId !== this.accountId);
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const arr = m.get(k);
  if (arr) arr.push(v);
  else m.set(k, [v]);
}

/** The household index of an account's snapshot under its configuration (wash-sale window, identical groups). */
export function householdIndexOf(
  snap: Pick<AccountSnapshot, 'asOf' | 'accountId' | 'household'>,
  cfg: Pick<ResolvedConfig, 'washWindowDays' | 'identical'>,
): HouseholdIndex {
  return new HouseholdIndex(
    snap.asOf,
    snap.accountId,
    cfg.washWindowDays,
    cfg.identical,
    snap.household.recentTrades,
    snap.household.proposedBuys,
  );
}
