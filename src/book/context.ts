/**
 * What every change of the book's configuration carries: the database, who makes the change and
 * through what (API, CLI, import, the custodian's files), and today's trade date (a change after
 * the day's scan of an account applies from the next trading day). Errors say what and where.
 */
import type { Knex } from 'knex';

export type Via = 'api' | 'cli' | 'import' | 'custodian' | 'seed';

export interface Actor {
  /** Who: an advisor id, `ops:<label>` / `trader:<label>` for a token, or the name given to the CLI. */
  id: string;
  via: Via;
  tokenId?: string;
  ip?: string;
  /** Import: the file and line the change comes from. */
  file?: string;
  line?: number;
}

export interface BookContext {
  db: Knex;
  actor: Actor;
  /** Today's trade date (America/New_York), YYYY-MM-DD. */
  today: string;
}

/** The entity an operation addresses (a path parameter in the API, the key column of a CSV row). */
export const ENTITY = '$id';

export type BookErrorKind = 'invalid' | 'not_found' | 'conflict' | 'forbidden';

/**
 * A refused change. `field` is where in the operation's input the mistake is (`targets.2.symbol`),
 * ENTITY for the entity addressed, '' for the input as a whole.
 */
export class BookError extends Error {
  constructor(
    readonly kind: BookErrorKind,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export const invalid = (field: string, message: string) => new BookError('invalid', field, message);
export const notFound = (field: string, message: string) => new BookError('not_found', field, message);
export const conflict = (field: string, message: string) => new BookError('conflict', field, message);

/** PostgreSQL error codes a race between two changes can give, and what they mean to a caller. */
const PG_RETRY = new Set(['40001', '40P01']);

/**
 * Runs `fn` in a transaction, or in the caller's when `db` already is one (the import: every
 * service checks before it writes, so a refused change has written nothing, and the import rolls
 * everything back when any row was refused). A serialization failure or a deadlock is retried, a
 * unique violation that a check did not catch (two callers at once) is a conflict.
 */
export async function inTransaction<T>(db: Knex, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return db.isTransaction ? await fn(db as Knex.Transaction) : await db.transaction(fn);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code && PG_RETRY.has(code) && attempt < 4 && !db.isTransaction) continue;
      if (code === '23505') {
        const detail = (e as { detail?: string }).detail ?? 'the same key is already there';
        throw conflict('', `changed by someone else at the same time: ${detail}`);
      }
      throw e;
    }
  }
}

/** One audit row: who, when (the row's time), through what, the entity, before and after. */
export async function audit(
  ctx: BookContext,
  db: Knex,
  e: { action: string; entity: string; entityId: string; before: unknown; after: unknown; extra?: object },
): Promise<void> {
  const a = ctx.actor;
  await db('audit_log').insert({
    actor: a.id,
    action: e.action,
    entity: e.entity,
    entity_id: e.entityId,
    details: JSON.stringify({
      via: a.via,
      ...(a.tokenId ? { tokenId: a.tokenId } : {}),
      ...(a.ip ? { ip: a.ip } : {}),
      ...(a.file ? { file: a.file, line: a.line } : {}),
      before: e.before ?? null,
      after: e.after ?? null,
      ...(e.extra ?? {}),
    }),
  });
}
