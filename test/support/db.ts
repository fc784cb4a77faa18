import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import pg from 'pg';
import { createKnex, migrateLatest } from '../../src/db/knex';
import { databaseUrl } from '../../src/infra/postgres';

export interface TestDb {
  url: string;
  db: Knex;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) throw new Error('TEST_PG_ADMIN_URL is not set: run the tests with `npm test`');
  return url;
}

/** A fresh, empty database on the test server (optionally migrated). */
export async function createTestDb(opts: { migrate?: boolean } = {}): Promise<TestDb> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = databaseUrl(adminUrl(), name);
  const db = createKnex(url, { max: 8 });
  if (opts.migrate !== false) await migrateLatest(db);
  return {
    url,
    db,
    async drop() {
      await db.destroy();
      const a = new pg.Client({ connectionString: adminUrl() });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
