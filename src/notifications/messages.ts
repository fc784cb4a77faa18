/**
 * What each kind of message says (docs/notifications.md): what happened, to which account, what the
 * system does next, what the reader can do, and the links. Pure: facts in, parts out (./render.ts
 * turns them into the text and HTML bodies).
 */
import type { NotifySettings } from './kinds';
import {
  advisorPageLink,
  dayReportLink,
  temporalAccountLink,
  temporalBlocksLink,
  temporalDayLink,
  temporalStageLink,
} from './links';
import { type MessageParts, type ProposalView, etTime, usd } from './render';

type S = Pick<NotifySettings, 'apiUrl' | 'temporalUiUrl' | 'namespace'>;

const cli = (args: string) => `npm run cli -- ${args}`;

export function approvalNeeded(s: S, p: ProposalView): MessageParts {
  return {
    subject: `${p.accountId}: a proposal awaits your approval by ${etTime(p.deadline)}`,
    what: `The rebalancing engine proposed ${p.legs.length} trade(s) for ${p.accountId} (${p.accountName}) on ${p.tradeDate}. They go to the market only if you approve them by ${etTime(p.deadline)}.`,
    next: `If you approve before the cut-off, the trades join today's block orders in the trading window. If you do nothing, the proposal expires at the cut-off and tomorrow's run proposes afresh.`,
    youCan: [
      'Approve or reject it on the advisor page (a rejection asks for a reason).',
      `Or from the command line: ${cli(`approve --account ${p.accountId} --advisor ${p.advisorId} --date ${p.tradeDate}`)}`,
    ],
    links: [
      { label: 'Open the proposal', url: advisorPageLink(s, p.id) },
      { label: 'The account in the Temporal UI', url: temporalAccountLink(s, p.tradeDate, p.accountId) },
    ],
    proposal: p,
  };
}

export function approvalReminder(s: S, p: ProposalView): MessageParts {
  const m = approvalNeeded(s, p);
  return {
    ...m,
    subject: `Reminder: ${p.accountId}'s proposal expires at ${etTime(p.deadline)}`,
    what: `The proposal for ${p.accountId} (${p.accountName}) is still waiting for your decision; it expires at ${etTime(p.deadline)}.`,
  };
}

export function proposalExpired(
  s: S,
  f: { proposalId: string; accountId: string; accountName: string; tradeDate: string; cutoff: string },
): MessageParts {
  return {
    subject: `${f.accountId}: proposal ${f.proposalId} expired unapproved`,
    what: `Proposal ${f.proposalId} for ${f.accountId} (${f.accountName}) was not approved by the cut-off (${etTime(f.cutoff)}), so it expired. Nothing was traded for this account today.`,
    next: `Tomorrow's run scans the account again and, if it still needs trades, proposes afresh.`,
    youCan: ['Nothing is needed today. Look at tomorrow’s proposal when it arrives.'],
    links: [
      { label: 'The proposal', url: advisorPageLink(s, f.proposalId) },
      { label: 'The account in the Temporal UI', url: temporalAccountLink(s, f.tradeDate, f.accountId) },
    ],
  };
}

export interface CarriedLeg {
  legNo: number;
  symbol: string;
  side: 'BUY' | 'SELL';
  qty: string;
  filledQty: string;
  carriedQty: string;
  avgPrice: string | null;
  /** The order's `reject_reason`: BLOCK_NOT_FILLED, SCALED_TO_CASH, or the custodian's refusal. */
  reason: string;
}

/** Why a leg was carried, in the reader's words. */
export function carriedBecause(reason: string): string {
  if (reason === 'BLOCK_NOT_FILLED')
    return 'the block order was not filled in full before the window closed (a halt, or the market did not fill it)';
  if (reason === 'NOT_RELEASED')
    return 'it was approved after the day had released its block orders to the market';
  if (reason === 'SCALED_TO_CASH')
    return 'the sells brought in less cash than planned, so the buy was scaled down to the cash the account has';
  return `the custodian refused the allocation: ${reason}`;
}

export function notFilled(
  s: S,
  f: {
    proposalId: string;
    accountId: string;
    accountName: string;
    tradeDate: string;
    traded: boolean;
    legs: CarriedLeg[];
  },
): MessageParts {
  const carried = f.legs.filter((l) => l.carriedQty !== '0' && !/^0(\.0+)?$/.test(l.carriedQty));
  return {
    subject: f.traded
      ? `${f.accountId}: approved trades only partly filled, ${carried.length} leg(s) carried to tomorrow`
      : `${f.accountId}: approved trades not traded today, carried to tomorrow`,
    what: `${f.traded ? 'Part of' : 'None of'} the approved proposal ${f.proposalId} for ${f.accountId} (${f.accountName}) was filled on ${f.tradeDate}. What was not filled is carried: ${carried
      .map((l) => `${l.side} ${l.carriedQty} ${l.symbol} because ${carriedBecause(l.reason)}`)
      .join('; ')}.`,
    next: `What was filled is booked to the account${f.traded ? ' and matched against the custodian’s confirms tomorrow morning' : ''}. Tomorrow's run scans the account again and proposes what is still needed (the carried trades are not sent by themselves).`,
    youCan: [
      'Review tomorrow’s proposal for the account when it arrives.',
      'If the custodian refused an allocation, contact the trading desk: they coordinate with the custodian.',
    ],
    links: [
      { label: 'The day report for the account', url: dayReportLink(s, f.tradeDate, f.accountId) },
      { label: 'The account in the Temporal UI', url: temporalAccountLink(s, f.tradeDate, f.accountId) },
    ],
    table: {
      head: ['#', 'Side', 'Symbol', 'Approved', 'Filled', 'Carried', 'Avg. price', 'Why'],
      rows: f.legs.map((l) => [
        String(l.legNo),
        l.side,
        l.symbol,
        l.qty,
        l.filledQty,
        l.carriedQty,
        l.avgPrice ? usd(l.avgPrice) : '–',
        l.reason,
      ]),
      numeric: [0, 3, 4, 5, 6],
    },
  };
}

export interface ConfirmBreakRow {
  clientOrderId: string | null;
  custodianOrderId: string | null;
  result: string;
  diffs: string;
}

const confirmTable = (rows: ConfirmBreakRow[]) => ({
  head: ['Our order', 'Custodian order', 'Result', 'Differences'],
  rows: rows.map((r) => [r.clientOrderId ?? '–', r.custodianOrderId ?? '–', r.result, r.diffs]),
});

export function confirmBreakForAdvisor(
  s: S,
  f: { accountId: string; accountName: string; tradeDate: string; rows: ConfirmBreakRow[] },
): MessageParts {
  return {
    subject: `${f.accountId}: the custodian's confirms for ${f.tradeDate} do not match our trades`,
    what: `This morning's trade confirms from the custodian for ${f.accountId} (${f.accountName}), trade date ${f.tradeDate}, did not match what we traded (${f.rows.length} difference(s)).`,
    next: 'Zoe operations have the break and are resolving it with the custodian; the account is in ConfirmBreak until then.',
    youCan: ['Nothing is needed from you; ops will tell you if the account’s positions change.'],
    links: [
      { label: 'The day report for the account', url: dayReportLink(s, f.tradeDate, f.accountId) },
      { label: 'The account in the Temporal UI', url: temporalAccountLink(s, f.tradeDate, f.accountId) },
    ],
    table: confirmTable(f.rows),
  };
}

export function confirmBreakForOps(
  s: S,
  f: { accountId: string; tradeDate: string; rows: ConfirmBreakRow[] },
): MessageParts {
  return {
    subject: `Confirm break: ${f.accountId}, trade date ${f.tradeDate} (${f.rows.length})`,
    what: `The custodian's trade confirms for ${f.accountId}, trade date ${f.tradeDate}, did not match our fills: ${f.rows.map((r) => r.result).join(', ')}.`,
    next: 'The account ends its day in ConfirmBreak; nothing is re-sent or booked automatically.',
    youCan: [
      'Compare the custodian’s trade file (EXT872) with our orders (table confirm_matches) and correct whichever side is wrong.',
      'Tell the advisor and the custodian if the account’s positions change.',
    ],
    links: [
      { label: 'The account in the Temporal UI', url: temporalAccountLink(s, f.tradeDate, f.accountId) },
      { label: 'The day report', url: dayReportLink(s, f.tradeDate, f.accountId) },
    ],
    table: confirmTable(f.rows),
  };
}

export function traderReview(s: S, p: ProposalView, flags: string[]): MessageParts {
  return {
    subject: `Flagged trade: ${p.accountId} needs a trader's review by ${etTime(p.deadline)}`,
    what: `The automatic review held the proposal for auto account ${p.accountId} (${p.accountName}): ${flags.join('; ')}.`,
    next: 'It trades in today’s window only if a trader approves it before the cut-off; otherwise it expires and tomorrow proposes afresh.',
    youCan: [
      'Approve or reject it on the advisor page with a trader token.',
      `Or: curl -X POST ${s.apiUrl}/api/v1/proposals/${p.id}/approve -H 'authorization: Bearer <trader token>' -H 'content-type: application/json' -d '{}'`,
    ],
    links: [
      { label: 'Open the proposal', url: advisorPageLink(s, p.id) },
      {
        label: 'Accounts awaiting review in the Temporal UI',
        url: temporalStageLink(s, p.tradeDate, 'AwaitingZoeReview'),
      },
    ],
    proposal: p,
  };
}

export function blockNotFilled(
  s: S,
  f: {
    tradeDate: string;
    blockId: string;
    symbol: string;
    side: string;
    requestedQty: string;
    filledQty: string;
    avgPrice: string | null;
    carriedAccounts: number;
    refused: number;
    orders: { clientOrderId: string; status: string; filledQty: string; reason: string | null }[];
  },
): MessageParts {
  return {
    subject: `Block ${f.side} ${f.symbol} ${f.tradeDate}: ${f.filledQty} of ${f.requestedQty} filled at the close`,
    what: `The ${f.side} block for ${f.symbol} (${f.blockId}) ended the window with ${f.filledQty} of ${f.requestedQty} filled${f.avgPrice ? ` at an average ${usd(f.avgPrice)}` : ''}; what was open was cancelled at the close. ${f.carriedAccounts} account(s) did not get their whole leg${f.refused ? `; the custodian refused ${f.refused} allocation(s)` : ''}.`,
    next: 'The fill is allocated pro rata at the average price; the unfilled part is carried (each account’s order says why) and tomorrow’s run proposes afresh. The advisors of manual accounts are told what was carried.',
    youCan: [
      'Check why the block did not fill (a halt, a rejection: the orders below) and tell the custodian if it is on their side.',
      'Refused allocations stay in the average-price account: book or reverse them with the custodian.',
    ],
    links: [
      { label: 'The day’s blocks in the Temporal UI', url: temporalBlocksLink(s, f.tradeDate) },
      { label: 'The day report', url: dayReportLink(s, f.tradeDate) },
    ],
    table: {
      head: ['Order', 'Status', 'Filled', 'Reason'],
      rows: f.orders.map((o) => [o.clientOrderId, o.status, o.filledQty, o.reason ?? '–']),
      numeric: [2],
    },
  };
}

export interface HeldAccount {
  accountId: string;
  breaks: { type: string; symbol: string | null; diff: string | null; materialityUsd: string | null }[];
}

export function reconDigest(s: S, f: { tradeDate: string; accounts: HeldAccount[] }): MessageParts {
  const n = f.accounts.reduce((k, a) => k + a.breaks.length, 0);
  return {
    subject: `Reconciliation ${f.tradeDate}: ${f.accounts.length} account(s) held by ${n} break(s)`,
    what: `This morning's reconciliation holds ${f.accounts.length} account(s) out of trading: ${f.accounts.map((a) => a.accountId).join(', ')}.`,
    next: 'Each held account waits in ReconBreak until you resolve or skip it; still held at the approval cut-off, it is skipped for the day.',
    youCan: [
      'Check each break against the custodian’s files, then: npm run cli -- ops resolve --account <id> --by <you> --note "<what you checked>"',
      'Or skip the account today: npm run cli -- ops skip --account <id> --by <you> --note "<why>"',
      'List them: npm run cli -- ops breaks',
    ],
    links: [
      { label: 'Held accounts in the Temporal UI', url: temporalStageLink(s, f.tradeDate, 'ReconBreak') },
      { label: 'The day report', url: dayReportLink(s, f.tradeDate) },
    ],
    table: {
      head: ['Account', 'Type', 'Symbol', 'Difference', 'Materiality'],
      rows: f.accounts.flatMap((a) =>
        a.breaks.map((b) => [
          a.accountId,
          b.type,
          b.symbol ?? '–',
          b.diff ?? '–',
          b.materialityUsd ? usd(b.materialityUsd) : '–',
        ]),
      ),
      numeric: [4],
    },
  };
}

export function accountFailed(
  s: S,
  f: { tradeDate: string; accountId: string; step: string; error: string },
): MessageParts {
  return {
    subject: `Failed: ${f.accountId}'s day (${f.tradeDate}) stopped at "${f.step}"`,
    what: `The step "${f.step}" of ${f.accountId}'s day ${f.tradeDate} failed and will not be retried by itself: ${f.error}`,
    next: 'The account waits in Failed (nothing further happens for it today) until you retry or skip it.',
    youCan: [
      `Fix the cause, then: ${cli(`ops retry --account ${f.accountId} --by <you> --date ${f.tradeDate}`)}`,
      `Or skip the account today: ${cli(`ops skip --account ${f.accountId} --by <you> --date ${f.tradeDate} --note "<why>"`)}`,
    ],
    links: [
      { label: 'The account in the Temporal UI', url: temporalAccountLink(s, f.tradeDate, f.accountId) },
      { label: 'Every failed account', url: temporalStageLink(s, f.tradeDate, 'Failed') },
    ],
  };
}

export interface DaySummaryFacts {
  tradeDate: string;
  accounts: number;
  byStage: Record<string, number>;
  ordersFilled: number;
  confirms: Record<string, number>;
  failedAccounts: string[];
  blocks?: { blocks: number; filled: number; carried: number; refusedAllocations: number; failed: string[] };
}

export function daySummary(s: S, f: DaySummaryFacts): MessageParts {
  const b = f.blocks;
  const problems = f.failedAccounts.length + (f.byStage.ConfirmBreak ?? 0) + (b?.failed.length ?? 0);
  return {
    subject: `Day ${f.tradeDate} completed: ${f.accounts} accounts, ${f.ordersFilled} orders filled${problems ? `, ${problems} to look at` : ''}`,
    what: `The trading day ${f.tradeDate} completed for ${f.accounts} account(s): ${Object.entries(f.byStage)
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}.${b ? ` ${b.blocks} block(s), ${b.filled} with fills; ${b.carried} account leg(s) carried; ${b.refusedAllocations} allocation(s) refused.` : ''}`,
    next: 'Nothing more runs for this day; tomorrow’s day starts on the schedule.',
    youCan: [
      f.failedAccounts.length
        ? `Look at the failed accounts: ${f.failedAccounts.join(', ')}`
        : 'No account failed.',
      'Read the day report: accounts per stage, the blotter, exceptions and drift before and after.',
    ],
    links: [
      { label: 'The day report', url: dayReportLink(s, f.tradeDate) },
      { label: 'The day in the Temporal UI', url: temporalDayLink(s, f.tradeDate) },
    ],
    table: {
      head: ['Stage', 'Accounts'],
      rows: [
        ...Object.entries(f.byStage).map(([k, v]) => [k, String(v)]),
        ...Object.entries(f.confirms).map(([k, v]) => [`confirms ${k}`, String(v)]),
      ],
      numeric: [1],
    },
  };
}
