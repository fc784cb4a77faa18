/**
 * Explanations: builders for the machine-readable reasons carried by plans and legs.
 * Weights are printed as fractions (6 dp) and as percentages in messages; money as cents.
 */
import { type Fx, fxInt } from './fx';
import { cashStrFast, weightStr } from './parse';
import type { Reason, ReasonCode, ReasonDetails } from './types';

export function reason(code: ReasonCode, message: string, details: ReasonDetails = {}): Reason {
  return { code, message, details };
}

const HUNDRED = fxInt(100);

/** '35.28%' from a fraction. */
export function pct(d: Fx): string {
  return `${d.times(HUNDRED).toFixed(2)}%`;
}

export const w = weightStr;
export const usd = cashStrFast;
