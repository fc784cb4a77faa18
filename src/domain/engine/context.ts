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
import { type HouseholdIndex, householdIndexOf, securityKey } from './washsale';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;
const maxFx = maxFx_;

export class PlanContext {
  readonly asOf: string;
  /** Taxable account: TLH, wash-sale care with loss lots, tax estimates. */
  readonly taxable: boolean;
  /** Lot relief method: the snapshot's, else the configured default. */
  readonly method: LotMethod;
  readonly prices: PriceBook;
  /** Restrictions, open reconciliation breaks and the ESG screen of the account. */
  readonly book: RestrictionBook;
  /** The household's recent trades and today's proposed buys (wash sales). */
  readonly household: HouseholdIndex;
  /** Parsed holdings, by symbol. */
  readonly holdings: Holding[];
  /** Investable cash. */
  readonly cash: Fx;
  /** Cash to raise today for a pending withdrawal (0 if none). */
  readonly withdrawal: Fx;
  /** Cash plus the holdings at market. */
  readonly totalValue: Fx;
  /** Value net of the pending withdrawal (never negative): the base of every weight. */
  readonly netValue: Fx;
  /** The smallest leg: max(minTradeUsd, minTradePct × totalValue). */
  readonly minTrade: Fx;
  /** Ratios to `netValue` (weights for display). */
  readonly ratios: Ratios;
  /** Security keys this plan sells at a loss (TLH): buying them today would be a wash sale. */
  readonly planLossKeys = new Set<string>();
  /** The plan's reasons, in the order the steps add them. */
  readonly reasons: Reason[] = [];
  /** The sleeves' working state, in drift-row order (model sleeves, then non-model holdings). */
  sleeves: SleeveState[] = [];
  /** Set by the triggers: FULL rebalance (model change, large cash flow, or configured) rather than TO_BAND. */
  full = false;
  /** CASH_IN fired: excess cash is invested even beyond the cash the sleeves' own trades free. */
  cashIn = false;
  /** CASH_OUT fired: cash is raised to the withdrawal plus the buffer. */
  cashOut = false;
  /** Cash is below the withdrawal itself: a sell below the minimum trade is enlarged to it, not dropped. */
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
    this.household = householdIndexOf(snap, cfg);
    this.holdings = parseHoldings(snap.holdings, this.prices, snap.securities, snap.asOf);
    this.cash = fx(snap.cash);
    this.withdrawal = fx(snap.pendingWithdrawal);
    if (this.withdrawal.isNeg()) throw new Error('pendingWithdrawal must not be negative');
    let v = this.cash;
    for (const h of this.holdings) v = v.plus(h.value);
    this.totalValue = v;
    const vp = v.minus(this.withdrawal);
    this.netValue = vp.isPos() ? vp : ZERO;
    this.ratios = new Ratios(this.netValue);
    this.minTrade = maxFx(cfg.minTradeUsd, cfg.minTradePct.times(this.totalValue));
  }

  /** The key under which substantially identical symbols meet. */
  key(symbol: string): string {
    return securityKey(symbol, this.cfg.identical);
  }

  /** Why `symbol` cannot be bought today (empty when it can): restrictions, unknown security, wash sales. */
  buyBlocks(symbol: string): string[] {
    const t = this.book.of(symbol);
    const out = t.buyBlocks.slice();
    if (!this.snap.securities[symbol]) out.push('UNKNOWN_SECURITY');
    if (this.household.lossSalesOf(symbol).length > 0) out.push('WASH_SALE_RECENT_LOSS');
    if (this.planLossKeys.has(this.key(symbol))) out.push('WASH_SALE_PLAN_LOSS');
    return out;
  }

  /** The sleeve's first buyable candidate (primary, then alternates), or null. */
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
