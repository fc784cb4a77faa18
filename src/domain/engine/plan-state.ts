/**
 * The planner's working state for one account: per sleeve (`SleeveState`), per holding of a sleeve
 * (`MemberPlan`) and per leg being built (`LegDraft`). Values are in dollars (`Fx`), exact.
 */
import type { Fx } from './fx';
import type { FxLot, FxSelectedLot } from './lots';
import type { Holding, Sleeve } from './valuation';

/**
 * Why a sleeve trades, for its legs' reasons: BAND (TO_BAND repair of a breach), FULL (to target),
 * RAISE (cut to raise cash), INVEST (filled with excess cash), NON_MODEL (not in the model), FORCED
 * (forced sells: TLH, ESG, swap back).
 */
export type Purpose = 'BAND' | 'FULL' | 'RAISE' | 'INVEST' | 'NON_MODEL' | 'FORCED';
/** Why lots are sold whatever the drift: tax-loss harvest, swap back to the primary, ESG exclusion. */
export type ForcedKind = 'TLH' | 'SWAP_BACK' | 'ESG';

/** A holding of a sleeve, and what the plan sells of it. */
export interface MemberPlan {
  holding: Holding;
  /** False when a restriction (NO_SELL, NO_TRADE, …) or an open break on the sleeve forbids selling. */
  canSell: boolean;
  /** Why it cannot be sold (restriction codes, SLEEVE_BLOCKED). */
  sellBlocks: string[];
  /** Lots sold whatever the drift (TLH, ESG, swap back). */
  forced: FxLot[];
  /** Market value of `forced`; the shared ZERO while there is none. */
  forcedValue: Fx;
  forcedKinds: Set<ForcedKind>;
  /** Unrealized loss harvested by the TLH lots (positive). */
  tlhLoss: Fx;
  /** Loss lots may not be sold (a household purchase in the window would make it a wash sale). */
  excludeLoss: boolean;
  /** Lots available for further sells; null = all the holding's lots (parsed lazily). */
  extraLots: FxLot[] | null;
  /** Most shares further sells may take (never more than the position minus the forced lots). */
  extraCapQty: Fx;
  /** `extraCapQty` at market. */
  extraCapValue: Fx;
  /** Dollars of further sells the proposal gives this member (value space, before rounding to shares). */
  extraValue: Fx;
}

/**
 * A sleeve while it is planned. Amounts are market values in dollars; the proposal moves `desired`
 * within [`minValue`, `maxValue`], and the gap between `desired` and what stays after the forced
 * sells becomes the members' further sells or the buy tiers.
 */
export interface SleeveState {
  sleeve: Sleeve;
  /** Target value: target weight × value net of the withdrawal. */
  targetValue: Fx;
  /** Not traded at all: a member (or the primary) has an open reconciliation break. */
  frozen: boolean;
  /** Where the sleeve's buys go: its first buyable candidate; null when none can be bought. */
  buySymbol: string | null;
  /** Why each candidate before `buySymbol` (every candidate, when it is null) cannot be bought. */
  buyBlocks: Record<string, string[]>;
  /** Market value now (the sleeve's value). */
  value: Fx;
  /** Value of the members' forced sells; the shared ZERO while there is none. */
  forcedValue: Fx;
  /** Lowest value the sleeve can reach today: `value` − forced sells − capacity for further sells. */
  minValue: Fx;
  /** Highest value the sleeve can reach today: after forced sells plus the room to buy (limits). */
  maxValue: Fx;
  /** Desired value from drift / mode alone, before cash is raised or invested. */
  desiredBeforeCash: Fx;
  /** Desired value after cash is raised or invested: what the legs aim for. */
  desired: Fx;
  /** Outside its band before trading: above (OVER) or below (UNDER) target; null when inside. */
  breach: 'OVER' | 'UNDER' | null;
  purposes: Set<Purpose>;
  /** Constraints met while sizing (CAP, MIN_TRADE, CASH, WASH_SALE, …): the causes of residual breaches. */
  notes: Set<string>;
  members: MemberPlan[];
  /**
   * Buy dollars by funding tier: [replacement of forced sells, band/full rebalance, cash investment];
   * funded in that order when cash is short.
   */
  buyTiers: [Fx, Fx, Fx];
}

export interface LegDraft {
  symbol: string;
  side: 'BUY' | 'SELL';
  qty: Fx;
  price: Fx;
  /** qty × price rounded to cents (what cash moves by, as the custodian books principal). */
  notional: Fx;
  /** qty × price, exact (what the position's value moves by). */
  exact: Fx;
  fractionable: boolean;
  lots: FxSelectedLot[];
  sleeves: SleeveState[];
  member?: MemberPlan;
  capped: boolean;
  lotWhy?: string;
}
