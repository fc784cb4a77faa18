/**
 * The book's own withdrawals (requested by ops or the advisor through the API or the CLI, or
 * imported): once the account's cash covers one (the proposal raised it, the window sold for it),
 * it is sent to the custodian as an ACH withdrawal, idempotent by its id (the custodian's
 * client_transfer_id), and becomes SENT; the morning the custodian reports it (EXT869, its transfer
 * id on the line) it is PAID (./cash.ts). Cash that is SENT and not yet PAID is not the account's
 * to invest.
 */
import { log } from '@temporalio/activity';
import type { Knex } from 'knex';
import { type CustodianPort, isCustodianRefusal } from '../../custodian/port';
import { Dec, ZERO, cashStr, dec } from '../../domain/money';
import { writeAudit } from '../audit';

/** What sending a withdrawal needs of the custodian port. */
export type WithdrawalPort = Pick<CustodianPort, 'requestWithdrawal'>;

export interface WithdrawalSent {
  flowId: string;
  amount: string;
  transferId?: string;
  /** Why it was not sent (waiting for cash, or the custodian's refusal). */
  notSent?: string;
}

/**
 * Sends the account's PENDING withdrawals due by the trade date, oldest first, while its cash
 * (less what is SENT and not yet paid) covers them. A refusal by the custodian leaves the request
 * PENDING with the reason in the audit log; a transient failure throws (the activity retries).
 */
export async function sendWithdrawals(
  db: Knex,
  custodian: WithdrawalPort,
  input: { tradeDate: string; accountId: string; accountNumber: string },
): Promise<WithdrawalSent[]> {
  const flows: {
    id: string;
    amount: string;
    status: string;
    transfer_id: string | null;
    effective_date: string;
  }[] = await db('cash_flows')
    .where({ account_id: input.accountId, type: 'WITHDRAWAL' })
    .whereIn('status', ['PENDING', 'SENT'])
    .orderBy([{ column: 'effective_date' }, { column: 'id' }]);
  const pending = flows.filter((f) => f.status === 'PENDING' && f.effective_date <= input.tradeDate);
  if (pending.length === 0) return [];
  const cash = dec(
    (await db('cash_balances').where({ account_id: input.accountId }).first('amount'))?.amount ?? '0',
  );
  let free: Dec = flows.filter((f) => f.status === 'SENT').reduce((c, f) => c.plus(dec(f.amount)), cash);
  const out: WithdrawalSent[] = [];
  for (const f of pending) {
    const amount = dec(f.amount).abs() as Dec;
    if (free.lt(amount)) {
      out.push({
        flowId: f.id,
        amount: cashStr(amount),
        notSent: `waiting for cash: ${cashStr(Dec.max(free, ZERO))} free of ${cashStr(amount)}`,
      });
      continue;
    }
    try {
      const w = await custodian.requestWithdrawal({
        accountNumber: input.accountNumber,
        clientTransferId: f.id,
        amount: cashStr(amount),
        memo: `withdrawal ${f.id}`,
      });
      await db.transaction(async (trx) => {
        await trx('cash_flows')
          .where({ id: f.id, status: 'PENDING' })
          .update({ status: 'SENT', transfer_id: w.withdrawalId });
        await writeAudit(trx, {
          actor: 'sync',
          action: 'WITHDRAWAL_SENT',
          entity: 'account',
          entityId: input.accountId,
          details: {
            flowId: f.id,
            amount: cashStr(amount),
            transferId: w.withdrawalId,
            duplicate: w.duplicate,
          },
          idempotencyKey: `withdrawal-sent:${f.id}`,
        });
      });
      free = free.minus(amount) as Dec;
      out.push({ flowId: f.id, amount: cashStr(amount), transferId: w.withdrawalId });
    } catch (e) {
      if (!isCustodianRefusal(e)) throw e;
      log.warn('withdrawal refused by the custodian', { flowId: f.id, reason: e.message });
      await writeAudit(db, {
        actor: 'sync',
        action: 'WITHDRAWAL_REFUSED',
        entity: 'account',
        entityId: input.accountId,
        details: { flowId: f.id, amount: cashStr(amount), reason: e.message, tradeDate: input.tradeDate },
        idempotencyKey: `withdrawal-refused:${f.id}:${input.tradeDate}`,
      });
      out.push({ flowId: f.id, amount: cashStr(amount), notSent: e.message });
    }
  }
  return out;
}
