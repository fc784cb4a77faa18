import type { Knex } from 'knex';

/**
 * The latest close on or before `asOf` for every security: one backward step on the primary key
 * (symbol, date) per security, not a scan of the whole price history (every proposal asks).
 */
export async function latestPrices(db: Knex, asOf: string): Promise<Record<string, string>> {
  const rows: { symbol: string; close: string }[] = await db('securities as s')
    .joinRaw(
      'CROSS JOIN LATERAL (SELECT p.close FROM prices p WHERE p.symbol = s.symbol AND p.date <= ? ORDER BY p.date DESC LIMIT 1) AS p',
      [asOf],
    )
    .select('s.symbol', 'p.close');
  return Object.fromEntries(rows.map((r) => [r.symbol, r.close]));
}
