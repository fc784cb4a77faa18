/**
 * Whose accounts a day report covers: ops and traders see every account; an advisor only their own
 * (and then no firm-wide block rows, which carry other accounts' quantities).
 */
import type { Knex } from 'knex';

export interface ReportScope {
  /** undefined: every account (ops, trading). */
  advisorId?: string;
}

/** Restricts a query on a table with an `account_id` column to the scope. */
export function inScope(db: Knex, scope: ReportScope, column = 'account_id') {
  return (q: Knex.QueryBuilder) =>
    scope.advisorId
      ? q.whereIn(column, db('accounts').where({ advisor_id: scope.advisorId }).select('id'))
      : q;
}
