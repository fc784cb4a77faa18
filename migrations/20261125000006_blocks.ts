import type { Knex } from 'knex';

/**
 * Block orders (docs/domain.md §8.2): one block per (trade date, symbol, side) with its pre-trade
 * allocation statement (`allocations`, one line per account), the street-side orders sent for it
 * from the average-price account (`block_orders`, one per attempt), and the fills allocated back.
 * Also the indexes the 1,000-account profile asked for.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('blocks', (t) => {
    t.text('id').primary(); // B{yyyymmdd}-{symbol}-{side}
    t.date('trade_date').notNullable();
    t.text('symbol').notNullable();
    t.text('side').notNullable(); // BUY | SELL
    t.decimal('requested_qty', 24, 5).notNullable();
    t.decimal('filled_qty', 24, 5).notNullable().defaultTo('0');
    t.decimal('avg_price', 18, 6);
    t.text('status').notNullable(); // STATEMENT | WORKING | DONE | ALLOCATED
    t.integer('accounts').notNullable();
    t.text('note');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['trade_date', 'symbol', 'side']);
  });
  await knex.schema.createTable('block_orders', (t) => {
    t.text('client_order_id').primary(); // B{yyyymmdd}-{symbol}-{side}-A{attempt}, <= 40 chars
    t.text('block_id').notNullable().references('blocks.id');
    t.integer('attempt').notNullable();
    t.decimal('qty', 24, 5).notNullable();
    t.text('custodian_order_id');
    t.text('status').notNullable();
    t.decimal('filled_qty', 24, 5).notNullable().defaultTo('0');
    t.decimal('avg_price', 18, 6);
    t.text('reject_reason');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['block_id', 'attempt']);
  });
  await knex.schema.createTable('block_executions', (t) => {
    t.text('execution_id').primary(); // each execution applied once
    t.text('client_order_id').notNullable().references('block_orders.client_order_id');
    t.decimal('qty', 24, 5).notNullable();
    t.decimal('price', 18, 6).notNullable();
    t.timestamp('executed_at', { useTz: true }).notNullable();
  });
  // The allocation statement line and, once the block is done, what was allocated (qty, price).
  await knex.schema.alterTable('allocations', (t) => {
    t.text('proposal_id').references('proposals.id');
    t.integer('leg_no');
    t.decimal('requested_qty', 24, 5).notNullable().defaultTo('0');
    t.text('client_order_id'); // the account's order row for this allocation
    t.text('custodian_allocation_id');
    t.decimal('price', 18, 6).nullable().alter();
    t.index(['proposal_id']);
  });
  await knex.schema.alterTable('allocations', (t) => {
    t.foreign('block_id').references('blocks.id');
  });
  await knex.raw('CREATE INDEX IF NOT EXISTS accounts_household_id_idx ON accounts (household_id)');
  await knex.raw(
    'CREATE INDEX IF NOT EXISTS custodian_trades_trade_date_account_idx ON custodian_trades (trade_date, account_number)',
  );
  await knex.raw('CREATE INDEX IF NOT EXISTS sim_executions_order_id_idx ON sim.executions (order_id)');
  // The average-price account: block orders are executed there, then allocated (no buying-power
  // or position checks; its position is flat again once a block is allocated).
  await knex.schema.withSchema('sim').alterTable('accounts', (t) => {
    t.boolean('average_price_account').notNullable().defaultTo(false);
  });
  // A security the custodian will not trade today (orders rejected SYMBOL_NOT_TRADEABLE).
  await knex.schema.withSchema('sim').alterTable('securities', (t) => {
    t.boolean('tradeable').notNullable().defaultTo(true);
  });
  await knex.schema.withSchema('sim').createTable('halts', (t) => {
    t.text('symbol').primary(); // '*' = market-wide (MWCB level 3)
    t.text('reason').notNullable(); // LULD | MWCB1 | MWCB2 | MWCB3
    t.timestamp('until', { useTz: true }); // null: until lifted
  });
  await knex.schema.withSchema('sim').createTable('allocations', (t) => {
    t.text('allocation_id').primary();
    t.text('client_order_id').notNullable().unique();
    t.text('from_account').notNullable();
    t.text('to_account').notNullable();
    t.text('symbol').notNullable();
    t.text('side').notNullable();
    t.decimal('quantity', 24, 5).notNullable();
    t.decimal('price', 18, 6).notNullable();
    t.text('order_id').notNullable(); // the client account's booked trade (sim.orders)
    t.timestamp('create_time', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sim').dropTableIfExists('allocations');
  await knex.schema.withSchema('sim').dropTableIfExists('halts');
  await knex.schema.withSchema('sim').alterTable('securities', (t) => {
    t.dropColumn('tradeable');
  });
  await knex.schema.withSchema('sim').alterTable('accounts', (t) => {
    t.dropColumn('average_price_account');
  });
  await knex.raw('DROP INDEX IF EXISTS sim.sim_executions_order_id_idx');
  await knex.raw('DROP INDEX IF EXISTS custodian_trades_trade_date_account_idx');
  await knex.raw('DROP INDEX IF EXISTS accounts_household_id_idx');
  await knex.schema.alterTable('allocations', (t) => {
    t.dropForeign(['block_id']);
  });
  await knex('allocations').del();
  await knex.schema.alterTable('allocations', (t) => {
    t.dropIndex(['proposal_id']);
    t.dropColumn('proposal_id');
    t.dropColumn('leg_no');
    t.dropColumn('requested_qty');
    t.dropColumn('client_order_id');
    t.dropColumn('custodian_allocation_id');
  });
  await knex.raw('ALTER TABLE allocations ALTER COLUMN price SET NOT NULL');
  await knex.schema.dropTableIfExists('block_executions');
  await knex.schema.dropTableIfExists('block_orders');
  await knex.schema.dropTableIfExists('blocks');
}
