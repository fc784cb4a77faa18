/**
 * What the book says of an account whose AccountDay ended before its trading did: since
 * `batch-matches-confirms` (v8) a traded day ends `Traded` and its batch matches the confirms; since
 * `batch-books-fills` (v9) an approved day ends `Approved` and its batch books the fills and matches
 * the confirms (src/workflows/batch-booking.ts). The `Stage` search attribute of such a closed day
 * stays as it ended, so the gauges (./day-gauges.ts) and `day status` (src/cli/progress.ts) count
 * it as its proposal and confirm matching in PostgreSQL say:
 *
 * | the day ended | the book                                   | counted as                 |
 * |---------------|--------------------------------------------|----------------------------|
 * | Traded        | no confirm match yet                       | Traded                     |
 * | Traded        | confirm matches                            | Confirmed / ConfirmBreak   |
 * | Approved      | proposal APPROVED (waits for the blocks; ops can still skip it) | Approved |
 * | Approved      | proposal RELEASED (in the day's blocks; too late to skip, not booked yet) | Trading |
 * | Approved      | EXECUTED / PARTIALLY_EXECUTED, no match yet | Traded                    |
 * | Approved      | confirm matches                            | Confirmed / ConfirmBreak   |
 * | Approved      | FAILED (booked with nothing filled)        | NotTraded                  |
 * | Approved      | EXPIRED (withdrawn by a `skipAccount`)     | Skipped                    |
 *
 * RELEASED counts as `Trading` rather than `Approved` so that `Approved` stays "still skippable":
 * the same line the batch draws when it refuses a skip because the blocks took the proposal.
 * Anything else (no proposal row, a status not above) stays as the day ended.
 */
import type { Knex } from 'knex';
import type { Stage } from '../workflows/stages';

/** The stages a closed AccountDay ends in before the book has its last word. */
export const ENDED_BEFORE_BOOK = ['Traded', 'Approved'] as const;
export type EndedBeforeBook = (typeof ENDED_BEFORE_BOOK)[number];

export function endedBeforeBook(stage: string): stage is EndedBeforeBook {
  return (ENDED_BEFORE_BOOK as readonly string[]).includes(stage);
}

/** One account's row of the book: its proposal's status on the date and its confirm matching. */
export interface BookRow {
  accountId: string;
  /** The proposal's status; null when the account has no proposal on the date. */
  status: string | null;
  /** Confirm matches are recorded for the account on the date. */
  matched: boolean;
  /** One of them is not MATCHED / MATCHED_WITHIN_TOLERANCE. */
  broken: boolean;
}

const AFTER_APPROVED: Readonly<Record<string, Stage>> = {
  APPROVED: 'Approved',
  RELEASED: 'Trading',
  EXECUTED: 'Traded',
  PARTIALLY_EXECUTED: 'Traded',
  FAILED: 'NotTraded',
  EXPIRED: 'Skipped',
};

/** The stage an account whose day ended `ended` is counted in, from its book row (the table above). */
export function stageByBook(ended: EndedBeforeBook, row: Omit<BookRow, 'accountId'> | undefined): Stage {
  if (row?.matched) return row.broken ? 'ConfirmBreak' : 'Confirmed';
  if (ended === 'Traded') return 'Traded';
  return (row?.status ? AFTER_APPROVED[row.status] : undefined) ?? 'Approved';
}

/**
 * The book rows of `accountIds` on `tradeDate`, in one query (the ids as one array parameter, so
 * any number of accounts is one statement); accounts the book does not know come back without
 * a proposal.
 */
export async function bookRows(db: Knex, tradeDate: string, accountIds: string[]): Promise<BookRow[]> {
  if (accountIds.length === 0) return [];
  const { rows } = (await db.raw(
    `SELECT a.account_id, p.status, m.account_id IS NOT NULL AS matched, COALESCE(m.broken, false) AS broken
       FROM unnest(CAST(:ids AS text[])) AS a(account_id)
       LEFT JOIN proposals p ON p.account_id = a.account_id AND p.trade_date = CAST(:date AS date)
       LEFT JOIN (SELECT account_id,
                         bool_or(result NOT IN ('MATCHED', 'MATCHED_WITHIN_TOLERANCE')) AS broken
                    FROM confirm_matches
                   WHERE trade_date = CAST(:date AS date) AND account_id = ANY(CAST(:ids AS text[]))
                   GROUP BY account_id) m ON m.account_id = a.account_id`,
    { ids: accountIds, date: tradeDate },
  )) as { rows: { account_id: string; status: string | null; matched: boolean; broken: boolean }[] };
  return rows.map((r) => ({
    accountId: r.account_id,
    status: r.status,
    matched: r.matched,
    broken: r.broken,
  }));
}

/**
 * Each account's stage by the book, for accounts whose day ended before it (the others are left
 * out of the map): one query for all of them.
 */
export async function stagesByBook(
  db: Knex,
  tradeDate: string,
  ended: { accountId: string; stage: EndedBeforeBook }[],
): Promise<Map<string, Stage>> {
  const rows = new Map(
    (
      await bookRows(
        db,
        tradeDate,
        ended.map((e) => e.accountId),
      )
    ).map((r) => [r.accountId, r]),
  );
  return new Map(ended.map((e) => [e.accountId, stageByBook(e.stage, rows.get(e.accountId))]));
}
