/** The simulated custodian's holdings: an account's position in a security and its cash. */
import type { Knex } from 'knex';
import { type Dec, cashStr, qtyStr } from '../../domain/money';

/**
 * Adds `signedQty` to an account's position and pays (or receives) the trade's amount at `price`,
 * rounded to the cent on its own as every trade's cash is (./executions.ts `cashIn`, the book's
 * booking). One statement: the position row and the account row are locked only from it to the
 * commit, so the average-price account, which every allocation moves, is held as briefly as it can.
 */
export async function moveHolding(
  trx: Knex.Transaction,
  accountNumber: string,
  symbol: string,
  signedQty: Dec,
  price: Dec,
): Promise<void> {
  await trx.raw(
    `WITH moved AS (
       INSERT INTO sim.positions (account_number, symbol, qty) VALUES (?, ?, ?::numeric)
       ON CONFLICT (account_number, symbol) DO UPDATE SET qty = sim.positions.qty + EXCLUDED.qty
       RETURNING 1
     )
     UPDATE sim.accounts SET cash = cash - ?::numeric
     WHERE account_number = ? AND EXISTS (SELECT 1 FROM moved)`,
    [accountNumber, symbol, qtyStr(signedQty), cashStr(signedQty.times(price)), accountNumber],
  );
}
