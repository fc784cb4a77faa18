import type { Knex } from 'knex';

/**
 * `orders (proposal_id)`: a proposal's orders (`proposalOrders` after booking, the API's and the
 * report's views of a proposal) were read by a sequential scan of every order the book ever held.
 * At 1,000 accounts that was 724 scans reading 2.1 million rows in one day (bench:day's
 * `db.topSeqScans`); the table grows every day, so each day's scans grew with the book's history.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX IF NOT EXISTS orders_proposal_id_idx ON orders (proposal_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS orders_proposal_id_idx');
}
