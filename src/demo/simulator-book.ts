/**
 * Demo and test use only: the simulated custodian is given the book's state (securities, prices,
 * accounts with their cash, positions and tax lots under the same lot ids), so the book and the
 * custodian agree before the first day, as they do for a firm whose book was loaded from its
 * custodian's records. The product's import writes the book only; a real custodian has its own.
 */
import type { Knex } from 'knex';

export interface MirrorOptions {
  /** The custodian's average-price account for block orders. */
  averagePriceAccount: string;
  /** Only these accounts (default: every account of the book). Theirs are replaced. */
  accountIds?: readonly string[];
  /** A deliberate difference: the custodian holds `extraQty` more of `symbol` in the account. */
  adjust?: { accountId: string; symbol: string; extraQty: string };
}

export async function mirrorBookToSimulator(db: Knex, opts: MirrorOptions): Promise<{ accounts: number }> {
  await db.raw(
    `INSERT INTO sim.securities (symbol, cusip, description, fractionable)
     SELECT symbol, cusip, description, fractionable FROM securities ON CONFLICT (symbol) DO NOTHING`,
  );
  await db.raw(
    'INSERT INTO sim.prices (symbol, date, close) SELECT symbol, date, close FROM prices ON CONFLICT DO NOTHING',
  );
  await db('sim.accounts')
    .insert({ account_number: opts.averagePriceAccount, cash: '0.00', average_price_account: true })
    .onConflict('account_number')
    .ignore();
  const ids = opts.accountIds ? [...opts.accountIds] : null;
  const only = (col: string) => (ids ? db.raw(`AND ${col} = ANY(?)`, [ids]) : db.raw(''));
  const numbers = db.raw(
    `SELECT custodian_account_number FROM accounts a WHERE TRUE ${only('a.id').toQuery()}`,
  );
  await db.raw(`DELETE FROM sim.positions WHERE account_number IN (${numbers.toQuery()})`);
  await db.raw(`DELETE FROM sim.lots WHERE account_number IN (${numbers.toQuery()})`);
  await db.raw(
    `DELETE FROM sim.accounts WHERE account_number IN (${numbers.toQuery()}) AND NOT average_price_account`,
  );
  const n = await db.raw(
    `INSERT INTO sim.accounts (account_number, cash)
     SELECT a.custodian_account_number, coalesce(c.amount, 0) FROM accounts a
     LEFT JOIN cash_balances c ON c.account_id = a.id WHERE TRUE ${only('a.id').toQuery()}`,
  );
  await db.raw(
    `INSERT INTO sim.lots (lot_id, account_number, symbol, open_date, qty, unit_cost)
     SELECT l.id, a.custodian_account_number, l.symbol, l.open_date, l.qty, l.unit_cost
     FROM tax_lots l JOIN accounts a ON a.id = l.account_id WHERE l.qty > 0 ${only('a.id').toQuery()}`,
  );
  await db.raw(
    `INSERT INTO sim.positions (account_number, symbol, qty)
     SELECT a.custodian_account_number, p.symbol,
       p.qty + CASE WHEN a.id = ? AND p.symbol = ? THEN ?::numeric ELSE 0 END
     FROM positions p JOIN accounts a ON a.id = p.account_id WHERE p.qty > 0 ${only('a.id').toQuery()}`,
    [opts.adjust?.accountId ?? '', opts.adjust?.symbol ?? '', opts.adjust?.extraQty ?? '0'],
  );
  return { accounts: n.rowCount ?? 0 };
}
