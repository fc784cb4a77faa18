import type { Knex } from 'knex';

// The notifications outbox grows channels (the notifier, i.e. the log line / webhook, and e-mail),
// scheduled messages (an approval reminder before the cut-off, the reconciliation digest) and
// back-off; advisors get their own opt-outs (docs/notifications.md).
//
// - channel: NOTIFIER | EMAIL; address: the e-mail address of an EMAIL row.
// - message_id: the Message-ID of an EMAIL row, derived from its idempotency key (every attempt
//   and any repeat after a crash carry the same one).
// - status: PENDING | SENDING (claimed by one sender, claim_token, claimed_at) | SENT | CANCELLED
//   (no longer true when due, e.g. a reminder of a proposal already decided) | FAILED (refused for
//   good, or out of attempts: audited for ops) | UNCERTAIN (an e-mail the server may have taken
//   without the row saying so: never sent again by itself; ops decide).
// - not_before: not sent before then; next_attempt_at: back-off after a failed attempt.
// - trade_date, account_id: what the message is about (digests and the day report read them).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notifications', (t) => {
    t.text('channel').notNullable().defaultTo('NOTIFIER');
    t.text('address');
    t.text('message_id').unique();
    t.date('trade_date');
    t.text('account_id');
    t.text('claim_token');
    t.timestamp('claimed_at', { useTz: true });
    t.timestamp('not_before', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['status', 'next_attempt_at']);
    t.index(['trade_date', 'kind']);
  });
  await knex.raw(`
    ALTER TABLE notifications
      ADD CONSTRAINT notifications_status_check CHECK (status IN ('PENDING', 'SENDING', 'SENT', 'CANCELLED', 'FAILED', 'UNCERTAIN')),
      ADD CONSTRAINT notifications_channel_check CHECK (channel IN ('NOTIFIER', 'EMAIL')),
      ADD CONSTRAINT notifications_email_address CHECK (channel <> 'EMAIL' OR (address IS NOT NULL AND message_id IS NOT NULL))
  `);
  await knex.schema.alterTable('advisors', (t) => {
    // Kinds of message this advisor does not want (src/notifications/kinds.ts), e.g. ["ADVISOR_APPROVAL_REMINDER"].
    t.jsonb('notify_opt_out').notNullable().defaultTo('[]');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('advisors', (t) => {
    t.dropColumn('notify_opt_out');
  });
  await knex.raw(`DELETE FROM notifications WHERE channel <> 'NOTIFIER'`);
  await knex.raw(`UPDATE notifications SET status = 'PENDING' WHERE status NOT IN ('PENDING', 'SENT')`);
  await knex.raw(`
    ALTER TABLE notifications
      DROP CONSTRAINT notifications_status_check,
      DROP CONSTRAINT notifications_channel_check,
      DROP CONSTRAINT notifications_email_address
  `);
  await knex.schema.alterTable('notifications', (t) => {
    t.dropIndex(['status', 'next_attempt_at']);
    t.dropIndex(['trade_date', 'kind']);
    t.dropColumns(
      'channel',
      'address',
      'message_id',
      'trade_date',
      'account_id',
      'not_before',
      'next_attempt_at',
      'claim_token',
      'claimed_at',
    );
  });
}
