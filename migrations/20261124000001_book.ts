import type { Knex } from 'knex';

// The book: who owns what, what we intend to trade, what happened. Money is NUMERIC,
// quantities NUMERIC(24,5) (Apex precision), dates DATE, instants TIMESTAMPTZ.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('advisors', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.text('email').notNullable();
  });
  await knex.schema.createTable('households', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
  });
  await knex.schema.createTable('models', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.integer('current_version').notNullable();
    t.text('band_rule').notNullable().defaultTo('FIVE_TWENTY_FIVE'); // ABS | REL | FIVE_TWENTY_FIVE
    t.decimal('band_abs_pp', 9, 4).notNullable().defaultTo('5');
    t.decimal('band_rel_pct', 9, 4).notNullable().defaultTo('25');
    t.decimal('cash_target_pct', 9, 4).notNullable().defaultTo('2');
    t.jsonb('config').notNullable().defaultTo('{}');
  });
  await knex.schema.createTable('model_targets', (t) => {
    t.text('model_id').notNullable().references('models.id');
    t.integer('version').notNullable();
    t.text('symbol').notNullable();
    t.decimal('weight', 12, 8).notNullable();
    t.primary(['model_id', 'version', 'symbol']);
  });
  await knex.schema.createTable('securities', (t) => {
    t.text('symbol').primary();
    t.text('cusip').notNullable().unique();
    t.text('cusip_old');
    t.text('description').notNullable();
    t.text('type').notNullable().defaultTo('ETF');
    t.text('asset_class').notNullable();
    t.boolean('fractionable').notNullable().defaultTo(true);
    t.jsonb('tlh_alternates').notNullable().defaultTo('[]');
  });
  await knex.schema.createTable('prices', (t) => {
    t.text('symbol').notNullable().references('securities.symbol');
    t.date('date').notNullable();
    t.decimal('close', 18, 6).notNullable();
    t.primary(['symbol', 'date']);
  });
  await knex.schema.createTable('accounts', (t) => {
    t.text('id').primary();
    t.text('custodian_account_number').notNullable().unique();
    t.text('name').notNullable();
    t.text('advisor_id').notNullable().references('advisors.id');
    t.text('household_id').notNullable().references('households.id');
    t.text('mode').notNullable(); // AUTO | MANUAL
    t.text('tax_status').notNullable(); // TAXABLE | IRA | ROTH
    t.text('model_id').notNullable().references('models.id');
    t.integer('last_traded_model_version');
    t.text('lot_method').notNullable().defaultTo('MIN_TAX');
    t.decimal('drift_threshold_pp', 9, 4); // per-account override of the model's band
    t.decimal('min_trade_usd', 18, 2).notNullable().defaultTo('50');
    t.jsonb('overrides').notNullable().defaultTo('{}');
    t.text('status').notNullable().defaultTo('ACTIVE');
  });
  await knex.schema.createTable('restrictions', (t) => {
    t.increments('id');
    t.text('account_id').notNullable().references('accounts.id');
    t.text('symbol').notNullable();
    t.text('kind').notNullable(); // NO_BUY | NO_SELL | NO_TRADE
    t.text('reason').notNullable();
    t.date('until');
  });
  await knex.schema.createTable('positions', (t) => {
    t.text('account_id').notNullable().references('accounts.id');
    t.text('symbol').notNullable().references('securities.symbol');
    t.decimal('qty', 24, 5).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['account_id', 'symbol']);
  });
  await knex.schema.createTable('tax_lots', (t) => {
    t.text('id').primary();
    t.text('account_id').notNullable().references('accounts.id');
    t.text('symbol').notNullable().references('securities.symbol');
    t.date('open_date').notNullable();
    t.decimal('qty', 24, 5).notNullable(); // remaining open quantity
    t.decimal('unit_cost', 18, 6).notNullable();
    t.text('source').notNullable().defaultTo('BUY');
    t.index(['account_id', 'symbol']);
  });
  await knex.schema.createTable('cash_balances', (t) => {
    t.text('account_id').primary().references('accounts.id');
    t.decimal('amount', 18, 2).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('cash_flows', (t) => {
    t.text('id').primary();
    t.text('account_id').notNullable().references('accounts.id');
    t.text('type').notNullable(); // DEPOSIT | WITHDRAWAL | DIVIDEND | FEE | INTEREST
    t.decimal('amount', 18, 2).notNullable(); // + = into the account
    t.date('effective_date').notNullable();
    t.text('status').notNullable().defaultTo('POSTED'); // PENDING | POSTED | RETURNED
    t.text('custodian_ref');
  });
  await knex.schema.createTable('custodian_files', (t) => {
    t.increments('id');
    t.date('process_date').notNullable();
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.text('checksum').notNullable();
    t.integer('row_count').notNullable();
    t.text('status').notNullable(); // INGESTED | REJECTED
    t.jsonb('errors').notNullable().defaultTo('[]');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['code', 'process_date', 'checksum']);
  });
  await knex.schema.createTable('custodian_positions', (t) => {
    t.date('process_date').notNullable();
    t.text('account_number').notNullable();
    t.text('symbol').notNullable();
    t.text('cusip').notNullable();
    t.decimal('trade_qty', 24, 5).notNullable();
    t.decimal('settle_qty', 24, 5).notNullable();
    t.decimal('closing_price', 18, 6).notNullable();
    t.primary(['process_date', 'account_number', 'cusip']);
  });
  await knex.schema.createTable('custodian_trades', (t) => {
    t.increments('id');
    t.date('process_date').notNullable();
    t.text('account_number').notNullable();
    t.text('buy_sell_code').notNullable();
    t.date('trade_date').notNullable();
    t.text('order_id').notNullable();
    t.text('client_order_id');
    t.text('exec_time_hhmm').notNullable();
    t.text('cusip').notNullable();
    t.text('symbol').notNullable();
    t.decimal('qty', 24, 5).notNullable();
    t.decimal('price', 18, 6).notNullable();
    t.date('settle_date').notNullable();
    t.decimal('principal', 18, 2).notNullable();
    t.decimal('net_amount', 18, 2).notNullable();
    t.unique(['process_date', 'account_number', 'order_id', 'trade_date']);
  });
  await knex.schema.createTable('proposals', (t) => {
    t.text('id').primary(); // P{yyyymmdd}-{accountId}
    t.text('account_id').notNullable().references('accounts.id');
    t.date('trade_date').notNullable();
    t.integer('version').notNullable().defaultTo(1);
    t.text('status').notNullable(); // PENDING_APPROVAL | APPROVED | REJECTED | EXPIRED | RELEASED | EXECUTED | PARTIALLY_EXECUTED | FAILED
    t.text('model_id').notNullable();
    t.integer('model_version').notNullable();
    t.jsonb('reasons').notNullable();
    t.jsonb('plan').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.unique(['account_id', 'trade_date']);
  });
  await knex.schema.createTable('proposal_legs', (t) => {
    t.text('proposal_id').notNullable().references('proposals.id');
    t.integer('leg_no').notNullable();
    t.text('symbol').notNullable();
    t.text('side').notNullable(); // BUY | SELL
    t.decimal('qty', 24, 5).notNullable();
    t.decimal('est_price', 18, 6).notNullable();
    t.decimal('est_notional', 18, 2).notNullable();
    t.jsonb('reasons').notNullable();
    t.jsonb('lots').notNullable().defaultTo('[]');
    t.primary(['proposal_id', 'leg_no']);
  });
  await knex.schema.createTable('approvals', (t) => {
    t.increments('id');
    t.text('proposal_id').notNullable().references('proposals.id');
    t.text('decision').notNullable(); // APPROVE | REJECT | EXPIRE
    t.text('actor').notNullable();
    t.text('via').notNullable(); // auto | update | signal | api | timer
    t.text('note');
    t.timestamp('decided_at', { useTz: true }).notNullable();
    t.unique(['proposal_id']); // one decision per proposal version: duplicates are harmless no-ops
  });
  await knex.schema.createTable('orders', (t) => {
    t.text('client_order_id').primary(); // YYYYMMDD-P{acct}-L{leg}-A{attempt}, <= 40 chars
    t.text('proposal_id').notNullable().references('proposals.id');
    t.integer('leg_no').notNullable();
    t.integer('attempt').notNullable();
    t.text('account_id').notNullable().references('accounts.id');
    t.date('trade_date').notNullable();
    t.text('symbol').notNullable();
    t.text('side').notNullable();
    t.decimal('qty', 24, 5).notNullable();
    t.text('custodian_order_id');
    t.text('status').notNullable();
    t.decimal('filled_qty', 24, 5).notNullable().defaultTo('0');
    t.decimal('avg_price', 18, 6);
    t.text('reject_reason');
    t.boolean('booked').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['trade_date', 'account_id']);
  });
  await knex.schema.createTable('executions', (t) => {
    t.text('execution_id').primary(); // idempotency key: each execution applied once
    t.text('client_order_id').notNullable().references('orders.client_order_id');
    t.decimal('qty', 24, 5).notNullable();
    t.decimal('price', 18, 6).notNullable();
    t.timestamp('executed_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('allocations', (t) => {
    t.increments('id');
    t.text('block_id').notNullable();
    t.text('account_id').notNullable().references('accounts.id');
    t.decimal('qty', 24, 5).notNullable();
    t.decimal('price', 18, 6).notNullable();
    t.text('status').notNullable();
    t.unique(['block_id', 'account_id']);
  });
  await knex.schema.createTable('confirm_matches', (t) => {
    t.increments('id');
    t.date('trade_date').notNullable();
    t.text('account_id').notNullable();
    t.text('client_order_id');
    t.text('custodian_order_id');
    t.text('result').notNullable(); // MATCHED | MATCHED_WITHIN_TOLERANCE | MISMATCHED | UNMATCHED_OURS | UNMATCHED_THEIRS
    t.jsonb('diffs').notNullable().defaultTo('[]');
    t.timestamp('matched_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['trade_date', 'account_id', 'client_order_id', 'custodian_order_id']);
  });
  await knex.schema.createTable('breaks', (t) => {
    t.increments('id');
    t.date('trade_date').notNullable();
    t.text('type').notNullable(); // POSITION | CASH | TRADE | COST_BASIS | SECURITY_MASTER
    t.text('account_id').notNullable();
    t.text('symbol');
    t.text('ours');
    t.text('theirs');
    t.text('diff');
    t.decimal('materiality_usd', 18, 2);
    t.text('status').notNullable().defaultTo('OPEN'); // OPEN | RESOLVED_AUTO | RESOLVED_MANUAL
    t.timestamp('opened_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('resolved_at', { useTz: true });
    t.text('resolved_by');
    t.text('note');
    t.unique(['trade_date', 'type', 'account_id', 'symbol']);
  });
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.text('entity').notNullable();
    t.text('entity_id').notNullable();
    t.text('idempotency_key').unique();
    t.jsonb('details').notNullable().defaultTo('{}');
  });
  // Append-only: the audit log refuses UPDATE and DELETE.
  await knex.raw(`
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log');
  await knex.raw('DROP FUNCTION IF EXISTS audit_log_append_only()');
  for (const table of [
    'audit_log',
    'breaks',
    'confirm_matches',
    'allocations',
    'executions',
    'orders',
    'approvals',
    'proposal_legs',
    'proposals',
    'custodian_trades',
    'custodian_positions',
    'custodian_files',
    'cash_flows',
    'cash_balances',
    'tax_lots',
    'positions',
    'restrictions',
    'accounts',
    'prices',
    'securities',
    'model_targets',
    'models',
    'households',
    'advisors',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
