import type { Knex } from 'knex';

/** The latest close on or before `asOf` for every security. */
export async function latestPrices(db: Knex, asOf: string): Promise<Record<string, string>> {
  const rows: { symbol: string; close: string }[] = await db
    .select('p.symbol', 'p.close')
    .from('prices as p')
    .join(
      db('prices').where('date', '<=', asOf).groupBy('symbol').select('symbol').max('date as d').as('m'),
      function () {
        this.on('p.symbol', '=', 'm.symbol').andOn('p.date', '=', 'm.d');
      },
    );
  return Object.fromEntries(rows.map((r) => [r.symbol, r.close]));
}
