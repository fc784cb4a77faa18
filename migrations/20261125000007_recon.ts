import type { Knex } from 'knex';

// Reconciliation: the custodian's remaining start-of-day files (cash activity EXT869, balances
// EXT981, tax lots EXT_TAXLOT, corporate actions EXT235, security master EXT747), one row per
// file row and process date, and breaks with a category, a cause, what they hold, escalation,
// age and the docs/domain.md §5.5 lifecycle
// (OPEN → INVESTIGATING → RESOLVED_AUTO | RESOLVED_MANUAL | WRITTEN_OFF).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('custodian_cash_activity', (t) => {
    t.date('process_date').notNullable();
    t.integer('line_no').notNullable(); // the row's position in the file (rows have no id of their own)
    t.text('account_number').notNullable();
    t.text('acc_type').notNullable();
    t.decimal('amount', 18, 2).notNullable(); // Apex's sign: negative = money in
    t.decimal('amount_in', 18, 2).notNullable(); // ours: + = money in
    t.text('description').notNullable();
    t.text('currency_code').notNullable();
    t.text('batch_code').notNullable();
    t.text('cusip');
    t.date('entry_date').notNullable();
    t.text('pay_type_code').notNullable(); // C credit | D debit
    t.text('entered_by').notNullable();
    t.date('trade_date');
    t.text('trade_number').notNullable();
    t.primary(['process_date', 'line_no']);
    t.index(['process_date', 'account_number']);
  });
  await knex.schema.createTable('custodian_balances', (t) => {
    t.date('process_date').notNullable();
    t.text('account_number').notNullable();
    t.decimal('total_equity', 18, 2).notNullable();
    t.decimal('cash_equity', 18, 2).notNullable();
    t.decimal('net_balance', 18, 2).notNullable();
    t.decimal('available_to_withdraw', 18, 2).notNullable();
    t.decimal('position_market_value', 18, 2).notNullable();
    t.decimal('cash_trade_balance', 18, 2).notNullable();
    t.decimal('cash_settle_balance', 18, 2).notNullable();
    t.primary(['process_date', 'account_number']);
  });
  await knex.schema.createTable('custodian_lots', (t) => {
    t.date('process_date').notNullable();
    t.text('account_number').notNullable();
    t.text('lot_id').notNullable();
    t.text('cusip').notNullable();
    t.text('symbol').notNullable();
    t.date('open_trade_date').notNullable();
    t.date('open_settle_date');
    t.decimal('qty', 24, 5).notNullable();
    t.decimal('unit_cost', 18, 6).notNullable();
    t.decimal('total_cost', 18, 2).notNullable();
    t.decimal('adjusted_cost', 18, 2).notNullable();
    t.decimal('wash_sale_adj', 18, 2).notNullable();
    t.text('term_code').notNullable(); // S | L
    t.text('covered_flag').notNullable(); // COVERED | NONCOVERED
    t.text('acquisition_method').notNullable(); // BUY | DRIP | ACATS | CA
    t.primary(['process_date', 'account_number', 'lot_id']);
  });
  await knex.schema.createTable('custodian_corporate_actions', (t) => {
    t.date('process_date').notNullable();
    t.integer('line_no').notNullable();
    t.text('action').notNullable(); // SPLIT | REVERSE_SPLIT | CASH_MERGER | STOCK_MERGER | SYMBOL_CHANGE | CUSIP_CHANGE
    t.text('cusip').notNullable();
    t.text('cusip_old');
    t.text('symbol').notNullable();
    t.text('symbol_old');
    t.decimal('stock_factor', 24, 10);
    t.decimal('cash_factor', 18, 6);
    t.date('record_date');
    t.date('payable_date');
    t.primary(['process_date', 'line_no']);
  });
  await knex.schema.createTable('custodian_securities', (t) => {
    t.date('process_date').notNullable();
    t.text('cusip').notNullable();
    t.text('symbol').notNullable();
    t.text('security_type_code').notNullable();
    t.text('listed_market_code').notNullable();
    t.decimal('closing_price', 18, 6).notNullable();
    t.decimal('previous_price', 18, 6);
    t.text('description').notNullable();
    t.text('old_cusip');
    t.primary(['process_date', 'cusip']);
  });

  await knex.schema.alterTable('breaks', (t) => {
    t.text('key'); // the symbol, 'USD' for cash, or the lot id
    t.text('category'); // TIMING | CORPORATE_ACTION | SECURITY_MASTER | TRADE | CASH | COST_BASIS
    t.text('cause');
    t.text('hold'); // ACCOUNT | SECURITY | NONE (while unresolved)
    t.boolean('escalate').notNullable().defaultTo(false);
    t.date('first_seen_date'); // age counts from here
    t.date('last_seen_date');
    t.integer('age_days').notNullable().defaultTo(0); // trading days from first_seen_date to last_seen_date
  });
  // Breaks from before: each open one held its account.
  await knex.raw(`
    UPDATE breaks SET
      key = coalesce(symbol, ''),
      category = CASE type WHEN 'CASH' THEN 'CASH' WHEN 'COST_BASIS' THEN 'COST_BASIS'
        WHEN 'SECURITY_MASTER' THEN 'SECURITY_MASTER' ELSE 'TRADE' END,
      type = CASE WHEN type IN ('POSITION', 'CASH', 'COST_BASIS') THEN type ELSE 'POSITION' END,
      hold = 'ACCOUNT',
      first_seen_date = trade_date,
      last_seen_date = trade_date
  `);
  await knex.schema.alterTable('breaks', (t) => {
    t.text('key').notNullable().alter();
    t.text('category').notNullable().alter();
    t.text('hold').notNullable().alter();
    t.date('first_seen_date').notNullable().alter();
    t.date('last_seen_date').notNullable().alter();
    t.dropUnique(['trade_date', 'type', 'account_id', 'symbol']);
    t.unique(['trade_date', 'type', 'account_id', 'key']);
    t.index(['account_id', 'status']);
    t.index(['last_seen_date']);
  });
  await knex.raw(`
    ALTER TABLE breaks
      ADD CONSTRAINT breaks_status_check
        CHECK (status IN ('OPEN', 'INVESTIGATING', 'RESOLVED_AUTO', 'RESOLVED_MANUAL', 'WRITTEN_OFF')),
      ADD CONSTRAINT breaks_type_check CHECK (type IN ('POSITION', 'CASH', 'COST_BASIS')),
      ADD CONSTRAINT breaks_category_check
        CHECK (category IN ('TIMING', 'CORPORATE_ACTION', 'SECURITY_MASTER', 'TRADE', 'CASH', 'COST_BASIS')),
      ADD CONSTRAINT breaks_hold_check CHECK (hold IN ('ACCOUNT', 'SECURITY', 'NONE'))
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE breaks
      DROP CONSTRAINT IF EXISTS breaks_status_check,
      DROP CONSTRAINT IF EXISTS breaks_type_check,
      DROP CONSTRAINT IF EXISTS breaks_category_check,
      DROP CONSTRAINT IF EXISTS breaks_hold_check
  `);
  await knex.schema.alterTable('breaks', (t) => {
    t.dropIndex(['last_seen_date']);
    t.dropIndex(['account_id', 'status']);
    t.dropUnique(['trade_date', 'type', 'account_id', 'key']);
  });
  // The old key had one break per (date, type, account, symbol): keep the first of each.
  await knex.raw(`
    DELETE FROM breaks a USING breaks b
    WHERE a.id > b.id AND a.trade_date = b.trade_date AND a.type = b.type
      AND a.account_id = b.account_id AND a.symbol = b.symbol
  `);
  await knex.schema.alterTable('breaks', (t) => {
    t.unique(['trade_date', 'type', 'account_id', 'symbol']);
    t.dropColumns(
      'key',
      'category',
      'cause',
      'hold',
      'escalate',
      'first_seen_date',
      'last_seen_date',
      'age_days',
    );
  });
  for (const table of [
    'custodian_securities',
    'custodian_corporate_actions',
    'custodian_lots',
    'custodian_balances',
    'custodian_cash_activity',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
