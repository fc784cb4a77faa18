/**
 * Explanations: builders for the machine-readable reasons carried by plans and legs.
 * Weights are printed as fractions (6 dp) and as percentages in messages; money as cents.
 */
import type { Dec } from '../money';
import { cashStrFast } from './parse';
import type { Reason, ReasonCode, ReasonDetails } from './types';
import { weightStr } from './valuation';

export function reason(code: ReasonCode, message: string, details: ReasonDetails = {}): Reason {
  return { code, message, details };
}

/** '35.28%' from a fraction. */
export function pct(d: Dec): string {
  return `${d.times(100).toFixed(2)}%`;
}

export const w = weightStr;
export const usd = cashStrFast;
