import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { ROOT_DIR } from '../config';

// NUMERIC and DATE columns come back as strings: money never becomes a JS number, and a
// calendar date never shifts through a time zone.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => v);
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

export const MIGRATIONS_DIR = path.join(ROOT_DIR, 'migrations');

export function createKnex(url: string, pool: { min?: number; max?: number } = {}): Knex {
  return knexFactory({
    client: 'pg',
    connection: url,
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
    migrations: { directory: MIGRATIONS_DIR, loadExtensions: ['.ts'], tableName: 'knex_migrations' },
  });
}

export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest()) as [number, string[]];
  return applied;
}
