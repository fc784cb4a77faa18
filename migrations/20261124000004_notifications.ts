import type { Knex } from 'knex';

// The notification outbox: one row per message, keyed by an idempotency key, so a retried
// activity never creates or sends a message twice, and an undeliverable one is never lost.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notifications', (t) => {
    t.bigIncrements('id');
    t.text('idempotency_key').notNullable().unique();
    t.text('kind').notNullable(); // ADVISOR_APPROVAL_NEEDED | TRADER_REVIEW_NEEDED
    t.text('recipient').notNullable();
    t.jsonb('payload').notNullable();
    t.text('status').notNullable().defaultTo('PENDING'); // PENDING | SENT
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('notifications');
}
