/**
 * The book's reference data as a worker process last read it: the securities, the closes, the
 * successions, the morning files' list, corporate actions and security master, models' current
 * versions and their versions' targets and settings. Every write to those tables moves one counter
 * (`reference_generation`, migrations/20261204000100_reference_generation.ts and
 * 20261204000200_reference_models.ts); an activity reads the counter once
 * (`referenceOf`) and takes what this process read under the same counter, or reads it afresh.
 * So the accounts of a day share one read of the day's reference data, and an ingestion, a
 * re-ingested file, a new security or a newly published model version is seen by the next activity.
 *
 * What is kept is frozen: a caller that changed it would change it for every account.
 */
import type { Knex } from 'knex';

/** Entries kept per generation at most (one day has a few dozen); past it the oldest go. */
const MAX_ENTRIES = 500;

interface Store {
  generation?: bigint;
  entries: Map<string, Promise<unknown>>;
}
/** One store per database (per knex instance; a transaction shares its instance's config object). */
const stores = new WeakMap<object, Store>();

function storeOf(db: Knex): Store {
  const key = db.client.config as object;
  let s = stores.get(key);
  if (!s) {
    s = { entries: new Map() };
    stores.set(key, s);
  }
  return s;
}

/** The reference data under the current generation: `get(key, load)` reads `load` once per generation. */
export interface Reference {
  get<T>(key: string, load: () => Promise<T>): Promise<T>;
}

/**
 * Reads the counter (on `db`: the caller's transaction, if it has one) and returns the reference
 * data under it. Two activities of one process that read the same generation share their reads.
 */
export async function referenceOf(db: Knex): Promise<Reference> {
  const row: { generation: string } | undefined = await db('reference_generation')
    .where({ id: 1 })
    .first('generation');
  // No counter (a database without the migration): nothing is kept.
  if (!row) return { get: (_key, load) => load() };
  const g = BigInt(row.generation);
  const store = storeOf(db);
  const { entries } = store;
  // Only a newer generation replaces what is kept: a read of the counter that answered late with
  // an older one leaves the store as it is (its activity reads afresh, below).
  if (store.generation === undefined || g > store.generation) {
    store.generation = g;
    entries.clear();
  }
  return {
    get<T>(key: string, load: () => Promise<T>): Promise<T> {
      // Read under another generation than the one now kept: not stored, not taken from the store.
      if (g !== store.generation) return load();
      const kept = entries.get(key);
      if (kept) return kept as Promise<T>;
      const loading = load().then(deepFreeze);
      // A failed read is not kept: the next activity reads again.
      loading.catch(() => {
        if (entries.get(key) === loading) entries.delete(key);
      });
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      entries.set(key, loading);
      return loading;
    },
  };
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
