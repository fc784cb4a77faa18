/**
 * Rebalancing engine (issue 3): pure, exact (`Fx`, a BigInt decimal identical in results to money.ts's
 * decimal.js `Dec`), deterministic, explained.
 *
 * `planAccount(snapshot, config?)` runs scan → triggers → proposal → tax lots → compliance for one
 * account on one trading day and returns an `EnginePlan`. No I/O, no clock, no randomness: safe to
 * import from Temporal workflows and activities.
 */
export { DEFAULT_ENGINE_CONFIG, resolveConfig } from './config';
export type { ResolvedConfig } from './config';
export { planAccount } from './plan';
export { Fx, fx } from './fx';
export type * from './types';
export { addDays, dayNumber, daysBetween, fromDayNumber, holdingTerm } from './dates';
export { estimateTax, orderLots, realizedGains, selectLots } from './lots';
export type { Lot, SelectedLot } from './lots';
export { washSaleConflicts, HouseholdIndex, securityKey, substantiallyIdentical } from './washsale';
export type { LossSale, ReplacementBuy, WashConflict } from './washsale';
export { driftRows } from './valuation';
export { bandHalfWidth, isBreached } from './bands';
export { spread, floorQty, ceilQty } from './sizing';
export { decStrGreater, scanTlh, swapBackLots } from './tlh';
export { RestrictionBook, routeTargets } from './restrictions';
export { checkCompliance } from './compliance';
