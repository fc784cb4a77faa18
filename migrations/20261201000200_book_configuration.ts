import type { Knex } from 'knex';
import { Dec } from '../src/domain/money';

/**
 * Book configuration (issue #13): what a firm sets up without SQL, and the history of it.
 * - model_versions: every published version of a model, immutable (a trigger refuses UPDATE and
 *   DELETE, as on model_targets): its engine settings (bands, cash target, rebalance mode…) as a
 *   JSON object of EngineConfig fields, who published it, when, through what. The band and cash
 *   columns of `models` move into version 1 of each model.
 * - model_targets: a target by security (primary + alternates) or by asset class.
 * - accounts: PENDING_SETUP (adopted from the custodian's files, no model / mode / advisor yet) and
 *   CLOSED besides ACTIVE; min_trade_usd and drift_threshold_pp move into `overrides.engine`
 *   (minTradeUsd, absBand), so every per-account engine setting is in one place.
 * - restrictions: account, advisor or firm scope, with a start and an end date.
 * - securities.identical_group: securities of one group are substantially identical (wash sales).
 * - advisors.rep_code: the custodian's registered rep code (onboarding finds the advisor by it).
 * - firm_settings: firm-wide switches (e.g. whether advisors may change their accounts' settings).
 * - account_scans: which accounts the day's scan has read (a change after it applies tomorrow).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('firm_settings', (t) => {
    t.text('key').primary();
    t.jsonb('value').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('updated_by').notNullable();
  });
  await knex.schema.alterTable('advisors', (t) => {
    t.text('rep_code').unique();
  });
  await knex.schema.alterTable('securities', (t) => {
    t.text('identical_group');
  });

  await knex.schema.createTable('model_versions', (t) => {
    t.text('model_id').notNullable().references('models.id');
    t.integer('version').notNullable();
    t.jsonb('settings').notNullable().defaultTo('{}');
    t.text('note');
    t.timestamp('published_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('published_by').notNullable();
    t.text('via').notNullable(); // api | cli | import | migration
    t.primary(['model_id', 'version']);
  });
  const models: {
    id: string;
    band_rule: string;
    band_abs_pp: string;
    band_rel_pct: string;
    cash_target_pct: string;
    config: Record<string, unknown> | null;
  }[] = await knex('models').select();
  const pct = (v: string) => new Dec(v).div(100).toString();
  for (const m of models) {
    const versions: { version: number }[] = await knex('model_targets')
      .where({ model_id: m.id })
      .distinct('version');
    const settings = {
      bandRule: m.band_rule,
      absBand: pct(m.band_abs_pp),
      relBand: pct(m.band_rel_pct),
      cashTarget: pct(m.cash_target_pct),
      ...(m.config ?? {}),
    };
    for (const { version } of versions) {
      await knex('model_versions').insert({
        model_id: m.id,
        version,
        settings: JSON.stringify(settings),
        published_by: 'migration',
        via: 'migration',
      });
    }
  }
  await knex.schema.alterTable('models', (t) => {
    t.dropColumns('band_rule', 'band_abs_pp', 'band_rel_pct', 'cash_target_pct', 'config');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.alterTable('model_targets', (t) => {
    t.text('asset_class'); // set: the target is an asset class (its primary is `symbol`)
    t.jsonb('alternates').notNullable().defaultTo('[]'); // in priority order; [] = the security's own
    t.foreign(['model_id', 'version']).references(['model_id', 'version']).inTable('model_versions');
  });
  await knex.raw(`
    CREATE FUNCTION model_version_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'a published model version is immutable: publish a new version'; END $$;
    CREATE TRIGGER model_versions_immutable BEFORE UPDATE OR DELETE ON model_versions
      FOR EACH ROW EXECUTE FUNCTION model_version_immutable();
    CREATE TRIGGER model_targets_immutable BEFORE UPDATE OR DELETE ON model_targets
      FOR EACH ROW EXECUTE FUNCTION model_version_immutable();
  `);

  await knex.raw(`
    UPDATE accounts SET overrides = jsonb_set(
      coalesce(overrides, '{}'::jsonb), '{engine}',
      coalesce(overrides->'engine', '{}'::jsonb)
        || jsonb_build_object('minTradeUsd', min_trade_usd::text)
        || CASE WHEN drift_threshold_pp IS NULL THEN '{}'::jsonb
           ELSE jsonb_build_object('absBand', trim_scale(drift_threshold_pp / 100)::text) END)
  `);
  await knex.schema.alterTable('accounts', (t) => {
    t.dropColumns('min_trade_usd', 'drift_threshold_pp');
    t.text('model_id').nullable().alter();
    t.text('mode').nullable().alter();
    t.text('advisor_id').nullable().alter();
    t.timestamp('opened_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('closed_at', { useTz: true });
    t.text('close_reason');
    t.date('onboarded_on'); // adopted from the custodian's files of this process date
    t.index(['status']);
    t.index(['model_id']);
    t.index(['advisor_id']);
  });
  await knex.raw(`
    ALTER TABLE accounts
      ADD CONSTRAINT accounts_status_check CHECK (status IN ('ACTIVE', 'PENDING_SETUP', 'CLOSED')),
      ADD CONSTRAINT accounts_mode_check CHECK (mode IS NULL OR mode IN ('AUTO', 'MANUAL')),
      ADD CONSTRAINT accounts_tax_status_check CHECK (tax_status IN ('TAXABLE', 'IRA', 'ROTH')),
      ADD CONSTRAINT accounts_active_check
        CHECK (status <> 'ACTIVE' OR (model_id IS NOT NULL AND mode IS NOT NULL AND advisor_id IS NOT NULL))
  `);

  await knex.schema.alterTable('restrictions', (t) => {
    t.text('scope').notNullable().defaultTo('ACCOUNT'); // ACCOUNT | ADVISOR | FIRM
    t.text('advisor_id').references('advisors.id');
    t.date('starts_on'); // null: in force from the start
    t.renameColumn('until', 'ends_on'); // the last day in force; null: until ended
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('created_by').notNullable().defaultTo('migration');
  });
  await knex.schema.alterTable('restrictions', (t) => {
    t.text('account_id').nullable().alter();
    t.text('created_by').notNullable().alter();
    t.index(['account_id']);
  });
  await knex.raw(`
    ALTER TABLE restrictions
      ADD CONSTRAINT restrictions_kind_check CHECK (kind IN ('NO_BUY', 'NO_SELL', 'NO_TRADE')),
      ADD CONSTRAINT restrictions_scope_check CHECK (
        (scope = 'ACCOUNT' AND account_id IS NOT NULL AND advisor_id IS NULL) OR
        (scope = 'ADVISOR' AND advisor_id IS NOT NULL AND account_id IS NULL) OR
        (scope = 'FIRM' AND account_id IS NULL AND advisor_id IS NULL));
    CREATE UNIQUE INDEX restrictions_natural_key ON restrictions
      (scope, coalesce(account_id, ''), coalesce(advisor_id, ''), symbol, kind, coalesce(starts_on, '0001-01-01'));
  `);

  await knex.schema.createTable('account_scans', (t) => {
    t.text('account_id').notNullable().references('accounts.id');
    t.date('trade_date').notNullable();
    t.timestamp('scanned_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('model_id');
    t.integer('model_version');
    t.primary(['account_id', 'trade_date']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('account_scans');

  await knex.raw('DROP INDEX IF EXISTS restrictions_natural_key');
  await knex.raw(`
    ALTER TABLE restrictions
      DROP CONSTRAINT IF EXISTS restrictions_kind_check,
      DROP CONSTRAINT IF EXISTS restrictions_scope_check
  `);
  await knex('restrictions').whereNot({ scope: 'ACCOUNT' }).del();
  await knex.schema.alterTable('restrictions', (t) => {
    t.dropIndex(['account_id']);
    t.dropColumns('scope', 'advisor_id', 'starts_on', 'created_at', 'created_by');
    t.renameColumn('ends_on', 'until');
  });
  await knex.schema.alterTable('restrictions', (t) => {
    t.text('account_id').notNullable().alter();
  });

  await knex.raw(`
    ALTER TABLE accounts
      DROP CONSTRAINT IF EXISTS accounts_status_check,
      DROP CONSTRAINT IF EXISTS accounts_mode_check,
      DROP CONSTRAINT IF EXISTS accounts_tax_status_check,
      DROP CONSTRAINT IF EXISTS accounts_active_check
  `);
  // Accounts that cannot exist in the old schema (no model, mode or advisor) go.
  const orphans = knex('accounts')
    .whereNull('model_id')
    .orWhereNull('mode')
    .orWhereNull('advisor_id')
    .select('id');
  for (const table of ['positions', 'tax_lots', 'cash_balances', 'cash_flows', 'restrictions']) {
    await knex(table).whereIn('account_id', orphans.clone()).del();
  }
  await knex('accounts').whereIn('id', orphans.clone()).del();
  await knex.schema.alterTable('accounts', (t) => {
    t.dropIndex(['status']);
    t.dropIndex(['model_id']);
    t.dropIndex(['advisor_id']);
    t.dropColumns('opened_at', 'closed_at', 'close_reason', 'onboarded_on');
    t.text('model_id').notNullable().alter();
    t.text('mode').notNullable().alter();
    t.text('advisor_id').notNullable().alter();
    t.decimal('drift_threshold_pp', 9, 4);
    t.decimal('min_trade_usd', 18, 2).notNullable().defaultTo('50');
  });
  await knex.raw(`
    UPDATE accounts SET
      min_trade_usd = coalesce((overrides->'engine'->>'minTradeUsd')::numeric, 50),
      drift_threshold_pp = (overrides->'engine'->>'absBand')::numeric * 100,
      overrides = overrides #- '{engine,minTradeUsd}' #- '{engine,absBand}'
  `);

  await knex.raw(`
    DROP TRIGGER IF EXISTS model_targets_immutable ON model_targets;
    DROP TRIGGER IF EXISTS model_versions_immutable ON model_versions;
    DROP FUNCTION IF EXISTS model_version_immutable();
  `);
  await knex.schema.alterTable('model_targets', (t) => {
    t.dropForeign(['model_id', 'version']);
    t.dropColumns('asset_class', 'alternates');
  });
  await knex.schema.alterTable('models', (t) => {
    t.dropColumn('created_at');
    t.text('band_rule').notNullable().defaultTo('FIVE_TWENTY_FIVE');
    t.decimal('band_abs_pp', 9, 4).notNullable().defaultTo('5');
    t.decimal('band_rel_pct', 9, 4).notNullable().defaultTo('25');
    t.decimal('cash_target_pct', 9, 4).notNullable().defaultTo('2');
    t.jsonb('config').notNullable().defaultTo('{}');
  });
  // The current version's settings back into the model's columns.
  await knex.raw(`
    UPDATE models m SET
      band_rule = coalesce(v.settings->>'bandRule', 'FIVE_TWENTY_FIVE'),
      band_abs_pp = coalesce((v.settings->>'absBand')::numeric * 100, 5),
      band_rel_pct = coalesce((v.settings->>'relBand')::numeric * 100, 25),
      cash_target_pct = coalesce((v.settings->>'cashTarget')::numeric * 100, 2),
      config = v.settings - 'bandRule' - 'absBand' - 'relBand' - 'cashTarget'
    FROM model_versions v WHERE v.model_id = m.id AND v.version = m.current_version
  `);
  await knex.schema.dropTableIfExists('model_versions');
  await knex.schema.alterTable('securities', (t) => {
    t.dropColumn('identical_group');
  });
  await knex.schema.alterTable('advisors', (t) => {
    t.dropColumn('rep_code');
  });
  await knex.schema.dropTableIfExists('firm_settings');
}
