import type { Knex } from 'knex';

// The simulated custodian's full morning file set (EXT869, EXT981, EXT_TAXLOT, EXT235):
// - sim.corporate_actions: mandatory corporate actions reported in EXT235 on their process date
//   (seeded empty; tests and the ops tools add them with POST /sim/v1/corporate-actions);
// - sim.cash_activity.kind / symbol: what a cash movement is (ACH, WIRE, DIVIDEND, INTEREST, FEE),
//   which sets its EXT869 batch code, and the security a dividend is paid on;
// - sim.lots.acquisition_method / covered: how a lot opened outside the order flow was acquired.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE SCHEMA IF NOT EXISTS sim');
  await knex.schema.withSchema('sim').createTable('corporate_actions', (t) => {
    t.increments('id').primary();
    t.date('process_date').notNullable();
    t.text('action').notNullable(); // SPLIT | REVERSE_SPLIT | CASH_MERGER | STOCK_MERGER | SYMBOL_CHANGE | CUSIP_CHANGE
    t.text('symbol').notNullable();
    t.text('symbol_old');
    t.text('cusip').notNullable();
    t.text('cusip_old');
    t.decimal('stock_factor', 28, 10); // new shares per old share
    t.decimal('cash_factor', 18, 6); // cash per old share
    t.date('record_date');
    t.date('payable_date');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['process_date']);
  });
  await knex.schema.withSchema('sim').alterTable('cash_activity', (t) => {
    t.text('kind').notNullable().defaultTo('ACH');
    t.text('symbol');
  });
  await knex.schema.withSchema('sim').alterTable('lots', (t) => {
    t.text('acquisition_method').notNullable().defaultTo('BUY');
    t.boolean('covered').notNullable().defaultTo(true);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sim').alterTable('lots', (t) => {
    t.dropColumn('acquisition_method');
    t.dropColumn('covered');
  });
  await knex.schema.withSchema('sim').alterTable('cash_activity', (t) => {
    t.dropColumn('kind');
    t.dropColumn('symbol');
  });
  await knex.schema.withSchema('sim').dropTableIfExists('corporate_actions');
}
