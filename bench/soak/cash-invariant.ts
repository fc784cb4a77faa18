/**
 * noNegativeCash: no account's cash below zero at the end of the day, in the book or at the
 * custodian, except where money left the account that the book did not send and could not yet
 * know of (the soak's UNEXPECTED_WITHDRAWAL and FEE, ./events.ts: the custodian moves the cash at
 * once and reports it the next morning, after the book may have invested that cash):
 *
 *   outsideDebits        at the custodian, cash below zero only because of debits its morning
 *                        files have not reported yet (money out without a book withdrawal's id):
 *                        without them the cash is not negative
 *   debitsAwaitingCover  a debit the book posted this morning (book and custodian below zero)
 *                        while today's proposal raises the cash (CASH_OUT) and did not trade in
 *                        full (the advisor rejected or let it expire, a sell partly filled)
 *
 * Anything else below zero is a violation: the book bought into a debit, or left a debit it knew
 * of with no proposal to raise it (src/domain/engine/triggers.ts, CASH_OUT on a debit balance).
 */
import type { Knex } from 'knex';
import { cashStr, dec } from '../../src/domain/money';
import { check, rows } from './check';

interface Negative {
  side: 'book' | 'custodian';
  account: string;
  cash: string;
  /** Debits at the custodian not reported to the book yet (negative, or '0'). */
  unreported: string;
  proposal: string | null;
  proposalStatus: string | null;
  raises: boolean;
}

export async function noNegativeCash(db: Knex, tradeDate: string) {
  const negatives = await rows<Negative>(
    db,
    `WITH neg AS (
       SELECT 'book' AS side, c.account_id, c.amount AS cash, '0'::numeric AS unreported
         FROM cash_balances c WHERE c.amount < 0
       UNION ALL
       SELECT 'custodian', a.id, s.cash,
              coalesce((SELECT sum(x.amount_in) FROM sim.cash_activity x
                         WHERE x.account_number = s.account_number AND x.process_date > ?::date
                           AND x.amount_in < 0 AND x.trade_number IS NULL), 0)
         FROM sim.accounts s JOIN accounts a ON a.custodian_account_number = s.account_number
        WHERE s.cash < 0)
     SELECT n.side, n.account_id AS account, n.cash::text AS cash, n.unreported::text AS unreported,
            p.id AS proposal, p.status AS "proposalStatus",
            EXISTS (SELECT 1 FROM jsonb_array_elements(p.reasons) r WHERE r->>'code' = 'CASH_OUT') AS raises
       FROM neg n LEFT JOIN proposals p ON p.account_id = n.account_id AND p.trade_date = ?::date
      ORDER BY 1, 2`,
    [tradeDate, tradeDate],
  );
  const bad: unknown[] = [];
  const outsideDebits: unknown[] = [];
  const debitsAwaitingCover: unknown[] = [];
  for (const n of negatives) {
    const row = { side: n.side, account: n.account, cash: cashStr(dec(n.cash)) };
    if (n.side === 'custodian' && dec(n.cash).minus(dec(n.unreported)).gte(0))
      outsideDebits.push({ ...row, unreportedDebits: cashStr(dec(n.unreported)) });
    else if (n.raises && n.proposalStatus !== 'EXECUTED')
      debitsAwaitingCover.push({ ...row, proposal: n.proposal, status: n.proposalStatus });
    else bad.push({ ...row, proposal: n.proposal, status: n.proposalStatus, raisesCash: n.raises });
  }
  const [min] = await rows<{ book: string | null; custodian: string | null }>(
    db,
    `SELECT (SELECT min(amount)::text FROM cash_balances) AS book,
            (SELECT min(cash)::text FROM sim.accounts
              WHERE account_number IN (SELECT custodian_account_number FROM accounts)) AS custodian`,
  );
  return check('noNegativeCash', bad, { lowestCash: min, outsideDebits, debitsAwaitingCover });
}
