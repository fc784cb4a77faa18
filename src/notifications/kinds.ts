/**
 * Who hears what (docs/notifications.md): every kind of message, its audience, and the settings that
 * turn kinds off (NOTIFY_DISABLED for everyone; an advisor's own opt-outs in `advisors.notify_opt_out`).
 */

export const NOTIFICATION_KINDS = [
  // advisor
  'ADVISOR_APPROVAL_NEEDED',
  'ADVISOR_APPROVAL_REMINDER',
  'ADVISOR_PROPOSAL_EXPIRED',
  'ADVISOR_NOT_FILLED',
  'ADVISOR_CONFIRM_BREAK',
  // trading
  'TRADER_REVIEW_NEEDED',
  'TRADING_BLOCKS_NOT_FILLED',
  // ops
  'OPS_RECON_DIGEST',
  'OPS_ACCOUNT_FAILED',
  'OPS_CONFIRM_BREAKS',
  'OPS_DAY_SUMMARY',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export type Audience = 'advisor' | 'trading' | 'ops';

/** The kinds an advisor hears, each of which an advisor may opt out of (`advisors.notify_opt_out`). */
export const ADVISOR_KINDS = [
  'ADVISOR_APPROVAL_NEEDED',
  'ADVISOR_APPROVAL_REMINDER',
  'ADVISOR_PROPOSAL_EXPIRED',
  'ADVISOR_NOT_FILLED',
  'ADVISOR_CONFIRM_BREAK',
] as const satisfies readonly NotificationKind[];
export type AdvisorKind = (typeof ADVISOR_KINDS)[number];

export const AUDIENCE: Record<NotificationKind, Audience> = {
  ADVISOR_APPROVAL_NEEDED: 'advisor',
  ADVISOR_APPROVAL_REMINDER: 'advisor',
  ADVISOR_PROPOSAL_EXPIRED: 'advisor',
  ADVISOR_NOT_FILLED: 'advisor',
  ADVISOR_CONFIRM_BREAK: 'advisor',
  TRADER_REVIEW_NEEDED: 'trading',
  TRADING_BLOCKS_NOT_FILLED: 'trading',
  OPS_RECON_DIGEST: 'ops',
  OPS_ACCOUNT_FAILED: 'ops',
  OPS_CONFIRM_BREAKS: 'ops',
  OPS_DAY_SUMMARY: 'ops',
};

/** The webhook / log recipient of a team's messages (an advisor's is their advisor id). */
export const TEAM_RECIPIENT: Record<Exclude<Audience, 'advisor'>, string> = {
  trading: 'zoe-trading',
  ops: 'zoe-ops',
};

/** Who hears what, and what the links in a message point at (src/config.ts notifySettings). */
export interface NotifySettings {
  /** E-mail addresses of ops (reconciliation digests, failed accounts, confirm breaks, the day's summary). */
  opsEmails: string[];
  /** E-mail addresses of the trading desk (flagged trades, blocks not filled at the close). */
  tradingEmails: string[];
  /** Kinds nobody is sent. */
  disabled: NotificationKind[];
  /** How long before the approval cut-off an advisor is reminded of a proposal still waiting. */
  reminderMinutes: number;
  /** How long the reconciliation digest waits for the morning's other reconciliations to join it. */
  digestSeconds: number;
  /** Where the advisor API and pages are, as a reader's browser reaches them. */
  apiUrl: string;
  /** Where the Temporal UI is, as a reader's browser reaches it. */
  temporalUiUrl: string;
  namespace: string;
}

export const DEFAULT_NOTIFY_SETTINGS: NotifySettings = {
  opsEmails: [],
  tradingEmails: [],
  disabled: [],
  reminderMinutes: 30,
  digestSeconds: 120,
  apiUrl: 'http://localhost:3000',
  temporalUiUrl: 'http://localhost:8233',
  namespace: 'default',
};
