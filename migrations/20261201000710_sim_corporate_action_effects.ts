import type { Knex } from 'knex';

// The simulated custodian applies the corporate actions it reports (docs/custodian-simulator.md):
// - sim.corporate_actions.applied_at: when the action was applied to positions, lots, cash and
//   prices (at the first build of its process date's file set; null: not yet), with the simulator
//   symbols it applied to (applied_from: the holding it changed, null when the simulator does not
//   know the security; applied_to: what the holding is after it, null for a cash merger) and
//   whether that security trades in whole shares only, so a replay needs nothing renamed since;
// - sim.corporate_action_effects: what an applied action did to each account's holding of each
//   symbol (quantity before and after, cash paid and its cash activity line), so the "as of a date"
//   computations can undo later actions exactly.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sim').alterTable('corporate_actions', (t) => {
    t.timestamp('applied_at', { useTz: true });
    t.text('applied_from');
    t.text('applied_to');
    t.boolean('whole_shares');
  });
  await knex.schema.withSchema('sim').createTable('corporate_action_effects', (t) => {
    t.integer('action_id').notNullable().references('id').inTable('sim.corporate_actions');
    t.text('account_number').notNullable();
    t.text('symbol').notNullable(); // the symbol the quantities are under
    t.decimal('qty_before', 24, 5).notNullable();
    t.decimal('qty_after', 24, 5).notNullable();
    t.decimal('cash_in', 18, 2).notNullable().defaultTo('0'); // + = paid into the account
    t.text('cash_activity_id'); // its EXT869 line (sim.cash_activity.id)
    t.primary(['action_id', 'account_number', 'symbol']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sim').dropTableIfExists('corporate_action_effects');
  await knex.schema.withSchema('sim').alterTable('corporate_actions', (t) => {
    t.dropColumn('applied_at');
    t.dropColumn('applied_from');
    t.dropColumn('applied_to');
    t.dropColumn('whole_shares');
  });
}
