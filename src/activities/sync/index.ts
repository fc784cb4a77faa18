/**
 * The morning sync of one account (docs/book-sync.md): the custodian is the record of settled
 * positions, cash and lots, the book the record of intent. Before the account is reconciled, what
 * the custodian's files report and the book can explain is posted to the book, in one transaction
 * with the reconciliation that follows it: corporate actions (./corporate-actions.ts), then cash
 * activity (./cash.ts), then the settlement check (./settlement.ts). What is left is a difference
 * nobody explained: a break. The book's withdrawals are sent after it (./withdrawals.ts).
 */
import type { Knex } from 'knex';
import type { Reference } from '../../book/reference-cache';
import { previousTradingDay } from '../../domain/calendar';
import { type CashPosting, postCashActivity } from './cash';
import type { SyncContext } from './context';
import { type ActionPosting, corporateActionsSince, postCorporateActions } from './corporate-actions';
import { type SettlementCheck, checkSettlement } from './settlement';

export type { SyncContext };
export { applyReferenceData } from './reference-data';
export { sendWithdrawals } from './withdrawals';

export interface SyncResult {
  actions: ActionPosting[];
  cash: CashPosting[];
  settlement: SettlementCheck;
}

/** The sync context of an account for a trade date, from its `synced_through` date. */
export async function syncContext(
  trx: Knex.Transaction | Knex,
  tradeDate: string,
  account: { id: string; custodian_account_number: string; synced_through?: string | null },
  /** The reference data (src/book/reference-cache.ts): accounts synced through the same day share the list. */
  ref?: Reference,
): Promise<SyncContext> {
  const after = account.synced_through ?? previousTradingDay(tradeDate);
  const read = (): Promise<{ process_date: string; code: string; name: string }[]> =>
    trx('custodian_files')
      .where({ status: 'INGESTED' })
      .where('process_date', '<=', tradeDate)
      .where('process_date', '>', after)
      .select('process_date', 'code', 'name');
  const files = await (ref ? ref.get(`sync-files:${tradeDate}:${after}`, read) : read());
  const since =
    account.synced_through && account.synced_through < tradeDate
      ? account.synced_through
      : previousTradingDay(tradeDate);
  return {
    tradeDate,
    since,
    account: { id: account.id, custodianNumber: account.custodian_account_number },
    fileName: (date, code) => files.find((f) => f.process_date === date && f.code === code)?.name ?? '',
    ...(ref
      ? {
          corporateActions: await ref.get(`sync-actions:${tradeDate}:${since}`, () =>
            corporateActionsSince(trx as Knex, since, tradeDate),
          ),
        }
      : {}),
  };
}

/** Posts the account's custodian-reported items since it last synced; records that it did. */
export async function syncAccount(trx: Knex.Transaction, ctx: SyncContext): Promise<SyncResult> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`sync:${ctx.account.id}`]);
  const actions = await postCorporateActions(trx, ctx);
  const cash = await postCashActivity(trx, ctx);
  const settlement = await checkSettlement(trx, ctx);
  await trx('accounts').where({ id: ctx.account.id }).update({ synced_through: ctx.tradeDate });
  return { actions, cash, settlement };
}
