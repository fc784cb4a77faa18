import type { Knex } from 'knex';
import type { Reference } from '../book/reference-cache';

/**
 * The latest close on or before `asOf` for every security: one backward step on the primary key
 * (symbol, date) per security, not a scan of the whole price history. With `ref`, read once per
 * generation of the reference data (src/book/reference-cache.ts).
 */
export async function latestPrices(db: Knex, asOf: string, ref?: Reference): Promise<Record<string, string>> {
  if (ref) return ref.get(`prices:${asOf}`, () => latestPrices(db, asOf));
  const rows: { symbol: string; close: string }[] = await db('securities as s')
    .joinRaw(
      'CROSS JOIN LATERAL (SELECT p.close FROM prices p WHERE p.symbol = s.symbol AND p.date <= ? ORDER BY p.date DESC LIMIT 1) AS p',
      [asOf],
    )
    .select('s.symbol', 'p.close');
  return Object.fromEntries(rows.map((r) => [r.symbol, r.close]));
}
