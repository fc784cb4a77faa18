import type { Knex } from 'knex';

// API bearer tokens: one row per token, only its SHA-256 stored. An advisor token is scoped to
// that advisor's accounts; an ops or trader token has a role instead. Revoked tokens stay
// (revoked_at set) so the audit trail can name them.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_tokens', (t) => {
    t.text('id').primary(); // tok_{12 hex}: what the CLI shows and revokes by
    t.text('token_hash').notNullable().unique(); // sha256 hex of the whole token
    t.text('token_prefix').notNullable(); // the first characters, to recognise a token in a list
    t.text('role').notNullable(); // advisor | ops | trader
    t.text('advisor_id').references('advisors.id');
    t.text('label').notNullable();
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.text('revoked_by');
    t.index(['advisor_id']);
  });
  await knex.raw(`
    ALTER TABLE api_tokens
      ADD CONSTRAINT api_tokens_role_check CHECK (role IN ('advisor', 'ops', 'trader')),
      ADD CONSTRAINT api_tokens_advisor_check CHECK ((role = 'advisor') = (advisor_id IS NOT NULL))
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('api_tokens');
}
