/**
 * From the book to the outbox: each function reads the facts of one kind of message from PostgreSQL,
 * composes it (./messages.ts, ./render.ts) and writes it once (./outbox.ts `enqueue`). Called by the
 * activities that know the moment (docs/notifications.md has the table of who hears what, when);
 * `db` may be the activity's own transaction, so the message commits with the fact it reports.
 */
import type { Knex } from 'knex';
import { oneProposal } from '../api/proposals';
import type { Principal } from '../api/tokens';
import { dec, qtyStr } from '../domain/money';
import { DEFAULT_NOTIFY_SETTINGS, type NotifySettings } from './kinds';
import * as msg from './messages';
import { type OutboxMessage, enqueue } from './outbox';
import { type ProposalView, render } from './render';

/** What composing needs: who hears what and the links, and the sender (set: e-mail is on). */
export interface NotifyContext {
  settings: NotifySettings;
  mailFrom?: string;
}

export const defaultNotifyContext: NotifyContext = { settings: DEFAULT_NOTIFY_SETTINGS };

/** Reads every proposal (the notifications see what ops see). */
const SYSTEM: Principal = { kind: 'ops', tokenId: 'system', advisorId: null, label: 'notifications' };

async function proposalView(db: Knex, proposalId: string): Promise<ProposalView> {
  const p = await oneProposal(db, SYSTEM, proposalId);
  if (!p) throw new Error(`proposal ${proposalId} not found`);
  return p;
}

function put(db: Knex, ctx: NotifyContext, m: OutboxMessage): Promise<number[]> {
  return enqueue(db, ctx, m);
}

/** A manual account's proposal awaits its advisor; and the reminder, due before the cut-off. */
export async function proposalAwaitsAdvisor(
  db: Knex,
  ctx: NotifyContext,
  input: { proposalId: string; advisorId: string; deadline: string },
): Promise<{ now: number[]; reminder: number[] }> {
  const p = await proposalView(db, input.proposalId);
  const base = { tradeDate: p.tradeDate, accountId: p.accountId, advisorId: input.advisorId };
  const now = await put(db, ctx, {
    ...base,
    kind: 'ADVISOR_APPROVAL_NEEDED',
    key: `notify:${input.proposalId}`,
    payload: { proposalId: input.proposalId, deadline: input.deadline },
    email: render(msg.approvalNeeded(ctx.settings, p)),
  });
  const remindAt = Date.parse(input.deadline) - ctx.settings.reminderMinutes * 60_000;
  // A reminder only makes sense with some time left between the first message and the reminder.
  const reminder =
    remindAt > Date.now() + 60_000
      ? await put(db, ctx, {
          ...base,
          kind: 'ADVISOR_APPROVAL_REMINDER',
          key: `remind:${input.proposalId}`,
          payload: { proposalId: input.proposalId, deadline: input.deadline },
          email: render(msg.approvalReminder(ctx.settings, p)),
          notBefore: new Date(remindAt).toISOString(),
        })
      : [];
  return { now, reminder };
}

/** An auto account's flagged proposal awaits a trader. */
export async function proposalAwaitsTrader(
  db: Knex,
  ctx: NotifyContext,
  input: { proposalId: string; flags: string[]; deadline: string },
): Promise<number[]> {
  const p = await proposalView(db, input.proposalId);
  return put(db, ctx, {
    kind: 'TRADER_REVIEW_NEEDED',
    key: `review:${input.proposalId}`,
    tradeDate: p.tradeDate,
    accountId: p.accountId,
    payload: { proposalId: input.proposalId, flags: input.flags, deadline: input.deadline },
    email: render(msg.traderReview(ctx.settings, p, input.flags)),
  });
}

/** The proposal expired at the cut-off (its advisor is told; a pending reminder is cancelled). */
export async function proposalExpired(db: Knex, ctx: NotifyContext, proposalId: string): Promise<number[]> {
  const p: { account_id: string; trade_date: string; expires_at: Date; name: string; advisor_id: string } =
    await db('proposals as p')
      .join('accounts as a', 'a.id', 'p.account_id')
      .where('p.id', proposalId)
      .first('p.account_id', 'p.trade_date', 'p.expires_at', 'a.name', 'a.advisor_id');
  const f = {
    proposalId,
    accountId: p.account_id,
    accountName: p.name,
    tradeDate: p.trade_date,
    cutoff: new Date(p.expires_at).toISOString(),
  };
  return put(db, ctx, {
    kind: 'ADVISOR_PROPOSAL_EXPIRED',
    key: `expired:${proposalId}`,
    tradeDate: f.tradeDate,
    accountId: f.accountId,
    advisorId: p.advisor_id,
    payload: { proposalId, cutoff: f.cutoff },
    email: render(msg.proposalExpired(ctx.settings, f)),
  });
}

/** A decided proposal's reminder is not sent. */
export async function cancelReminder(db: Knex, proposalId: string): Promise<void> {
  await db('notifications')
    .where({ kind: 'ADVISOR_APPROVAL_REMINDER', status: 'PENDING' })
    .where((q) =>
      q
        .where('idempotency_key', `remind:${proposalId}`)
        .orWhere('idempotency_key', 'like', `remind:${proposalId}:%`),
    )
    .update({ status: 'CANCELLED' });
}

/**
 * After booking: the approved proposal's legs that did not fill in full, with what is carried and
 * why (the orders' `reject_reason`), to the account's advisor. Nothing when every leg filled.
 */
export async function carriedLegs(db: Knex, ctx: NotifyContext, proposalId: string): Promise<number[]> {
  const p: { account_id: string; trade_date: string; name: string; advisor_id: string } = await db(
    'proposals as p',
  )
    .join('accounts as a', 'a.id', 'p.account_id')
    .where('p.id', proposalId)
    .first('p.account_id', 'p.trade_date', 'a.name', 'a.advisor_id');
  const legs: { leg_no: number; symbol: string; side: 'BUY' | 'SELL'; qty: string }[] = await db(
    'proposal_legs',
  )
    .where({ proposal_id: proposalId })
    .orderBy('leg_no');
  const orders: {
    leg_no: number;
    filled_qty: string;
    avg_price: string | null;
    reject_reason: string | null;
  }[] = await db('orders').where({
    proposal_id: proposalId,
    account_id: p.account_id,
    trade_date: p.trade_date,
  });
  const byLeg = new Map(orders.map((o) => [o.leg_no, o]));
  const rows: msg.CarriedLeg[] = legs.map((l) => {
    const o = byLeg.get(l.leg_no);
    const filled = dec(o?.filled_qty ?? '0');
    return {
      legNo: l.leg_no,
      symbol: l.symbol,
      side: l.side,
      qty: l.qty,
      filledQty: qtyStr(filled),
      carriedQty: qtyStr(dec(l.qty).minus(filled)),
      avgPrice: o?.avg_price ?? null,
      reason: o
        ? (o.reject_reason ?? (filled.gte(dec(l.qty)) ? 'FILLED' : 'BLOCK_NOT_FILLED'))
        : 'NOT_RELEASED',
    };
  });
  if (rows.every((r) => dec(r.carriedQty).lte(0))) return [];
  const traded = rows.some((r) => dec(r.filledQty).gt(0));
  return put(db, ctx, {
    kind: 'ADVISOR_NOT_FILLED',
    key: `carried:${proposalId}`,
    tradeDate: p.trade_date,
    accountId: p.account_id,
    advisorId: p.advisor_id,
    payload: {
      proposalId,
      traded,
      carried: rows
        .filter((r) => dec(r.carriedQty).gt(0))
        .map((r) => ({ symbol: r.symbol, side: r.side, qty: r.carriedQty, reason: r.reason })),
    },
    email: render(
      msg.notFilled(ctx.settings, {
        proposalId,
        accountId: p.account_id,
        accountName: p.name,
        tradeDate: p.trade_date,
        traded,
        legs: rows,
      }),
    ),
  });
}

/** Next morning's confirm breaks of one account: to its advisor and to ops. */
export async function confirmBreaks(
  db: Knex,
  ctx: NotifyContext,
  input: { tradeDate: string; accountId: string },
): Promise<number[]> {
  const rows: { client_order_id: string; custodian_order_id: string; result: string; diffs: unknown }[] =
    await db('confirm_matches')
      .where({ trade_date: input.tradeDate, account_id: input.accountId })
      .whereIn('result', ['MISMATCHED', 'UNMATCHED_OURS', 'UNMATCHED_THEIRS', 'CANCELED_AT_CUSTODIAN'])
      .orderBy('id');
  if (rows.length === 0) return [];
  const a: { name: string; advisor_id: string } = await db('accounts')
    .where({ id: input.accountId })
    .first('name', 'advisor_id');
  const breaks: msg.ConfirmBreakRow[] = rows.map((r) => ({
    clientOrderId: r.client_order_id || null,
    custodianOrderId: r.custodian_order_id || null,
    result: r.result,
    diffs: Array.isArray(r.diffs) ? r.diffs.join('; ') : '',
  }));
  const payload = { tradeDate: input.tradeDate, breaks };
  const common = { tradeDate: input.tradeDate, accountId: input.accountId, payload };
  const f = { ...input, accountName: a.name, rows: breaks };
  return [
    ...(await put(db, ctx, {
      ...common,
      kind: 'ADVISOR_CONFIRM_BREAK',
      key: `confirm-break:${input.tradeDate}:${input.accountId}`,
      advisorId: a.advisor_id,
      email: render(msg.confirmBreakForAdvisor(ctx.settings, f)),
    })),
    ...(await put(db, ctx, {
      ...common,
      kind: 'OPS_CONFIRM_BREAKS',
      key: `ops-confirm-break:${input.tradeDate}:${input.accountId}`,
      email: render(msg.confirmBreakForOps(ctx.settings, f)),
    })),
  ];
}

/** A block that ended the window short (not filled in full, cancelled at the close): to trading. */
export async function blockShort(db: Knex, ctx: NotifyContext, blockId: string): Promise<number[]> {
  const b: {
    id: string;
    trade_date: string;
    symbol: string;
    side: string;
    requested_qty: string;
    filled_qty: string | null;
    avg_price: string | null;
  } = await db('blocks').where({ id: blockId }).first();
  const filled = dec(b.filled_qty ?? '0');
  if (filled.gte(dec(b.requested_qty))) return [];
  const orders: {
    client_order_id: string;
    status: string;
    filled_qty: string;
    reject_reason: string | null;
  }[] = await db('block_orders').where({ block_id: blockId }).orderBy('attempt');
  const lines: { status: string; n: string }[] = await db('allocations')
    .where({ block_id: blockId })
    .groupBy('status')
    .select('status', db.raw('count(*) as n'));
  const count = (s: string) => Number(lines.find((l) => l.status === s)?.n ?? 0);
  const carried: { n: string } = await db('orders as o')
    .join('allocations as a', 'a.client_order_id', 'o.client_order_id')
    .where('a.block_id', blockId)
    .whereNotNull('o.reject_reason')
    .first(db.raw('count(*) as n'));
  const f = {
    tradeDate: b.trade_date,
    blockId,
    symbol: b.symbol,
    side: b.side,
    requestedQty: b.requested_qty,
    filledQty: qtyStr(filled),
    avgPrice: b.avg_price,
    carriedAccounts: Number(carried?.n ?? 0),
    refused: count('REFUSED'),
    orders: orders.map((o) => ({
      clientOrderId: o.client_order_id,
      status: o.status,
      filledQty: o.filled_qty,
      reason: o.reject_reason,
    })),
  };
  return put(db, ctx, {
    kind: 'TRADING_BLOCKS_NOT_FILLED',
    key: `block-short:${blockId}`,
    tradeDate: b.trade_date,
    payload: { ...f, orders: f.orders.length },
    email: render(msg.blockNotFilled(ctx.settings, f)),
  });
}

/** An account's step failed for good (it waits in Failed for ops). */
export async function accountFailed(
  db: Knex,
  ctx: NotifyContext,
  input: { tradeDate: string; accountId: string; step: string; error: string; failure: string },
): Promise<number[]> {
  return put(db, ctx, {
    kind: 'OPS_ACCOUNT_FAILED',
    key: `failed:${input.tradeDate}:${input.accountId}:${input.failure}`,
    tradeDate: input.tradeDate,
    accountId: input.accountId,
    payload: { step: input.step, error: input.error },
    email: render(msg.accountFailed(ctx.settings, input)),
  });
}

/** The day completed: its summary to ops. */
export async function daySummary(db: Knex, ctx: NotifyContext, f: msg.DaySummaryFacts): Promise<number[]> {
  return put(db, ctx, {
    kind: 'OPS_DAY_SUMMARY',
    key: `day-summary:${f.tradeDate}`,
    tradeDate: f.tradeDate,
    payload: { ...f },
    email: render(msg.daySummary(ctx.settings, f)),
  });
}
