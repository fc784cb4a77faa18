import type { Knex } from 'knex';

// The simulator's gradual fills and lot matching:
// - sim.orders.slices_left / next_slice_at: an order that fills in slices (the fill model's
//   `gradualFillRate`) has this many slices still to fill, the next one due at the first read
//   at or after next_slice_at;
// - sim.orders.lot_matching: the lot matching instructions a sell allocation came with (Ascend's
//   `lotMatchingInstructions`), in order: [{id?, tradeDate?, price?, quantity?}]; the tax lot
//   file closes these lots first instead of first in, first out.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sim').alterTable('orders', (t) => {
    t.integer('slices_left').notNullable().defaultTo(0);
    t.timestamp('next_slice_at', { useTz: true });
    t.jsonb('lot_matching');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sim').alterTable('orders', (t) => {
    t.dropColumn('slices_left');
    t.dropColumn('next_slice_at');
    t.dropColumn('lot_matching');
  });
}
