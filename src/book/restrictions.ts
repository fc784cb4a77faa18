/**
 * Restrictions of one account, one advisor's accounts or the whole firm: add, end, list, and the
 * ones in force for an account on a trade date (what the snapshot loader hands the engine, each
 * with where it comes from in its reason). Audited.
 */
import type { Knex } from 'knex';
import { addCalendarDays } from '../domain/calendar';
import type { RestrictionScope } from '../domain/config/fields';
import { type EndRestrictionInput, type RestrictionInput, inForce } from '../domain/config/restriction';
import { type BookContext, ENTITY, audit, conflict, inTransaction, invalid, notFound } from './context';
import { type Effect, effectOf } from './effect';

export interface RestrictionView {
  id: number;
  scope: RestrictionScope;
  accountId: string | null;
  advisorId: string | null;
  symbol: string;
  kind: 'NO_BUY' | 'NO_SELL' | 'NO_TRADE';
  reason: string;
  startsOn: string | null;
  endsOn: string | null;
  createdAt: string;
  createdBy: string;
}

interface RestrictionRow {
  id: number;
  scope: RestrictionScope;
  account_id: string | null;
  advisor_id: string | null;
  symbol: string;
  kind: 'NO_BUY' | 'NO_SELL' | 'NO_TRADE';
  reason: string;
  starts_on: string | null;
  ends_on: string | null;
  created_at: Date;
  created_by: string;
}

export function restrictionView(r: RestrictionRow): RestrictionView {
  return {
    id: r.id,
    scope: r.scope,
    accountId: r.account_id,
    advisorId: r.advisor_id,
    symbol: r.symbol,
    kind: r.kind,
    reason: r.reason,
    startsOn: r.starts_on,
    endsOn: r.ends_on,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
  };
}

/** Where a restriction comes from, as the engine's reasons show it. */
export function restrictionSource(r: Pick<RestrictionView, 'scope' | 'advisorId'>): string {
  if (r.scope === 'FIRM') return 'firm restricted list';
  if (r.scope === 'ADVISOR') return `advisor ${r.advisorId}'s restricted list`;
  return 'account restriction';
}

/** Every restriction that applies to the account (its own, its advisor's, the firm's), optionally only those in force on `date`. */
export async function restrictionsFor(
  db: Knex,
  account: { id: string; advisor_id: string | null },
  date?: string,
): Promise<RestrictionView[]> {
  const rows: RestrictionRow[] = await db('restrictions')
    .where((q) => {
      q.where({ scope: 'ACCOUNT', account_id: account.id }).orWhere({ scope: 'FIRM' });
      if (account.advisor_id) q.orWhere({ scope: 'ADVISOR', advisor_id: account.advisor_id });
    })
    .modify((q) => {
      if (date) {
        q.where((w) => w.whereNull('starts_on').orWhere('starts_on', '<=', date));
        q.where((w) => w.whereNull('ends_on').orWhere('ends_on', '>=', date));
      }
    })
    .orderBy('id');
  return rows.map(restrictionView);
}

export interface RestrictionFilter {
  scope?: RestrictionScope;
  accountId?: string;
  advisorId?: string;
  /** Only those in force on this date. */
  activeOn?: string;
}

export async function listRestrictions(db: Knex, f: RestrictionFilter): Promise<RestrictionView[]> {
  const rows: RestrictionRow[] = await db('restrictions')
    .modify((q) => {
      if (f.scope) q.where({ scope: f.scope });
      if (f.accountId) q.where({ account_id: f.accountId });
      if (f.advisorId) q.where({ advisor_id: f.advisorId });
    })
    .orderBy('id');
  const list = rows.map(restrictionView);
  return f.activeOn ? list.filter((r) => inForce(r, f.activeOn!)) : list;
}

async function accountsInScope(db: Knex, r: Pick<RestrictionView, 'scope' | 'accountId' | 'advisorId'>) {
  const q = db('accounts').where({ status: 'ACTIVE' }).select('id').orderBy('id');
  if (r.scope === 'ACCOUNT') q.where({ id: r.accountId });
  if (r.scope === 'ADVISOR') q.where({ advisor_id: r.advisorId });
  return (await q).map((x: { id: string }) => x.id);
}

/** The same restriction (scope, owner, symbol, kind, start) if there is one. */
export async function sameRestriction(
  db: Knex,
  input: RestrictionInput,
): Promise<RestrictionRow | undefined> {
  return db('restrictions')
    .where({
      scope: input.scope,
      account_id: input.accountId ?? null,
      advisor_id: input.advisorId ?? null,
      symbol: input.symbol,
      kind: input.kind,
      starts_on: input.startsOn ?? null,
    })
    .first();
}

export interface RestrictionChange {
  restriction: RestrictionView;
  /** False when an identical restriction was already there. */
  changed: boolean;
  effect: Effect;
}

/**
 * Adds a restriction. The same one again (same scope, owner, symbol, kind and start) with the same
 * reason and end is no change; with another reason or end it is updated.
 */
export async function addRestriction(ctx: BookContext, input: RestrictionInput): Promise<RestrictionChange> {
  return inTransaction(ctx.db, async (trx) => {
    if (input.scope === 'ACCOUNT') {
      const a = await trx('accounts').where({ id: input.accountId }).first('status');
      if (!a) throw notFound('accountId', `account ${input.accountId} not found`);
      if (a.status === 'CLOSED') throw conflict('accountId', `account ${input.accountId} is closed`);
    }
    if (input.scope === 'ADVISOR' && !(await trx('advisors').where({ id: input.advisorId }).first('id'))) {
      throw notFound('advisorId', `advisor ${input.advisorId} not found`);
    }
    const same = await sameRestriction(trx, input);
    const fields = { reason: input.reason, ends_on: input.endsOn ?? null };
    let row: RestrictionRow;
    let changed = true;
    if (same && same.reason === fields.reason && same.ends_on === fields.ends_on) {
      row = same;
      changed = false;
    } else if (same) {
      [row] = await trx('restrictions').where({ id: same.id }).update(fields).returning('*');
      await audit(ctx, trx, {
        action: 'RESTRICTION_CHANGED',
        entity: 'restriction',
        entityId: String(same.id),
        before: restrictionView(same),
        after: restrictionView(row),
        extra: ownerOf(row),
      });
    } else {
      [row] = await trx('restrictions')
        .insert({
          scope: input.scope,
          account_id: input.accountId ?? null,
          advisor_id: input.advisorId ?? null,
          symbol: input.symbol,
          kind: input.kind,
          reason: input.reason,
          starts_on: input.startsOn ?? null,
          ends_on: input.endsOn ?? null,
          created_by: ctx.actor.id,
        })
        .returning('*');
      await audit(ctx, trx, {
        action: 'RESTRICTION_ADDED',
        entity: 'restriction',
        entityId: String(row.id),
        before: null,
        after: restrictionView(row),
        extra: ownerOf(row),
      });
    }
    const view = restrictionView(row);
    return {
      restriction: view,
      changed,
      effect: await effectOf(trx, ctx.today, 'scan', await accountsInScope(trx, view)),
    };
  });
}

function ownerOf(r: RestrictionRow) {
  return {
    scope: r.scope,
    ...(r.account_id ? { accountId: r.account_id } : {}),
    ...(r.advisor_id ? { advisorId: r.advisor_id } : {}),
  };
}

/** Ends a restriction: `endsOn` is its last day in force (default yesterday: lifted from today). */
export async function endRestriction(
  ctx: BookContext,
  id: number,
  input: EndRestrictionInput,
): Promise<RestrictionChange> {
  return inTransaction(ctx.db, async (trx) => {
    const row: RestrictionRow | undefined = await trx('restrictions').where({ id }).forUpdate().first();
    if (!row) throw notFound(ENTITY, `restriction ${id} not found`);
    const endsOn = input.endsOn ?? addCalendarDays(ctx.today, -1);
    if (row.ends_on !== null && row.ends_on <= endsOn) {
      throw conflict(input.endsOn ? 'endsOn' : ENTITY, `restriction ${id} already ends on ${row.ends_on}`);
    }
    if (row.starts_on !== null && endsOn < addCalendarDays(row.starts_on, -1)) {
      throw invalid('endsOn', `restriction ${id} starts on ${row.starts_on}: it cannot end before`);
    }
    const [next] = await trx('restrictions').where({ id }).update({ ends_on: endsOn }).returning('*');
    await audit(ctx, trx, {
      action: 'RESTRICTION_ENDED',
      entity: 'restriction',
      entityId: String(id),
      before: restrictionView(row),
      after: restrictionView(next),
      extra: { ...ownerOf(next), ...(input.note ? { note: input.note } : {}) },
    });
    const view = restrictionView(next);
    return {
      restriction: view,
      changed: true,
      effect: await effectOf(trx, ctx.today, 'scan', await accountsInScope(trx, view)),
    };
  });
}
