/**
 * A firm's own book on the simulated custodian (`npm start` with the embedded simulator, after
 * `book import … --apply` instead of the demo data): the simulator opens every account of the book
 * it does not hold yet, with the book's cash, positions and tax lots under the same lot ids (a real
 * custodian holds the firm's accounts already), and the simulated market gets daily closes for every
 * security of the book it has none of (the demo's series for the demo's securities, a series of its
 * own for any other: `syntheticPricesFor`). Nothing here runs against a real custodian.
 */
import type { Knex } from 'knex';
import { SECURITIES } from './book-files';
import { DEMO_SEED, syntheticPrices, syntheticPricesFor } from './seed';
import { mirrorBookToSimulator } from './simulator-book';

export interface SimulatorFirm {
  /** The book's accounts the simulator opened. */
  accounts: string[];
  /** The book's securities the simulated market got closes for. */
  securities: string[];
}

export async function openBookAtSimulator(
  db: Knex,
  opts: { averagePriceAccount: string },
): Promise<SimulatorFirm> {
  return db.transaction(async (trx) => {
    const unpriced: string[] = (
      await trx('securities as s')
        .whereNotExists(trx('sim.prices as p').whereRaw('p.symbol = s.symbol'))
        .orderBy('s.symbol')
        .select('s.symbol')
    ).map((r: { symbol: string }) => r.symbol);
    const demo = new Set<string>(SECURITIES.map((s) => s.symbol));
    for (const symbol of unpriced) {
      const series = demo.has(symbol)
        ? syntheticPrices(DEMO_SEED).filter((p) => p.symbol === symbol)
        : syntheticPricesFor(symbol);
      for (let i = 0; i < series.length; i += 1000)
        await trx('sim.prices')
          .insert(series.slice(i, i + 1000))
          .onConflict(['symbol', 'date'])
          .ignore();
    }
    const missing: string[] = (
      await trx('accounts as a')
        .whereNot('a.status', 'CLOSED')
        .whereNotExists(trx('sim.accounts as s').whereRaw('s.account_number = a.custodian_account_number'))
        .orderBy('a.id')
        .select('a.id')
    ).map((r: { id: string }) => r.id);
    if (missing.length > 0 || unpriced.length > 0)
      await mirrorBookToSimulator(trx, {
        averagePriceAccount: opts.averagePriceAccount,
        accountIds: missing,
      });
    return { accounts: missing, securities: unpriced };
  });
}
