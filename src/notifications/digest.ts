/**
 * The reconciliation digest to ops: one message per trade date listing every account held by
 * breaks, not one per break. The first held account writes it, due a little later (`delayMs`, so the
 * morning's reconciliations can all join); each account held after that refreshes the pending
 * digest with the current list; an account held after the digest went out starts the next one.
 */
import type { Knex } from 'knex';
import { UNRESOLVED_STATUSES } from '../domain/recon';
import * as msg from './messages';
import type { NotifyContext } from './notify';
import { enqueue } from './outbox';
import { render } from './render';

/** The accounts held by unresolved whole-account breaks up to the trade date, with those breaks. */
export async function heldAccounts(db: Knex, tradeDate: string): Promise<msg.HeldAccount[]> {
  const rows: {
    account_id: string;
    type: string;
    symbol: string | null;
    diff: string | null;
    materiality_usd: string | null;
  }[] = await db('breaks')
    .where('trade_date', '<=', tradeDate)
    .whereIn('status', UNRESOLVED_STATUSES)
    .where({ hold: 'ACCOUNT' })
    .orderBy(['account_id', 'id'])
    .select('account_id', 'type', 'symbol', 'diff', 'materiality_usd');
  const out = new Map<string, msg.HeldAccount>();
  for (const r of rows) {
    const a = out.get(r.account_id) ?? { accountId: r.account_id, breaks: [] };
    a.breaks.push({ type: r.type, symbol: r.symbol, diff: r.diff, materialityUsd: r.materiality_usd });
    out.set(r.account_id, a);
  }
  return [...out.values()];
}

export async function reconDigest(db: Knex, ctx: NotifyContext, tradeDate: string): Promise<void> {
  const delayMs = ctx.settings.digestSeconds * 1000;
  await db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`recon-digest:${tradeDate}`]);
    const accounts = await heldAccounts(trx, tradeDate);
    if (accounts.length === 0) return;
    const facts = {
      tradeDate,
      accounts: accounts.map((a) => ({ accountId: a.accountId, breaks: a.breaks.length })),
    };
    const email = render(msg.reconDigest(ctx.settings, { tradeDate, accounts }));
    // A row being sent is locked: it is left alone and the next digest carries the list.
    const pending: { id: string; channel: string }[] = await trx('notifications')
      .where({ kind: 'OPS_RECON_DIGEST', trade_date: tradeDate, status: 'PENDING' })
      .forUpdate()
      .skipLocked()
      .select('id', 'channel');
    if (pending.length > 0) {
      for (const r of pending)
        await trx('notifications')
          .where({ id: r.id })
          .update({ payload: JSON.stringify(r.channel === 'EMAIL' ? { ...email, facts } : facts) });
      return;
    }
    const before = await trx('notifications')
      .where({ kind: 'OPS_RECON_DIGEST', trade_date: tradeDate })
      .countDistinct({ n: 'not_before' })
      .first();
    await enqueue(trx, ctx, {
      kind: 'OPS_RECON_DIGEST',
      key: `recon-digest:${tradeDate}:${Number(before?.n ?? 0) + 1}`,
      tradeDate,
      payload: facts,
      email,
      notBefore: new Date(Date.now() + delayMs).toISOString(),
    });
  });
}
