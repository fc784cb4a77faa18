/**
 * Ascend's ACH withdrawal routes at the simulated custodian, as the official SDK calls them:
 *
 *   POST /transfers/v1/accounts/{account_id}/achWithdrawals                  AchWithdrawalCreate → AchWithdrawal
 *   GET  /transfers/v1/accounts/{account_id}/achWithdrawals/{achWithdrawal_id}                    → AchWithdrawal
 *
 * Both dialects get Ascend's JSON (snake_case; the hand-written client speaks it too). A repeated
 * client_transfer_id answers 409 ALREADY_EXISTS: in Ascend's dialect a google.rpc Status whose
 * ResourceInfo names the existing withdrawal, in the plain one `{code, message}` with the
 * withdrawal's fields, as the allocation route answers.
 */
import type { Knex } from 'knex';
import { statusBody } from './ascend';
import { businessDate } from './business-day';
import { SimError } from './errors';
import { SimWithdrawals, ascendWithdrawal } from './withdrawals';

export interface TransferRoutes {
  /** The answer to a /transfers/v1/… route, or undefined when the request is not one. */
  handle(
    method: string,
    parts: readonly string[],
    readBody: () => Promise<unknown>,
    dialect: 'legacy' | 'ascend',
  ): Promise<{ status: number; payload: unknown } | undefined>;
}

/** True for the paths this module serves (so the server can authenticate them first). */
export function isTransferPath(parts: readonly string[]): boolean {
  return (
    parts[0] === 'transfers' &&
    parts[1] === 'v1' &&
    parts[2] === 'accounts' &&
    parts[4] === 'achWithdrawals' &&
    (parts.length === 5 || parts.length === 6)
  );
}

export function transferRoutes(ctx: { db: Knex; clock: () => Date }): TransferRoutes {
  const withdrawals = new SimWithdrawals(ctx.db, ctx.clock);
  const today = () => businessDate(ctx.db, ctx.clock());
  return {
    async handle(method, parts, readBody, dialect) {
      if (!isTransferPath(parts)) return undefined;
      const account = decodeURIComponent(parts[3] ?? '');
      if (parts.length === 5 && method === 'POST') {
        const { withdrawal, duplicate } = await withdrawals.create(account, await readBody());
        const answer = ascendWithdrawal(withdrawal, await today());
        if (!duplicate) return { status: 200, payload: answer };
        const message = `ACH withdrawal with client_transfer_id ${withdrawal.client_transfer_id} exists: ${answer.name}`;
        if (dialect === 'legacy')
          return { status: 409, payload: { code: 'ALREADY_EXISTS', message, ...answer } };
        return {
          status: 409,
          payload: statusBody(409, 'ALREADY_EXISTS', message, [
            {
              '@type': 'type.googleapis.com/google.rpc.ResourceInfo',
              resource_type: 'AchWithdrawal',
              resource_name: answer.name,
              description: `client_transfer_id ${withdrawal.client_transfer_id}`,
            },
          ]),
        };
      }
      if (parts.length === 6 && method === 'GET') {
        const w = await withdrawals.get(account, decodeURIComponent(parts[5] ?? ''));
        return { status: 200, payload: ascendWithdrawal(w, await today()) };
      }
      throw new SimError(404, 'NOT_FOUND', `${method} /${parts.join('/')} is not a route`);
    },
  };
}
