import type { Knex } from 'knex';

/**
 * The book kept in sync with the custodian day after day (docs/book-sync.md):
 * - cash_flows: where a flow comes from (the book's own request, a custodian file line, ops), its
 *   source reference (`EXT869/{processDate}/{line}`: posted once), the custodian's transfer id of a
 *   withdrawal the book sent, and the withdrawal lifecycle PENDING → SENT → PAID;
 * - corporate_action_postings: which EXT235 row was applied to which account (once);
 * - realized_lots: every closed lot portion (sells, cash mergers, cash in lieu) with its gain;
 * - breaks: SETTLEMENT breaks (a trade not settled on its settlement date) that hold the sale of
 *   shares that have not arrived (NO_SELL), and how ops resolved a break (adopt the custodian's
 *   figure, or explained by a named item: the same difference does not reopen);
 * - orders: the settlement date and when the custodian showed the trade settled;
 * - securities: the ticker a security had before a symbol change, and securities' foreign keys
 *   follow a rename (ON UPDATE CASCADE);
 * - accounts.synced_through: the last morning posted to the account (a missed morning is caught up).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cash_flows', (t) => {
    t.text('source').notNullable().defaultTo('BOOK'); // BOOK | CUSTODIAN | OPS
    t.text('source_ref'); // EXT869/{processDate}/{line}, or ops:{breakId}
    t.date('posted_date'); // the morning it reached the book's cash
    t.text('transfer_id'); // the custodian's id of a withdrawal the book sent
    t.text('description');
    t.text('requested_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['account_id', 'source_ref']);
    t.index(['account_id', 'status']);
  });
  await knex.raw(`
    ALTER TABLE cash_flows
      ADD CONSTRAINT cash_flows_status_check
        CHECK (status IN ('PENDING', 'SENT', 'POSTED', 'PAID', 'RETURNED', 'CANCELLED')),
      ADD CONSTRAINT cash_flows_type_check
        CHECK (type IN ('DEPOSIT', 'WITHDRAWAL', 'DIVIDEND', 'INTEREST', 'FEE', 'ADJUSTMENT',
                        'CASH_IN_LIEU', 'MERGER_CASH', 'OTHER')),
      ADD CONSTRAINT cash_flows_source_check CHECK (source IN ('BOOK', 'CUSTODIAN', 'OPS'))
  `);
  await knex.schema.createTable('corporate_action_postings', (t) => {
    t.date('process_date').notNullable();
    t.integer('line_no').notNullable();
    t.text('account_id').notNullable().references('accounts.id');
    t.text('action').notNullable();
    t.text('symbol').notNullable();
    t.jsonb('details').notNullable().defaultTo('{}');
    t.timestamp('posted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['process_date', 'line_no', 'account_id']);
  });
  await knex.schema.createTable('realized_lots', (t) => {
    t.bigIncrements('id');
    t.text('account_id').notNullable().references('accounts.id');
    t.text('symbol').notNullable();
    t.text('lot_id').notNullable();
    t.date('open_date').notNullable();
    t.date('close_date').notNullable();
    t.decimal('qty', 24, 5).notNullable();
    t.decimal('cost', 18, 2).notNullable();
    t.decimal('proceeds', 18, 2).notNullable();
    t.decimal('gain', 18, 2).notNullable();
    t.text('term').notNullable(); // ST | LT
    t.text('source').notNullable(); // SELL | CASH_MERGER | CASH_IN_LIEU
    t.text('source_ref').notNullable(); // the client order id, or the EXT235 row
    t.unique(['source_ref', 'lot_id']);
    t.index(['account_id', 'close_date']);
  });
  await knex.raw(`
    ALTER TABLE breaks DROP CONSTRAINT breaks_type_check,
      ADD CONSTRAINT breaks_type_check CHECK (type IN ('POSITION', 'CASH', 'COST_BASIS', 'EXECUTION', 'SETTLEMENT'));
    ALTER TABLE breaks DROP CONSTRAINT breaks_category_check,
      ADD CONSTRAINT breaks_category_check CHECK (category IN
        ('TIMING', 'CORPORATE_ACTION', 'SECURITY_MASTER', 'TRADE', 'CASH', 'COST_BASIS', 'SETTLEMENT'));
    ALTER TABLE breaks DROP CONSTRAINT breaks_hold_check,
      ADD CONSTRAINT breaks_hold_check CHECK (hold IN ('ACCOUNT', 'SECURITY', 'NO_SELL', 'NONE'));
  `);
  await knex.schema.alterTable('breaks', (t) => {
    t.text('resolution'); // ADOPTED | EXPLAINED (how ops resolved it)
    t.text('explained_by'); // the named item that explains the difference
  });
  await knex.schema.alterTable('orders', (t) => {
    t.date('settle_date');
    t.date('settled_on'); // the process date whose files first showed it settled
  });
  await knex.schema.alterTable('securities', (t) => {
    t.text('symbol_old');
  });
  await knex.schema.alterTable('accounts', (t) => {
    t.date('synced_through'); // the last process date whose files were posted to the account
  });
  // What a security became (a symbol change, a stock merger): configuration that names the old
  // symbol (a published model version is immutable) is read through it.
  await knex.schema.createTable('security_successions', (t) => {
    t.text('old_symbol').primary();
    t.text('new_symbol').notNullable();
    t.text('action').notNullable(); // SYMBOL_CHANGE | STOCK_MERGER
    t.date('effective_date').notNullable();
  });
  // A symbol change renames the security: the rows that point at it follow.
  for (const table of ['positions', 'tax_lots', 'prices']) {
    await knex.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_symbol_foreign`);
    await knex.raw(
      `ALTER TABLE ${table} ADD CONSTRAINT ${table}_symbol_foreign FOREIGN KEY (symbol) REFERENCES securities (symbol) ON UPDATE CASCADE`,
    );
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['positions', 'tax_lots', 'prices']) {
    await knex.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_symbol_foreign`);
    await knex.raw(
      `ALTER TABLE ${table} ADD CONSTRAINT ${table}_symbol_foreign FOREIGN KEY (symbol) REFERENCES securities (symbol)`,
    );
  }
  await knex.schema.alterTable('securities', (t) => {
    t.dropColumn('symbol_old');
  });
  await knex.schema.dropTableIfExists('security_successions');
  await knex.schema.alterTable('accounts', (t) => {
    t.dropColumn('synced_through');
  });
  await knex.schema.alterTable('orders', (t) => {
    t.dropColumn('settle_date');
    t.dropColumn('settled_on');
  });
  await knex.raw(`
    DELETE FROM breaks WHERE type = 'SETTLEMENT';
    UPDATE breaks SET hold = 'SECURITY' WHERE hold = 'NO_SELL';
    ALTER TABLE breaks DROP CONSTRAINT breaks_type_check,
      ADD CONSTRAINT breaks_type_check CHECK (type IN ('POSITION', 'CASH', 'COST_BASIS', 'EXECUTION'));
    ALTER TABLE breaks DROP CONSTRAINT breaks_category_check,
      ADD CONSTRAINT breaks_category_check CHECK (category IN
        ('TIMING', 'CORPORATE_ACTION', 'SECURITY_MASTER', 'TRADE', 'CASH', 'COST_BASIS'));
    ALTER TABLE breaks DROP CONSTRAINT breaks_hold_check,
      ADD CONSTRAINT breaks_hold_check CHECK (hold IN ('ACCOUNT', 'SECURITY', 'NONE'));
  `);
  await knex.schema.alterTable('breaks', (t) => {
    t.dropColumn('resolution');
    t.dropColumn('explained_by');
  });
  await knex.schema.dropTableIfExists('realized_lots');
  await knex.schema.dropTableIfExists('corporate_action_postings');
  await knex.raw(`
    ALTER TABLE cash_flows
      DROP CONSTRAINT IF EXISTS cash_flows_status_check,
      DROP CONSTRAINT IF EXISTS cash_flows_type_check,
      DROP CONSTRAINT IF EXISTS cash_flows_source_check
  `);
  await knex.schema.alterTable('cash_flows', (t) => {
    t.dropUnique(['account_id', 'source_ref']);
    t.dropIndex(['account_id', 'status']);
    t.dropColumns(
      'source',
      'source_ref',
      'posted_date',
      'transfer_id',
      'description',
      'requested_by',
      'created_at',
    );
  });
}
