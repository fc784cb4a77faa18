import type { Knex } from 'knex';

// The simulated custodian's ACH withdrawals (Ascend's AchWithdrawal) and its business date:
// - sim.ach_withdrawals: one per (account, client_transfer_id), Ascend's idempotency key; the cash
//   leaves the account at once and is reported in EXT869 of `process_date` (cash_activity_id);
// - sim.cash_activity.trade_number: what EXT869 writes in TradeNumber (a withdrawal's id, so the
//   book can match the line to its request; '' for the other kinds);
// - sim.file_sets: the process dates whose morning files have been built: the simulator only
//   moves forward, so anything new is reported after the latest of them.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sim').createTable('ach_withdrawals', (t) => {
    t.text('withdrawal_id').primary();
    t.text('account_number').notNullable();
    t.text('client_transfer_id').notNullable();
    t.decimal('amount', 18, 2).notNullable();
    t.text('bank_relationship').notNullable();
    t.text('memo');
    t.date('process_date').notNullable();
    t.text('cash_activity_id').notNullable();
    t.timestamp('create_time', { useTz: true }).notNullable();
    t.unique(['account_number', 'client_transfer_id']);
  });
  await knex.schema.withSchema('sim').alterTable('cash_activity', (t) => {
    t.text('trade_number');
  });
  await knex.schema.withSchema('sim').createTable('file_sets', (t) => {
    t.date('process_date').primary();
    t.timestamp('built_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sim').dropTableIfExists('file_sets');
  await knex.schema.withSchema('sim').alterTable('cash_activity', (t) => {
    t.dropColumn('trade_number');
  });
  await knex.schema.withSchema('sim').dropTableIfExists('ach_withdrawals');
}
