/**
 * The links a message carries: the advisor page at one proposal, the day report, and the Temporal
 * UI filtered to one account's day or to the day itself (query syntax: docs/runbook.md).
 */
import type { NotifySettings } from './kinds';

type Where = Pick<NotifySettings, 'apiUrl' | 'temporalUiUrl' | 'namespace'>;

/** The advisor page, opened at the proposal (the page scrolls to it and marks it). */
export function advisorPageLink(s: Where, proposalId: string): string {
  return `${s.apiUrl}/#proposal=${encodeURIComponent(proposalId)}`;
}

export function dayReportLink(s: Where, tradeDate: string, accountId?: string): string {
  return `${s.apiUrl}/report?date=${tradeDate}${accountId ? `#account-${encodeURIComponent(accountId)}` : ''}`;
}

function temporalQuery(s: Where, query: string): string {
  return `${s.temporalUiUrl}/namespaces/${encodeURIComponent(s.namespace)}/workflows?query=${encodeURIComponent(query)}`;
}

/** The Temporal UI's list filtered to the account's day. */
export function temporalAccountLink(s: Where, tradeDate: string, accountId: string): string {
  return temporalQuery(
    s,
    `WorkflowType="AccountDay" AND AccountId="${accountId}" AND TradeDate="${tradeDate}"`,
  );
}

/** The Temporal UI's list filtered to the accounts of the day in one stage. */
export function temporalStageLink(s: Where, tradeDate: string, stage: string): string {
  return temporalQuery(s, `WorkflowType="AccountDay" AND TradeDate="${tradeDate}" AND Stage="${stage}"`);
}

export function temporalDayLink(s: Where, tradeDate: string): string {
  return temporalQuery(s, `WorkflowId="trading-day/${tradeDate}"`);
}

export function temporalBlocksLink(s: Where, tradeDate: string): string {
  return temporalQuery(s, `WorkflowType="BlockOrder" AND TradeDate="${tradeDate}"`);
}
