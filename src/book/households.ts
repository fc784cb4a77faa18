/**
 * Households: the wash-sale scope (every account in the household, IRAs included, is checked for
 * purchases of a security sold at a loss). An account is in exactly one household; adding it to
 * another moves it. Audited on the household and on each account moved.
 */
import type { Knex } from 'knex';
import type { HouseholdInput, HouseholdPatch } from '../domain/config/people';
import { type BookContext, ENTITY, audit, conflict, inTransaction, notFound } from './context';
import { type Effect, effectOf } from './effect';

export interface HouseholdView {
  id: string;
  name: string;
  members: { id: string; name: string; advisorId: string | null; registration: string; status: string }[];
}

export async function listHouseholds(
  db: Knex,
  opts: { advisorId?: string; ids?: readonly string[] } = {},
): Promise<HouseholdView[]> {
  const hq = db('households').orderBy('id');
  if (opts.ids) hq.whereIn('id', opts.ids);
  if (opts.advisorId) {
    hq.whereIn('id', db('accounts').where({ advisor_id: opts.advisorId }).select('household_id'));
  }
  const households: { id: string; name: string }[] = await hq;
  if (households.length === 0) return [];
  const members = await db('accounts')
    .whereIn(
      'household_id',
      households.map((h) => h.id),
    )
    .orderBy('id')
    .select('id', 'name', 'advisor_id', 'tax_status', 'status', 'household_id');
  return households.map((h) => ({
    id: h.id,
    name: h.name,
    members: members
      .filter((m: { household_id: string }) => m.household_id === h.id)
      .map(
        (m: { id: string; name: string; advisor_id: string | null; tax_status: string; status: string }) => ({
          id: m.id,
          name: m.name,
          advisorId: m.advisor_id,
          registration: m.tax_status,
          status: m.status,
        }),
      ),
  }));
}

export async function getHousehold(db: Knex, id: string): Promise<HouseholdView> {
  const [h] = await listHouseholds(db, { ids: [id] });
  if (!h) throw notFound(ENTITY, `household ${id} not found`);
  return h;
}

export interface HouseholdChange {
  household: HouseholdView;
  changed: boolean;
  effect: Effect;
}

/** Moves accounts into the household; every account must exist and not be closed. */
async function moveMembers(
  ctx: BookContext,
  trx: Knex,
  householdId: string,
  accountIds: readonly string[],
  field: string,
): Promise<string[]> {
  const rows: { id: string; household_id: string; status: string }[] = await trx('accounts')
    .whereIn('id', accountIds)
    .forUpdate()
    .select('id', 'household_id', 'status');
  const moved: string[] = [];
  for (const [i, id] of accountIds.entries()) {
    const r = rows.find((x) => x.id === id);
    if (!r) throw notFound(`${field}.${i}`, `account ${id} not found`);
    if (r.status === 'CLOSED') throw conflict(`${field}.${i}`, `account ${id} is closed`);
    if (r.household_id === householdId) continue;
    await trx('accounts').where({ id }).update({ household_id: householdId });
    await audit(ctx, trx, {
      action: 'ACCOUNT_SETTINGS_CHANGED',
      entity: 'account',
      entityId: id,
      before: { householdId: r.household_id },
      after: { householdId },
    });
    moved.push(id);
  }
  return moved;
}

export async function createHousehold(ctx: BookContext, input: HouseholdInput): Promise<HouseholdChange> {
  return inTransaction(ctx.db, async (trx) => {
    if (await trx('households').where({ id: input.id }).first('id')) {
      throw conflict('id', `household ${input.id} already exists`);
    }
    await trx('households').insert({ id: input.id, name: input.name });
    const moved = await moveMembers(ctx, trx, input.id, input.members ?? [], 'members');
    const household = await getHousehold(trx, input.id);
    await audit(ctx, trx, {
      action: 'HOUSEHOLD_CREATED',
      entity: 'household',
      entityId: input.id,
      before: null,
      after: { name: input.name, members: household.members.map((m) => m.id) },
    });
    return { household, changed: true, effect: await effectOf(trx, ctx.today, 'scan', moved) };
  });
}

export async function updateHousehold(
  ctx: BookContext,
  id: string,
  patch: HouseholdPatch,
): Promise<HouseholdChange> {
  return inTransaction(ctx.db, async (trx) => {
    const row = await trx('households').where({ id }).forUpdate().first();
    if (!row) throw notFound(ENTITY, `household ${id} not found`);
    const before = await getHousehold(trx, id);
    if (patch.name !== undefined && patch.name !== row.name) {
      await trx('households').where({ id }).update({ name: patch.name });
    }
    const moved = await moveMembers(ctx, trx, id, patch.addMembers ?? [], 'addMembers');
    const household = await getHousehold(trx, id);
    const changed = moved.length > 0 || household.name !== before.name;
    if (changed) {
      await audit(ctx, trx, {
        action: 'HOUSEHOLD_CHANGED',
        entity: 'household',
        entityId: id,
        before: { name: before.name, members: before.members.map((m) => m.id) },
        after: { name: household.name, members: household.members.map((m) => m.id) },
      });
    }
    return { household, changed, effect: await effectOf(trx, ctx.today, 'scan', moved) };
  });
}
