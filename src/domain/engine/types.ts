/**
 * Input and output shapes of the rebalancing engine: the snapshot, the configuration (its defaults
 * and resolution are in config.ts) and the plan. This file imports nothing.
 *
 * Every amount, price, quantity and weight is a decimal string at this edge (never a JS number);
 * dates are 'YYYY-MM-DD'. Numbers appear only as counts (legNo, day counts) in reasons.
 */

export type TaxStatus = 'TAXABLE' | 'IRA' | 'ROTH';
/**
 * Lot relief method of the account.
 * - FIFO / LIFO: by open date (ties by lotId).
 * - HIFO: highest unit cost first.
 * - MIN_TAX: losses first (short-term losses, then long-term losses, largest loss per share first),
 *   then long-term gains, then short-term gains (smallest gain per share first). Apex: MIN_TAX_TERM.
 * - SPEC_ID: specific identification chosen by the engine with the MIN_TAX order; the plan carries
 *   the lot instructions, which the order layer must pass on (`lotMatchingInstructions`).
 */
export type LotMethod = 'FIFO' | 'LIFO' | 'HIFO' | 'MIN_TAX' | 'SPEC_ID';
export type Side = 'BUY' | 'SELL';
export type RestrictionKind = 'NO_BUY' | 'NO_SELL' | 'NO_TRADE';

export type BandRule = 'ABS' | 'REL' | 'FIVE_TWENTY_FIVE';
export type RebalanceMode = 'TO_BAND' | 'FULL';
/** Which lots of an alternate may be sold to swap back into the primary after the wash window. */
export type SwapBackMode = 'NO_GAIN' | 'NO_ST_GAIN' | 'OFF';

export interface EngineConfig {
  /** Drift band rule: absolute pp, relative %, or 5/25 (abs for large targets, rel for small). */
  bandRule: BandRule;
  /** Absolute band half-width as a fraction (0.05 = 5 pp). */
  absBand: string;
  /** Relative band as a fraction of the target (0.25 = 25 %). */
  relBand: string;
  /** 5/25 rule: targets >= this weight use `absBand`, smaller ones `relBand`. */
  fiveTwentyFiveSplit: string;
  /**
   * TO_BAND trades stop this fraction of the band half-width inside the band edge (0.1 = 10 %), so a
   * repaired sleeve is strictly inside its band (a deviation equal to the half-width is a breach).
   */
  bandInset: string;
  /** Daily mode; FULL is always used on a model change and on large cash flows. */
  rebalanceMode: RebalanceMode;
  /** Cash flow (net excess cash in, or withdrawal out) above this fraction of value forces FULL. */
  fullRebalanceCashFlowFraction: string;
  /** Cash buffer kept after trades, fraction of value net of the withdrawal. */
  cashTarget: string;
  /** Invest excess cash when cash is this fraction of value above the target. */
  investExcessThreshold: string;
  /** Minimum trade: a leg must be at least this many dollars … */
  minTradeUsd: string;
  /** … and at least this fraction of account value. */
  minTradePct: string;
  /** A drift trade must cut the sleeve's deviation by at least this fraction (Tamarac default 50 %). */
  improvementPct: string;
  /** Tax-loss harvesting (taxable accounts only). */
  tlhEnabled: boolean;
  /** Lot-level loss threshold as a fraction of lot cost (both thresholds must hold). */
  tlhMinLossPct: string;
  /** Loss threshold in dollars per account-security (sum of the qualifying lots). */
  tlhMinLossUsd: string;
  /** Wash-sale window in calendar days either side of the sale (a count, not money). */
  washWindowDays: number;
  /** Groups of symbols treated as substantially identical to each other (gray areas, conservative). */
  substantiallyIdentical: string[][];
  swapBack: SwapBackMode;
  /** A buy may not take a single security above this fraction of value. */
  concentrationLimit: string;
  /** Per-leg notional maximum (USD). */
  maxLegNotional: string;
  /** Per-leg share maximum. */
  maxLegShares: string;
  /** Lot method used when the snapshot does not give one. */
  defaultLotMethod: LotMethod;
  /** Sell holdings that belong to no model sleeve. */
  sellNonModelHoldings: boolean;
  /** Marginal rates for the tax estimate (taxable accounts). */
  shortTermTaxRate: string;
  longTermTaxRate: string;
}

export interface SnapshotLot {
  lotId: string;
  /** Trade date of the purchase, 'YYYY-MM-DD'. */
  openDate: string;
  qty: string;
  /** Adjusted unit cost (including any wash-sale basis adjustment). */
  unitCost: string;
}

export interface SnapshotHolding {
  symbol: string;
  qty: string;
  /** Closing price; `prices[symbol]` wins when both are given. */
  price: string;
  lots: SnapshotLot[];
}

export interface ModelTarget {
  /** Primary security of the sleeve. */
  symbol: string;
  /** Relative weight as a fraction ('0.36'); weights are normalised to sum to 1 − cashTarget. */
  weight: string;
  /**
   * Asset class of the sleeve. Holdings of other securities of the same class count towards this
   * target when exactly one target has this class. Defaults to the primary's asset class.
   */
  assetClass?: string;
}

export interface SecurityInfo {
  symbol: string;
  fractionable: boolean;
  assetClass: string;
  /** TLH alternates in priority order; each tracks a different index than this security. */
  tlhAlternates: string[];
  esgExcluded?: boolean;
}

export interface HouseholdTrade {
  accountId: string;
  symbol: string;
  side: Side;
  date: string;
  qty: string;
  /** Positive amount of loss realized by this sale (SELL only), if any. */
  realizedLoss?: string;
}

export interface AccountSnapshot {
  accountId: string;
  householdId: string;
  /** Trade date, 'YYYY-MM-DD'. */
  asOf: string;
  taxStatus: TaxStatus;
  lotMethod: LotMethod;
  model: {
    id: string;
    version: number;
    targets: ModelTarget[];
    config?: Partial<EngineConfig>;
  };
  lastTradedModelVersion: number | null;
  /** Per-account overrides; they win over the model's. */
  accountConfig?: Partial<EngineConfig>;
  /** Available (investable) cash; withheld deposits excluded by the caller. */
  cash: string;
  /** Cash that must be raised today for a withdrawal ('0' if none). */
  pendingWithdrawal: string;
  holdings: SnapshotHolding[];
  /** Every symbol in targets, holdings and alternates. */
  securities: Record<string, SecurityInfo>;
  prices: Record<string, string>;
  restrictions: { symbol: string; kind: RestrictionKind; reason: string }[];
  esgScreen?: { excluded: string[]; substitutes: Record<string, string> };
  /** Symbols with open reconciliation breaks in this account: no trade in them. */
  blockedSymbols: string[];
  /**
   * Trades of the last 30 days in every account of the household (this one and IRAs included; DRIP
   * reinvestments are BUYs), and today's proposed buys of the other accounts of the household.
   */
  household: {
    recentTrades: HouseholdTrade[];
    proposedBuys: { accountId: string; symbol: string }[];
  };
}

export type ReasonCode =
  | 'DRIFT'
  | 'CASH_IN'
  | 'CASH_OUT'
  | 'TLH'
  | 'MODEL_CHANGE'
  | 'RESTRICTION'
  | 'ESG'
  | 'BLOCKED'
  | 'SWAP_BACK'
  | 'NON_MODEL'
  | 'REBALANCE'
  | 'LOTS'
  | 'TAX'
  | 'MIN_TRADE'
  | 'IMPROVEMENT'
  | 'WASH_SALE_AVOIDED'
  | 'LEG_CAPPED'
  | 'RESIDUAL_BREACH'
  | 'CASH_SHORTFALL'
  | 'CASH_UNINVESTED'
  | 'NO_ACTION';

export type ReasonDetails = Record<string, string | number | boolean | string[]>;

/** A machine-readable explanation. Money and weights are decimal strings; numbers are counts only. */
export interface Reason {
  code: ReasonCode;
  message: string;
  details: ReasonDetails;
}

export type HoldingTerm = 'ST' | 'LT';

export interface LegLot {
  lotId: string;
  qty: string;
  unitCost: string;
  openDate: string;
  term: HoldingTerm;
  /** (estPrice − unitCost) × qty, cents. Negative = loss. */
  estGain: string;
}

export interface PlanLeg {
  /** 1-based; sells come before buys. */
  legNo: number;
  symbol: string;
  side: Side;
  /** Whole shares for non-fractionable securities, else 5 dp. */
  qty: string;
  estPrice: string;
  estNotional: string;
  reasons: Reason[];
  /** Lot instructions (sells only); quantities sum to `qty`. */
  lots: LegLot[];
}

export interface DriftRow {
  /** Sleeve key: the model's primary symbol (after ESG routing) or the symbol of a non-model holding. */
  symbol: string;
  /** Effective target weight of the sleeve (fraction of total value). */
  target: string;
  /** Actual weight (fraction of total value) of all securities of the sleeve. */
  actual: string;
  /** Signed deviation actual − target (fraction; 0.01 = 1 pp). */
  absDev: string;
  /** Signed deviation relative to the target ((actual − target) / target); '0' when the target is 0. */
  relDev: string;
  /** Half-width of the band (fraction of total value) under the configured band rule. */
  band: string;
  breached: boolean;
  /** Securities held in the sleeve. */
  members: string[];
}

export interface ComplianceFailure {
  legNo: number | null;
  rule: string;
  message: string;
}

export interface EnginePlan {
  accountId: string;
  asOf: string;
  action: 'NONE' | 'TRADE';
  /** Rebalance mode used for sizing (reported even when nothing traded). */
  mode: 'TO_BAND' | 'FULL';
  reasons: Reason[];
  drift: { totalValue: string; cash: { target: string; actual: string }; rows: DriftRow[] };
  legs: PlanLeg[];
  /** Realized gains estimated at estPrice (taxable accounts; zero elsewhere). estTax < 0 = a saving. */
  tax: { realizedST: string; realizedLT: string; estTax?: string };
  compliance: { ok: boolean; failures: ComplianceFailure[] };
  /**
   * Post-trade state at estimated prices. `cash` still includes the pending withdrawal; weights are
   * fractions of the value net of the withdrawal (`totalValue`), keyed by symbol, plus `$CASH`
   * (cash net of the withdrawal). `sleeveWeights` are keyed like drift rows.
   */
  after: {
    cash: string;
    totalValue: string;
    weights: Record<string, string>;
    sleeveWeights: Record<string, string>;
  };
}
