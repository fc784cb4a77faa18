/** Advisors and firm settings: add and change advisors, read and set the firm's switches. Audited. */
import type { Knex } from 'knex';
import { type AdvisorInput, FIRM_DEFAULTS, type FirmSettings } from '../domain/config/people';
import { type BookContext, audit, conflict, inTransaction } from './context';

export interface AdvisorView {
  id: string;
  name: string;
  email: string;
  repCode: string | null;
}

const advisorView = (r: {
  id: string;
  name: string;
  email: string;
  rep_code: string | null;
}): AdvisorView => ({
  id: r.id,
  name: r.name,
  email: r.email,
  repCode: r.rep_code,
});

export async function listAdvisors(db: Knex): Promise<AdvisorView[]> {
  return (await db('advisors').orderBy('id')).map(advisorView);
}

/** Adds an advisor, or changes one (`upsert`: the import); the same values again are no change. */
export async function saveAdvisor(
  ctx: BookContext,
  input: AdvisorInput,
  opts: { upsert?: boolean } = {},
): Promise<{ advisor: AdvisorView; changed: boolean }> {
  return inTransaction(ctx.db, async (trx) => {
    const existing = await trx('advisors').where({ id: input.id }).forUpdate().first();
    if (existing && !opts.upsert) throw conflict('id', `advisor ${input.id} already exists`);
    const next: AdvisorView = {
      id: input.id,
      name: input.name,
      email: input.email,
      repCode: input.repCode ?? null,
    };
    if (next.repCode) {
      const other = await trx('advisors')
        .where({ rep_code: next.repCode })
        .whereNot({ id: input.id })
        .first('id');
      if (other) throw conflict('repCode', `rep code ${next.repCode} is advisor ${other.id}'s already`);
    }
    const before = existing ? advisorView(existing) : null;
    if (before && JSON.stringify(before) === JSON.stringify(next)) return { advisor: before, changed: false };
    const values = { name: next.name, email: next.email, rep_code: next.repCode };
    if (existing) await trx('advisors').where({ id: input.id }).update(values);
    else await trx('advisors').insert({ id: input.id, ...values });
    await audit(ctx, trx, {
      action: existing ? 'ADVISOR_CHANGED' : 'ADVISOR_ADDED',
      entity: 'advisor',
      entityId: input.id,
      before,
      after: next,
    });
    return { advisor: next, changed: true };
  });
}

export async function firmSettings(db: Knex): Promise<FirmSettings> {
  const rows: { key: string; value: unknown }[] = await db('firm_settings').select('key', 'value');
  const out: Record<string, unknown> = { ...FIRM_DEFAULTS };
  for (const r of rows) if (r.key in FIRM_DEFAULTS) out[r.key] = r.value;
  return out as FirmSettings;
}

export async function setFirmSettings(ctx: BookContext, patch: Partial<FirmSettings>): Promise<FirmSettings> {
  return inTransaction(ctx.db, async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['firm_settings']);
    const before = await firmSettings(trx);
    const after = { ...before, ...patch };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined || before[key as keyof FirmSettings] === value) continue;
      await trx('firm_settings')
        .insert({ key, value: JSON.stringify(value), updated_by: ctx.actor.id, updated_at: trx.fn.now() })
        .onConflict('key')
        .merge();
    }
    if (JSON.stringify(before) !== JSON.stringify(after)) {
      await audit(ctx, trx, {
        action: 'FIRM_SETTINGS_CHANGED',
        entity: 'firm',
        entityId: 'firm',
        before,
        after,
      });
    }
    return after;
  });
}
