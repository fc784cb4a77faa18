/**
 * The planner's working state for one account: per sleeve (`SleeveState`), per holding of a sleeve
 * (`MemberPlan`) and per leg being built (`LegDraft`). Values are in dollars (`Fx`), exact.
 */
import type { Fx } from './fx';
import type { FxLot, FxSelectedLot } from './lots';
import type { Holding, Sleeve } from './valuation';

export type Purpose = 'BAND' | 'FULL' | 'RAISE' | 'INVEST' | 'NON_MODEL' | 'FORCED';
export type ForcedKind = 'TLH' | 'SWAP_BACK' | 'ESG';

export interface MemberPlan {
  h: Holding;
  st: SleeveState;
  canSell: boolean;
  sellBlocks: string[];
  forced: FxLot[];
  forcedValue: Fx;
  forcedKinds: Set<ForcedKind>;
  tlhLoss: Fx;
  /** Loss lots may not be sold (a household purchase in the window would make it a wash sale). */
  excludeLoss: boolean;
  /** Lots available for further sells; null = all the holding's lots (parsed lazily). */
  extraLots: FxLot[] | null;
  extraCapQty: Fx;
  extraCapValue: Fx;
  extraValue: Fx;
}

export interface SleeveState {
  s: Sleeve;
  /** Target value: target weight × value net of the withdrawal. */
  tV: Fx;
  frozen: boolean;
  buySymbol: string | null;
  buyBlocks: Record<string, string[]>;
  A: Fx;
  F: Fx;
  lo: Fx;
  hi: Fx;
  D0: Fx;
  D: Fx;
  breach: 'OVER' | 'UNDER' | null;
  purposes: Set<Purpose>;
  notes: Set<string>;
  members: MemberPlan[];
  tiers: [Fx, Fx, Fx];
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
