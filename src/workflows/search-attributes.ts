import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * Custom search attributes that ops filter on in the Temporal UI, e.g.
 * `WorkflowType="AccountDay" AND Stage="AwaitingApproval" AND TradeDate="2026-11-24"`.
 * Registered on the dev server at start (--search-attribute) and on other clusters through
 * the operator service (see src/infra/temporal.ts).
 */
export const SA = {
  AccountId: defineSearchAttributeKey('AccountId', 'KEYWORD'),
  AdvisorId: defineSearchAttributeKey('AdvisorId', 'KEYWORD'),
  TradeDate: defineSearchAttributeKey('TradeDate', 'KEYWORD'),
  Stage: defineSearchAttributeKey('Stage', 'KEYWORD'),
  Mode: defineSearchAttributeKey('Mode', 'KEYWORD'),
  BreakCount: defineSearchAttributeKey('BreakCount', 'INT'),
} as const;

export const SEARCH_ATTRIBUTE_KEYS = Object.values(SA);
