/**
 * What the book hands the engine about an account's configuration (used by the snapshot loader
 * and the what-if preview): the model version's targets and settings, the account's own layer,
 * the restrictions in force (the account's, its advisor's, the firm's, each naming where it comes
 * from), the model's alternates and the securities' identical groups.
 */
import type { Knex } from 'knex';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig, type ModelTarget } from '../domain/engine';
import { Dec } from '../domain/money';
import type { Reference } from './reference-cache';
import { restrictionSource, restrictionsFor } from './restrictions';

export interface ModelLayer {
  id: string;
  version: number;
  targets: ModelTarget[];
  /** The version's settings (the engine's model layer), without the identical groups. */
  settings: Partial<EngineConfig>;
  /** Per primary: the model's alternates for it, in priority order (none: the security's own). */
  alternates: Record<string, string[]>;
}

/**
 * The model's current version (or the given one); undefined when there is no such model or version.
 * With `ref`, a version's targets and settings are read once per generation of the reference data.
 */
export async function loadModelLayer(
  db: Knex,
  modelId: string,
  version?: number,
  ref?: Reference,
): Promise<ModelLayer | undefined> {
  const head = (): Promise<{ id: string; current_version: number } | undefined> =>
    db('models').where({ id: modelId }).first('id', 'current_version');
  const model = await (ref ? ref.get(`model-head:${modelId}`, head) : head());
  if (!model) return undefined;
  const v: number = version ?? model.current_version;
  return ref
    ? ref.get(`model:${modelId}:${v}`, () => modelVersionLayer(db, modelId, v))
    : modelVersionLayer(db, modelId, v);
}

/** One version of a model as the engine takes it, its securities under the names they go by now. */
async function modelVersionLayer(db: Knex, modelId: string, v: number): Promise<ModelLayer | undefined> {
  const [row, targets] = await Promise.all([
    db('model_versions').where({ model_id: modelId, version: v }).first('settings'),
    db('model_targets')
      .where({ model_id: modelId, version: v })
      .orderBy('symbol')
      .select('symbol', 'weight', 'asset_class', 'alternates') as Promise<
      { symbol: string; weight: string; asset_class: string | null; alternates: string[] }[]
    >,
  ]);
  if (!row) return undefined;
  // A version names the securities as they were when it was published: a renamed or merged one is
  // read as what it became (the version itself never changes).
  const now = successorOf(await loadSuccessions(db));
  return {
    id: modelId,
    version: v,
    targets: targets.map((t) => ({
      symbol: now(t.symbol),
      weight: new Dec(t.weight).toString(),
      ...(t.asset_class ? { assetClass: t.asset_class } : {}),
    })),
    settings: row.settings ?? {},
    alternates: Object.fromEntries(
      targets.filter((t) => t.alternates.length).map((t) => [now(t.symbol), t.alternates.map(now)]),
    ),
  };
}

/** What each renamed or merged ticker became (security_successions, written by the morning sync). */
async function loadSuccessions(db: Knex): Promise<Map<string, string>> {
  const rows: { old_symbol: string; new_symbol: string }[] = await db('security_successions').select(
    'old_symbol',
    'new_symbol',
  );
  return new Map(rows.map((r) => [r.old_symbol, r.new_symbol]));
}

/** The ticker a symbol goes by today, following a chain of successions (A → B → C). */
export function successorOf(successions: ReadonlyMap<string, string>): (symbol: string) => string {
  return (symbol) => {
    let s = symbol;
    for (let hops = 0; hops < 32 && successions.has(s); hops++) s = successions.get(s)!;
    return s;
  };
}

/**
 * The substantially-identical groups for the engine: the book's (securities with the same
 * identical_group), and the engine's default groups for the symbols no book group names.
 */
export function identicalGroups(
  securities: readonly { symbol: string; identical_group: string | null }[],
): string[][] {
  const book = new Map<string, string[]>();
  for (const s of securities) {
    if (!s.identical_group) continue;
    const g = book.get(s.identical_group) ?? [];
    g.push(s.symbol);
    book.set(s.identical_group, g);
  }
  const named = new Set([...book.values()].flat());
  const defaults = DEFAULT_ENGINE_CONFIG.substantiallyIdentical
    .map((g) => g.filter((s) => !named.has(s)))
    .filter((g) => g.length > 1);
  return [...[...book.values()].filter((g) => g.length > 1).map((g) => g.sort()), ...defaults];
}

/** Restrictions in force for the account on the trade date, as the engine takes them. */
export async function engineRestrictions(
  db: Knex,
  account: { id: string; advisor_id: string | null },
  tradeDate: string,
): Promise<{ symbol: string; kind: 'NO_BUY' | 'NO_SELL' | 'NO_TRADE'; reason: string }[]> {
  return (await restrictionsFor(db, account, tradeDate)).map((r) => ({
    symbol: r.symbol,
    kind: r.kind,
    reason: `${restrictionSource(r)}: ${r.reason}`,
  }));
}
