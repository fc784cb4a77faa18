/**
 * The account being planned: its parsed snapshot (holdings, prices, restrictions, household), the
 * resolved configuration, and the plan-wide state the pipeline steps share (sleeves, reasons,
 * trigger flags). One per `planAccount` call.
 */
import type { ResolvedConfig } from './config';
import { dayNumber } from './dates';
import { type Fx, ZERO as ZERO_, fx, maxFx as maxFx_ } from './fx';
import type { SleeveState } from './plan-state';
import { PriceBook } from './prices';
import { RestrictionBook } from './restrictions';
import type { AccountSnapshot, LotMethod, Reason } from './types';
import { type Holding, Ratios, parseHoldings } from './valuation';
import { HouseholdIndex, securityKey } from './washsale';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;
const maxFx = maxFx_;

export class PlanContext {
  readonly asOf: string;
  readonly taxable: boolean;
  readonly method: LotMethod;
  readonly prices: PriceBook;
  readonly book: RestrictionBook;
  readonly hh: HouseholdIndex;
  readonly holdings: Holding[];
  readonly cash: Fx;
  readonly W: Fx;
  readonly V: Fx;
  /** Value net of the pending withdrawal (never negative): the base of every weight. */
  readonly Vp: Fx;
  readonly minTrade: Fx;
  readonly ratios: Ratios;
  readonly planLossKeys = new Set<string>();
  readonly reasons: Reason[] = [];
  sleeves: SleeveState[] = [];
  full = false;
  cashIn = false;
  cashOut = false;
  hardRaise = false;
  modelChange = false;

  constructor(
    readonly snap: AccountSnapshot,
    readonly cfg: ResolvedConfig,
  ) {
    this.asOf = snap.asOf;
    dayNumber(snap.asOf); // validates the date
    this.taxable = snap.taxStatus === 'TAXABLE';
    this.method = snap.lotMethod ?? cfg.defaultLotMethod;
    this.prices = new PriceBook(snap);
    this.book = new RestrictionBook(snap, this.prices);
    this.hh = new HouseholdIndex(
      snap.asOf,
      snap.accountId,
      cfg.washWindowDays,
      cfg.identical,
      snap.household.recentTrades,
      snap.household.proposedBuys,
    );
    this.holdings = parseHoldings(snap.holdings, this.prices, snap.securities, snap.asOf);
    this.cash = fx(snap.cash);
    this.W = fx(snap.pendingWithdrawal);
    if (this.W.isNeg()) throw new Error('pendingWithdrawal must not be negative');
    let v = this.cash;
    for (const h of this.holdings) v = v.plus(h.value);
    this.V = v;
    const vp = v.minus(this.W);
    this.Vp = vp.isPos() ? vp : ZERO;
    this.ratios = new Ratios(this.Vp);
    this.minTrade = maxFx(cfg.minTradeUsd, cfg.minTradePct.times(this.V));
  }

  key(symbol: string): string {
    return securityKey(symbol, this.cfg.identical);
  }

  buyBlocks(symbol: string): string[] {
    const t = this.book.of(symbol);
    const out = t.buyBlocks.slice();
    if (!this.snap.securities[symbol]) out.push('UNKNOWN_SECURITY');
    if (this.hh.lossSalesOf(symbol).length > 0) out.push('WASH_SALE_RECENT_LOSS');
    if (this.planLossKeys.has(this.key(symbol))) out.push('WASH_SALE_PLAN_LOSS');
    return out;
  }

  firstBuyable(st: SleeveState): string | null {
    for (const c of st.sleeve.candidates) if (this.buyBlocks(c).length === 0) return c;
    return null;
  }

  private holdingMap: Map<string, Holding> | null = null;

  /** Parsed holdings by symbol. */
  holdingBy(): Map<string, Holding> {
    if (this.holdingMap === null) this.holdingMap = new Map(this.holdings.map((h) => [h.symbol, h]));
    return this.holdingMap;
  }
}
