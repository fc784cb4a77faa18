/** Next-morning confirm matching of one account (or summed over many). */
export interface ConfirmSummary {
  matched: number;
  matchedWithinTolerance: number;
  mismatched: number;
  unmatchedOurs: number;
  unmatchedTheirs: number;
}

export function emptyConfirms(): ConfirmSummary {
  return { matched: 0, matchedWithinTolerance: 0, mismatched: 0, unmatchedOurs: 0, unmatchedTheirs: 0 };
}
