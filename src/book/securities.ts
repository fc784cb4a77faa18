/**
 * The security master of the book: add, change, read. A TLH alternate must be a security of the
 * book; a CUSIP belongs to one security. The identical groups feed the engine's
 * substantially-identical setting (wash sales). Audited.
 */
import type { Knex } from 'knex';
import type { SecurityInput, SecurityPatch } from '../domain/config/security';
import { type BookContext, ENTITY, audit, conflict, inTransaction, invalid, notFound } from './context';

export interface SecurityView {
  symbol: string;
  cusip: string;
  description: string;
  type: 'ETF' | 'EQUITY' | 'MUTUAL_FUND';
  assetClass: string;
  fractionable: boolean;
  tlhAlternates: string[];
  identicalGroup: string | null;
}

interface SecurityRow {
  symbol: string;
  cusip: string;
  description: string;
  type: SecurityView['type'];
  asset_class: string;
  fractionable: boolean;
  tlh_alternates: string[];
  identical_group: string | null;
}

const view = (r: SecurityRow): SecurityView => ({
  symbol: r.symbol,
  cusip: r.cusip,
  description: r.description,
  type: r.type,
  assetClass: r.asset_class,
  fractionable: r.fractionable,
  tlhAlternates: r.tlh_alternates,
  identicalGroup: r.identical_group,
});

export async function listSecurities(db: Knex): Promise<SecurityView[]> {
  return (await db('securities').orderBy('symbol')).map(view);
}

export async function getSecurity(db: Knex, symbol: string): Promise<SecurityView> {
  const r = await db('securities').where({ symbol }).first();
  if (!r) throw notFound(ENTITY, `security ${symbol} not found`);
  return view(r);
}

/** `alsoKnown`: symbols that will exist by the end of the same import (alternates may name them). */
async function check(
  db: Knex,
  s: SecurityView,
  opts: { alsoKnown?: ReadonlySet<string>; alternatesChanged?: boolean },
): Promise<void> {
  const other = await db('securities')
    .where({ cusip: s.cusip })
    .whereNot({ symbol: s.symbol })
    .first('symbol');
  if (other) throw conflict('cusip', `CUSIP ${s.cusip} is ${other.symbol}'s already`);
  if (s.tlhAlternates.length === 0 || opts.alternatesChanged === false) return;
  const known = new Set(
    (await db('securities').whereIn('symbol', s.tlhAlternates).select('symbol')).map(
      (r: { symbol: string }) => r.symbol,
    ),
  );
  s.tlhAlternates.forEach((a, i) => {
    if (a === s.symbol) throw invalid(`tlhAlternates.${i}`, 'is the security itself');
    if (!known.has(a) && !opts.alsoKnown?.has(a)) {
      throw invalid(`tlhAlternates.${i}`, `${a} is not a security of the book: add it first`);
    }
  });
}

const row = (s: SecurityView) => ({
  symbol: s.symbol,
  cusip: s.cusip,
  description: s.description,
  type: s.type,
  asset_class: s.assetClass,
  fractionable: s.fractionable,
  tlh_alternates: JSON.stringify(s.tlhAlternates),
  identical_group: s.identicalGroup,
});

export async function createSecurity(
  ctx: BookContext,
  input: SecurityInput,
  opts: { alsoKnown?: ReadonlySet<string> } = {},
): Promise<{ security: SecurityView }> {
  return inTransaction(ctx.db, async (trx) => {
    if (await trx('securities').where({ symbol: input.symbol }).first('symbol')) {
      throw conflict('symbol', `security ${input.symbol} already exists`);
    }
    const s: SecurityView = {
      ...input,
      tlhAlternates: input.tlhAlternates ?? [],
      identicalGroup: input.identicalGroup ?? null,
    };
    await check(trx, s, opts);
    await trx('securities').insert(row(s));
    await audit(ctx, trx, {
      action: 'SECURITY_ADDED',
      entity: 'security',
      entityId: s.symbol,
      before: null,
      after: s,
    });
    return { security: s };
  });
}

export async function updateSecurity(
  ctx: BookContext,
  symbol: string,
  patch: SecurityPatch,
  opts: { alsoKnown?: ReadonlySet<string> } = {},
): Promise<{ security: SecurityView; changed: boolean }> {
  return inTransaction(ctx.db, async (trx) => {
    const r = await trx('securities').where({ symbol }).forUpdate().first();
    if (!r) throw notFound(ENTITY, `security ${symbol} not found`);
    const before = view(r);
    const next: SecurityView = {
      ...before,
      ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
    };
    if (JSON.stringify(next) === JSON.stringify(before)) return { security: before, changed: false };
    await check(trx, next, {
      ...opts,
      alternatesChanged: JSON.stringify(next.tlhAlternates) !== JSON.stringify(before.tlhAlternates),
    });
    await trx('securities').where({ symbol }).update(row(next));
    await audit(ctx, trx, {
      action: 'SECURITY_CHANGED',
      entity: 'security',
      entityId: symbol,
      before,
      after: next,
    });
    return { security: next, changed: true };
  });
}
