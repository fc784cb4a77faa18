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

/** Whether a summary has anything to look at (a mismatch, a fill or a trade without its match). */
export function confirmsBroken(c: ConfirmSummary): boolean {
  return c.mismatched + c.unmatchedOurs + c.unmatchedTheirs > 0;
}

/** One account of a batch's confirm matching: its summary, or why it could not be matched. */
export type BatchConfirmResult =
  | { accountId: string; confirms: ConfirmSummary; error?: undefined }
  | { accountId: string; error: string; confirms?: undefined };
