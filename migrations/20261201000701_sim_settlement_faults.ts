import type { Knex } from 'knex';

// Settlement faults of the simulated custodian (`POST /sim/v1/faults {"settlements": [...]}`): the
// booked trade with this client order id fails to settle (kind fail) or settles `days` settlement
// days late (kind delay). planted_on / released_on are the simulator's business dates when the
// fault was set and removed, so every morning's files stay what they were when asked again.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sim').createTable('settlement_faults', (t) => {
    t.text('client_order_id').primary();
    t.text('kind').notNullable(); // fail | delay
    t.integer('days'); // delay: settlement days late
    t.date('planted_on').notNullable();
    t.date('released_on'); // null: in force
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(
    "ALTER TABLE sim.settlement_faults ADD CONSTRAINT settlement_faults_kind_check CHECK ((kind = 'fail' AND days IS NULL) OR (kind = 'delay' AND days >= 1))",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sim').dropTableIfExists('settlement_faults');
}
