/** What the soak's checks share: a raw query's rows, and a named check from its offending rows. */
import type { Knex } from 'knex';
import type { InvariantCheck } from '../chaos/invariants';

/** How many offending rows a failed check lists. */
export const SAMPLE = 10;

export async function rows<T>(db: Knex | Knex.Transaction, sql: string, bindings: readonly unknown[] = []) {
  return (await db.raw(sql, bindings as Knex.RawBinding[])).rows as T[];
}

/** A check that holds when nothing offends; its details count the offending rows, a sample of them listed. */
export function check(name: string, bad: unknown[], details: Record<string, unknown>): InvariantCheck {
  return {
    name,
    ok: bad.length === 0,
    details: { ...details, violations: bad.length },
    violations: bad.length ? bad.slice(0, SAMPLE) : undefined,
  };
}
