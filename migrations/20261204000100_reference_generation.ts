import type { Knex } from 'knex';

/**
 * `reference_generation`: one counter that every write to the book's reference data moves on (a
 * statement trigger on each table below). A worker keeps what it read of those tables for as long
 * as the counter has not moved (src/book/reference-cache.ts), so an account's reconcile and
 * proposal read one number instead of the same securities, prices, model versions and morning files
 * again.
 * An ingestion, a re-ingested file, a new security or a published model version moves it: the next
 * activity reads the tables afresh.
 */
export const REFERENCE_TABLES = [
  'securities',
  'prices',
  'security_successions',
  'custodian_files',
  'custodian_corporate_actions',
  'custodian_securities',
  'model_versions',
  'model_targets',
];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE IF NOT EXISTS reference_generation (
      id int PRIMARY KEY CHECK (id = 1),
      generation bigint NOT NULL
    )`);
  await knex.raw(
    'INSERT INTO reference_generation (id, generation) VALUES (1, 0) ON CONFLICT (id) DO NOTHING',
  );
  await knex.raw(`
    CREATE OR REPLACE FUNCTION bump_reference_generation() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE reference_generation SET generation = generation + 1 WHERE id = 1;
      RETURN NULL;
    END $$`);
  await addReferenceTriggers(knex, REFERENCE_TABLES);
}

/** Makes every write to `tables` move the counter (also used by later migrations that add a table). */
export async function addReferenceTriggers(knex: Knex, tables: readonly string[]): Promise<void> {
  for (const t of tables) {
    await knex.raw(`DROP TRIGGER IF EXISTS ${t}_reference_generation ON ${t}`);
    await knex.raw(
      `CREATE TRIGGER ${t}_reference_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${t}
         FOR EACH STATEMENT EXECUTE FUNCTION bump_reference_generation()`,
    );
  }
}

export async function dropReferenceTriggers(knex: Knex, tables: readonly string[]): Promise<void> {
  for (const t of tables) await knex.raw(`DROP TRIGGER IF EXISTS ${t}_reference_generation ON ${t}`);
}

export async function down(knex: Knex): Promise<void> {
  await dropReferenceTriggers(knex, REFERENCE_TABLES);
  await knex.raw('DROP FUNCTION IF EXISTS bump_reference_generation()');
  await knex.raw('DROP TABLE IF EXISTS reference_generation');
}
