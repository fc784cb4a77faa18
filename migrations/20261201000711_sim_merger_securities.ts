import type { Knex } from 'knex';

// A stock merger into a security the simulated custodian did not know creates it (fractionable
// like the old one, prices from the old one's ÷ the factor): sim.corporate_actions.created_security
// says the action did, so the security master as of an earlier date leaves it out.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sim').alterTable('corporate_actions', (t) => {
    t.boolean('created_security').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sim').alterTable('corporate_actions', (t) => {
    t.dropColumn('created_security');
  });
}
