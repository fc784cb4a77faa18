/**
 * ACH withdrawals at the simulated custodian, as Ascend names them (the official SDK's
 * `achTransfers.createAchWithdrawal` / `getAchWithdrawal`, components AchWithdrawalCreate and
 * AchWithdrawal). The cash leaves the account at once (`sim.accounts.cash`, so buying power drops
 * the same day) and the movement is reported the next morning: a cash activity row of the trading
 * day after the business date (./business-day.ts), kind ACH, description `ACH WITHDRAWAL`, whose
 * EXT869 line carries the withdrawal id in TradeNumber so the book can match it to its request.
 *
 * Idempotent on (account, client_transfer_id): the same request again is answered with the
 * withdrawal already made (`duplicate`); another amount under the same id is refused.
 * Not simulated: full disbursements, retirement distributions, bank relationships (any
 * well-formed name of the account's own is accepted), cancels, returns.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { dec } from '../../domain/money';
import { storableText } from '../../domain/text';
import { nextReportDate } from './business-day';
import { postCash } from './cash-activity';
import { SimError } from './errors';

/** components.AchWithdrawalCreate as the SDK serialises it (snake_case; the amount in dollars). */
export const AchWithdrawalCreateBody = z
  .object({
    amount: z
      .object({
        value: z
          .string()
          .regex(/^\d{1,13}(\.\d{1,2})?$/, 'must be a positive amount in dollars, at most 2 decimals')
          .refine((v) => dec(v).gt(0), 'must be greater than zero'),
      })
      .passthrough()
      .optional(),
    bank_relationship: z
      .string()
      .regex(
        /^accounts\/[^/]+\/bankRelationships\/[^/]+$/,
        'must be a bank relationship name, accounts/{account_id}/bankRelationships/{bank_relationship_id}',
      ),
    client_transfer_id: storableText({ min: 1, max: 40 }),
    memo: storableText({ max: 200 }).optional(),
    full_disbursement: z.boolean().optional(),
    retirement_distribution: z.unknown().optional(),
  })
  .passthrough()
  .superRefine((b, ctx) => {
    if (b.amount === undefined)
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'is required: the amount to withdraw' });
    if (b.full_disbursement === true)
      ctx.addIssue({
        code: 'custom',
        path: ['full_disbursement'],
        message: 'full disbursements are not simulated: give the amount',
      });
    if (b.retirement_distribution !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['retirement_distribution'],
        message: 'retirement distributions are not simulated',
      });
  });
export type AchWithdrawalCreate = z.infer<typeof AchWithdrawalCreateBody>;

export interface WithdrawalRow {
  withdrawal_id: string;
  account_number: string;
  client_transfer_id: string;
  amount: string;
  bank_relationship: string;
  memo: string | null;
  process_date: string;
  cash_activity_id: string;
  create_time: Date;
}

/** The description of a withdrawal's EXT869 line. */
export const WITHDRAWAL_DESCRIPTION = 'ACH WITHDRAWAL';

/** The withdrawal's id at the custodian: stable for (account, client transfer id). */
function withdrawalIdFor(account: string, clientTransferId: string): string {
  const h = createHash('sha256').update(`${account}\n${clientTransferId}`).digest('hex');
  return `ACHW-${h.slice(0, 16).toUpperCase()}`;
}

function issuesText(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}

/** A withdrawal as components.AchWithdrawal (AchWithdrawal$inboundSchema) reads it. */
export function ascendWithdrawal(w: WithdrawalRow, businessDate: string): Record<string, unknown> {
  const created = new Date(w.create_time).toISOString();
  return {
    name: `accounts/${w.account_number}/achWithdrawals/${w.withdrawal_id}`,
    amount: { value: dec(w.amount).toFixed(2) },
    bank_relationship: w.bank_relationship,
    client_transfer_id: w.client_transfer_id,
    ...(w.memo !== null ? { memo: w.memo } : {}),
    // Posted to the ledger at once; completed once the morning that reports it has come.
    state: {
      state: businessDate >= w.process_date ? 'COMPLETED' : 'POSTED',
      update_time: created,
      actor: 'sim',
    },
    // Ascend's field; SDK 1.8.5's model does not have it and drops it.
    create_time: created,
  };
}

export class SimWithdrawals {
  constructor(
    private readonly db: Knex,
    private readonly clock: () => Date,
  ) {}

  /**
   * Creates the withdrawal, or answers the one already made with this client transfer id
   * (`duplicate`). Refused: an unknown account (404), a body the simulator cannot play or a
   * bank relationship of another account (400 INVALID_ARGUMENT), another amount under the same
   * client transfer id (400 INVALID_ARGUMENT), trade-date cash below the amount (400
   * INSUFFICIENT_FUNDS, a FAILED_PRECONDITION).
   */
  async create(account: string, body: unknown): Promise<{ withdrawal: WithdrawalRow; duplicate: boolean }> {
    const parsed = AchWithdrawalCreateBody.safeParse(body);
    if (!parsed.success) throw new SimError(400, 'INVALID_ARGUMENT', issuesText(parsed.error));
    const b = parsed.data;
    const owner = b.bank_relationship.split('/')[1];
    if (owner !== account)
      throw new SimError(
        400,
        'INVALID_ARGUMENT',
        `bank_relationship: ${b.bank_relationship} belongs to account ${owner}, not ${account}`,
      );
    const amount = dec(b.amount?.value ?? '0');
    const now = this.clock();
    const processDate = await nextReportDate(this.db, now);
    return this.db.transaction(async (trx) => {
      const acct = await trx('sim.accounts').where({ account_number: account }).forUpdate().first();
      if (!acct) throw new SimError(404, 'NOT_FOUND', `account ${account} does not exist`);
      const existing: WithdrawalRow | undefined = await trx('sim.ach_withdrawals')
        .where({ account_number: account, client_transfer_id: b.client_transfer_id })
        .first();
      if (existing) {
        if (!dec(existing.amount).eq(amount))
          throw new SimError(
            400,
            'INVALID_ARGUMENT',
            `client_transfer_id: ${b.client_transfer_id} was already used by withdrawal ${existing.withdrawal_id} of ${dec(existing.amount).toFixed(2)}, not ${amount.toFixed(2)}`,
          );
        return { withdrawal: existing, duplicate: true };
      }
      if (dec(acct.cash).lt(amount))
        throw new SimError(
          400,
          'INSUFFICIENT_FUNDS',
          `account ${account} holds ${dec(acct.cash).toFixed(2)} in cash, cannot withdraw ${amount.toFixed(2)}`,
        );
      const withdrawalId = withdrawalIdFor(account, b.client_transfer_id);
      await postCash(trx, {
        id: withdrawalId,
        accountNumber: account,
        processDate,
        amountIn: amount.neg(),
        kind: 'ACH',
        description: WITHDRAWAL_DESCRIPTION,
        tradeNumber: withdrawalId,
      });
      const [row] = await trx('sim.ach_withdrawals')
        .insert({
          withdrawal_id: withdrawalId,
          account_number: account,
          client_transfer_id: b.client_transfer_id,
          amount: amount.toFixed(2),
          bank_relationship: b.bank_relationship,
          memo: b.memo ?? null,
          process_date: processDate,
          cash_activity_id: withdrawalId,
          create_time: now,
        })
        .returning('*');
      return { withdrawal: row as WithdrawalRow, duplicate: false };
    });
  }

  async get(account: string, withdrawalId: string): Promise<WithdrawalRow> {
    const row: WithdrawalRow | undefined = await this.db('sim.ach_withdrawals')
      .where({ account_number: account, withdrawal_id: withdrawalId })
      .first();
    if (!row)
      throw new SimError(404, 'NOT_FOUND', `ACH withdrawal ${withdrawalId} not found for account ${account}`);
    return row;
  }
}
