import type { Knex } from 'knex';
import { addReferenceTriggers, dropReferenceTriggers } from './20261204000100_reference_generation';

/**
 * `models` joins the reference data (./20261204000100_reference_generation.ts): a model's current
 * version is read by every account's proposal, and changes only when a version is published (or the
 * model renamed), so a write to it moves `reference_generation` too and a worker keeps what it read.
 */
export const REFERENCE_TABLES_ADDED = ['models'];

export async function up(knex: Knex): Promise<void> {
  await addReferenceTriggers(knex, REFERENCE_TABLES_ADDED);
}

export async function down(knex: Knex): Promise<void> {
  await dropReferenceTriggers(knex, REFERENCE_TABLES_ADDED);
}
