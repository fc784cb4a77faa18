import type { Knex } from 'knex';

// Breaks found while following an order, not by the morning reconciliation: type EXECUTION,
// category TRADE (e.g. an overfill: the custodian filled more than we ordered). Keyed by the
// client order id; the reconciliation leaves them alone (it only clears the kinds it checks).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE breaks DROP CONSTRAINT breaks_type_check,
      ADD CONSTRAINT breaks_type_check CHECK (type IN ('POSITION', 'CASH', 'COST_BASIS', 'EXECUTION'))
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DELETE FROM breaks WHERE type = 'EXECUTION';
    ALTER TABLE breaks DROP CONSTRAINT breaks_type_check,
      ADD CONSTRAINT breaks_type_check CHECK (type IN ('POSITION', 'CASH', 'COST_BASIS'))
  `);
}
