/**
 * Activities on the day's accounts: which accounts have a day today, in batches of id ranges. ACTIVE
 * accounts trade; PENDING_SETUP accounts get a day that only shows them waiting for ops
 * (Stage="PendingSetup"); CLOSED accounts get none.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { AccountBatchRange, AccountRef } from '../contracts';
import type { ActivityDeps } from './deps';

/** The account's row; a missing account is a non-retryable failure (retrying cannot create it). */
export async function accountRow(db: Knex, accountId: string) {
  const a = await db('accounts').where({ id: accountId }).first();
  if (!a) throw ApplicationFailure.nonRetryable(`account ${accountId} does not exist`, 'NotFound');
  return a;
}

/** The accounts that have a day: ACTIVE ones trade, PENDING_SETUP ones show they wait for ops. */
const DAY_STATUSES = ['ACTIVE', 'PENDING_SETUP'];

export function accountActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /**
     * Splits the day's eligible accounts into batches of at most `batchSize`, as id ranges, so
     * the day's workflow never carries the whole account list (one set-based query).
     */
    async planAccountBatches(input: {
      tradeDate: string;
      batchSize: number;
      accountIds?: string[];
    }): Promise<AccountBatchRange[]> {
      const q = db
        .from(
          db('accounts')
            .whereIn('status', DAY_STATUSES)
            .modify((b) => (input.accountIds?.length ? b.whereIn('id', input.accountIds) : b))
            .select('id', db.raw('(row_number() OVER (ORDER BY id) - 1) / ? AS batch', [input.batchSize]))
            .as('a'),
        )
        .groupBy('batch')
        .orderBy('batch')
        .select(
          'batch',
          db.raw('min(id) AS first_id'),
          db.raw('max(id) AS last_id'),
          db.raw('count(*)::int AS n'),
        );
      const rows: { batch: string; first_id: string; last_id: string; n: number }[] = await q;
      return rows.map((r) => ({ batchNo: Number(r.batch), fromId: r.first_id, toId: r.last_id, count: r.n }));
    },

    /** The eligible accounts of one batch (an id range), with what each account day needs. */
    async listEligibleAccounts(input: {
      tradeDate: string;
      fromId: string;
      toId: string;
      accountIds?: string[];
    }): Promise<AccountRef[]> {
      const q = db('accounts')
        .whereIn('status', DAY_STATUSES)
        .whereBetween('id', [input.fromId, input.toId])
        .orderBy('id')
        .select('id', 'advisor_id', 'mode', 'status');
      if (input.accountIds?.length) q.whereIn('id', input.accountIds);
      const rows: {
        id: string;
        advisor_id: string | null;
        mode: 'AUTO' | 'MANUAL' | null;
        status: 'ACTIVE' | 'PENDING_SETUP';
      }[] = await q;
      return rows.map((r) =>
        r.status === 'ACTIVE'
          ? { accountId: r.id, advisorId: r.advisor_id ?? '', mode: r.mode ?? 'MANUAL' }
          : { accountId: r.id, advisorId: r.advisor_id ?? '', mode: 'MANUAL', pendingSetup: true },
      );
    },
  };
}
