/** What `proposeTrades` tells the account's workflow about the proposal it wrote (or found). */
export interface ProposeResult {
  action: 'NONE' | 'TRADE';
  proposalId?: string;
  version: number;
  legs: number;
  reasons: string[];
  notional: string;
  /** Why an auto account's proposal needs a Zoe trader's review (empty: approve automatically). */
  flags: string[];
}
