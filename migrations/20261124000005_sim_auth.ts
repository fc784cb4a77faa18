import type { Knex } from 'knex';

// Access tokens the simulated custodian issues at POST /iam/v1/serviceAccounts:generateAccessToken
// (Apex Ascend's service-account flow). Only a SHA-256 of each token is stored, so a copy of the
// table is no use to anyone; rows outlive a simulator restart like the rest of its state.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE SCHEMA IF NOT EXISTS sim');
  await knex.schema.withSchema('sim').createTable('access_tokens', (t) => {
    t.text('token_hash').primary(); // hex SHA-256 of the bearer token
    t.text('service_account').notNullable();
    t.text('organization').notNullable();
    t.timestamp('issued_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sim').dropTableIfExists('access_tokens');
}
