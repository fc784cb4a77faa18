import type { Knex } from 'knex';

// State of the simulated custodian, in its own schema so it survives restarts and never
// mixes with the book. A real custodian replaces all of this.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE SCHEMA IF NOT EXISTS sim');
  await knex.schema.withSchema('sim').createTable('accounts', (t) => {
    t.text('account_number').primary();
    t.decimal('cash', 18, 2).notNullable();
  });
  await knex.schema.withSchema('sim').createTable('securities', (t) => {
    t.text('symbol').primary();
    t.text('cusip').notNullable();
    t.text('description').notNullable();
    t.boolean('fractionable').notNullable().defaultTo(true);
  });
  await knex.schema.withSchema('sim').createTable('prices', (t) => {
    t.text('symbol').notNullable();
    t.date('date').notNullable();
    t.decimal('close', 18, 6).notNullable();
    t.primary(['symbol', 'date']);
  });
  await knex.schema.withSchema('sim').createTable('positions', (t) => {
    t.text('account_number').notNullable();
    t.text('symbol').notNullable();
    t.decimal('qty', 24, 5).notNullable();
    t.primary(['account_number', 'symbol']);
  });
  await knex.schema.withSchema('sim').createTable('lots', (t) => {
    t.text('lot_id').primary();
    t.text('account_number').notNullable();
    t.text('symbol').notNullable();
    t.date('open_date').notNullable();
    t.decimal('qty', 24, 5).notNullable();
    t.decimal('unit_cost', 18, 6).notNullable();
  });
  await knex.schema.withSchema('sim').createTable('cash_activity', (t) => {
    t.text('id').primary();
    t.text('account_number').notNullable();
    t.date('process_date').notNullable();
    t.decimal('amount_in', 18, 2).notNullable(); // + = into the account (the file writes Apex's opposite sign)
    t.text('description').notNullable();
  });
  await knex.schema.withSchema('sim').createTable('orders', (t) => {
    t.text('order_id').primary();
    t.text('client_order_id').notNullable().unique();
    t.text('account_number').notNullable();
    t.text('symbol').notNullable();
    t.text('side').notNullable();
    t.decimal('quantity', 24, 5).notNullable();
    t.date('order_date').notNullable();
    t.text('order_status').notNullable();
    t.text('planned_outcome').notNullable(); // FILL | PARTIAL | REJECT
    t.decimal('filled_quantity', 24, 5).notNullable().defaultTo('0');
    t.text('average_price');
    t.text('order_rejected_reason');
    t.timestamp('create_time', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_update_time', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.withSchema('sim').createTable('executions', (t) => {
    t.text('execution_id').primary();
    t.text('order_id').notNullable();
    t.decimal('quantity', 24, 5).notNullable();
    t.decimal('price', 18, 6).notNullable();
    t.timestamp('executed_time', { useTz: true }).notNullable();
    t.date('trade_date').notNullable();
  });
  await knex.schema.withSchema('sim').createTable('faults', (t) => {
    t.text('key').primary();
    t.jsonb('value').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP SCHEMA IF EXISTS sim CASCADE');
}
