import type { Knex } from 'knex';

/**
 * Onboarding from the custodian (issue #13 item 5): an account number in the morning files that
 * the book does not know is adopted as PENDING_SETUP from those files, audited with the file and
 * line of every position, lot and balance it took.
 * - custodian_positions, custodian_lots, custodian_balances.line_no: the file line a row came from;
 * - custodian_positions.rep_code: the registered rep code (EXT871), which finds the advisor;
 * - sim.accounts.rep_code: the simulated custodian's rep code of an account (its files write it;
 *   null: R01, as before).
 */
export async function up(knex: Knex): Promise<void> {
  for (const table of ['custodian_positions', 'custodian_lots', 'custodian_balances']) {
    await knex.schema.alterTable(table, (t) => {
      t.integer('line_no');
    });
  }
  await knex.schema.alterTable('custodian_positions', (t) => {
    t.text('rep_code');
  });
  await knex.schema.withSchema('sim').alterTable('accounts', (t) => {
    t.text('rep_code');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sim').alterTable('accounts', (t) => {
    t.dropColumn('rep_code');
  });
  await knex.schema.alterTable('custodian_positions', (t) => {
    t.dropColumn('rep_code');
  });
  for (const table of ['custodian_positions', 'custodian_lots', 'custodian_balances']) {
    await knex.schema.alterTable(table, (t) => {
      t.dropColumn('line_no');
    });
  }
}
