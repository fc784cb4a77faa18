/**
 * Bulk import of a book from CSV files (formats: ./formats.ts, docs/configuration-book.md).
 *
 * All or nothing, in one transaction: every row goes through the same service as the API would
 * use (src/book/*.ts: same checks, same audit rows, `via: import` with the file and line), each
 * in its own savepoint so one bad row does not hide the next. A dry run (the default) does all of
 * it and rolls back; `apply` commits only when no row has an error. Every error names its file,
 * line and column. Importing the same files again changes nothing (every service answers
 * "unchanged" for what the book holds already), so an export imports back as it was.
 */
import path from 'node:path';
import type { Knex } from 'knex';
import { type AccountRow, overridesOf, updateAccountSettings } from '../accounts';
import { closeAccount, createAccount } from '../accounts';
import { type Actor, type BookContext, BookError, ENTITY } from '../context';
import { createHousehold, updateHousehold } from '../households';
import { createModel, publishVersion, renameModel } from '../models';
import { loadOpeningCash, loadOpeningLots, saveCashFlow } from '../opening';
import { saveAdvisor } from '../people';
import { addRestriction, sameRestriction } from '../restrictions';
import { createSecurity, updateSecurity } from '../securities';
import { KINDS, type Kind, columnOf, fileNameOf } from './formats';
import { type ParsedRow, groupModels, keyColumn, parseRows } from './rows';
import { type ImportError, readTable } from './table';

export interface ImportFile {
  /** The name used in messages (a path); its base name says the kind: accounts.csv, positions.csv… */
  name: string;
  content: string | Buffer;
  /** The kind, when the name does not say it. */
  kind?: Kind;
}

export interface ImportOptions {
  /** Commit (when no row has an error). Default false: a dry run. */
  apply?: boolean;
  actor: Pick<Actor, 'id' | 'via'>;
  /** Today's trade date (when changes take effect). */
  today: string;
}

export type Outcome = 'created' | 'updated' | 'unchanged';

export interface ImportReport {
  dryRun: boolean;
  /** True when the changes were committed. */
  applied: boolean;
  files: { file: string; kind: Kind; rows: number }[];
  errors: ImportError[];
  /** Rows per kind and outcome (as applied, or as a dry run would apply them). */
  counts: Partial<Record<Kind, Record<Outcome, number>>>;
}

/** The kind of a file from its base name (the longest known name it ends with). */
export function kindOf(name: string): Kind | undefined {
  const base = path.basename(name).toLowerCase();
  return [...KINDS]
    .sort((a, b) => b.length - a.length)
    .find(
      (k) =>
        base === fileNameOf(k) || base.endsWith(`-${fileNameOf(k)}`) || base.endsWith(`_${fileNameOf(k)}`),
    );
}

class Rollback extends Error {}

export async function importBook(db: Knex, files: ImportFile[], opts: ImportOptions): Promise<ImportReport> {
  const report: ImportReport = { dryRun: !opts.apply, applied: false, files: [], errors: [], counts: {} };
  const rows = new Map<Kind, ParsedRow[]>();
  const fileOf = new Map<Kind, string>();
  const refusedModels = new Set<string>();
  for (const f of files) {
    const kind = f.kind ?? kindOf(f.name);
    if (!kind) {
      report.errors.push({
        file: f.name,
        line: 0,
        message: `is not a book file: name it one of ${KINDS.map(fileNameOf).join(', ')}`,
      });
      continue;
    }
    if (fileOf.has(kind)) {
      report.errors.push({
        file: f.name,
        line: 0,
        message: `is a second ${fileNameOf(kind)} (the first: ${fileOf.get(kind)})`,
      });
      continue;
    }
    fileOf.set(kind, f.name);
    const table = readTable(kind, f.name, f.content);
    const checked = parseRows(kind, f.name, table.rows);
    report.errors.push(...table.errors, ...checked.errors);
    report.files.push({ file: f.name, kind, rows: table.rows.length });
    rows.set(kind, checked.parsed);
    if (kind === 'models') {
      const good = new Set(checked.parsed.map((p) => p.line));
      for (const r of table.rows) if (!good.has(r.line)) refusedModels.add(r.cells.model_id ?? '');
    }
  }
  const models = groupModels(
    rows.get('models') ?? [],
    rows.get('model-targets') ?? [],
    fileOf.get('model-targets'),
    refusedModels,
  );
  report.errors.push(...models.errors);
  try {
    await db.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['book-import']);
      const apply = new Applier(trx, opts, report);
      await apply.all(rows, models.versions);
      if (report.errors.length || !opts.apply) throw new Rollback();
    });
    report.applied = true;
  } catch (e) {
    if (!(e instanceof Rollback)) throw e;
  }
  report.errors.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  return report;
}

/** Applies parsed rows through the book's services, one savepoint each, collecting errors. */
class Applier {
  constructor(
    private readonly trx: Knex.Transaction,
    private readonly opts: ImportOptions,
    private readonly report: ImportReport,
  ) {}

  private ctx(r: { file: string; line: number }): BookContext {
    return {
      db: this.trx,
      actor: { ...this.opts.actor, file: r.file, line: r.line },
      today: this.opts.today,
    };
  }

  private count(kind: Kind, outcome: Outcome): void {
    this.report.counts[kind] ??= { created: 0, updated: 0, unchanged: 0 };
    this.report.counts[kind][outcome]++;
  }

  /**
   * Runs one row's change in a savepoint; a BookError rolls the row back (so the rows after it
   * are checked against a sound book) and becomes an error at the row's column, or where
   * `locate` puts it (a model's target rows).
   */
  private async row(
    r: ParsedRow,
    fn: () => Promise<Outcome>,
    locate?: (field: string) => { at: ParsedRow; column: string } | undefined,
  ): Promise<void> {
    await this.trx.raw('SAVEPOINT book_row');
    try {
      this.count(r.kind, await fn());
      await this.trx.raw('RELEASE SAVEPOINT book_row');
    } catch (e) {
      if (!(e instanceof BookError)) throw e;
      await this.trx.raw('ROLLBACK TO SAVEPOINT book_row');
      const field = e.field === ENTITY || e.field === '' ? '' : e.field;
      const there = field ? locate?.(field) : undefined;
      this.report.errors.push({
        file: (there?.at ?? r).file,
        line: (there?.at ?? r).line,
        column: there?.column ?? ((field && columnOf(r.kind, field)) || keyColumn(r.kind)),
        message: e.message,
      });
    }
  }

  async all(
    rows: Map<Kind, ParsedRow[]>,
    versions: ReturnType<typeof groupModels>['versions'],
  ): Promise<void> {
    const of = (k: Kind) => rows.get(k) ?? [];
    for (const r of of('advisors')) await this.row(r, () => this.advisor(r));
    const symbols = new Set(of('securities').map((r) => String(r.value.symbol)));
    for (const r of of('securities')) await this.row(r, () => this.security(r, symbols));
    for (const r of of('households')) await this.row(r, () => this.household(r));
    for (const v of versions.values()) {
      await this.row(
        v.model,
        async () => {
          const o = await this.model(v.model, v.targets);
          for (const _ of v.targets) this.count('model-targets', o);
          return o;
        },
        (field) => targetAt(field, v.targets),
      );
    }
    for (const r of of('accounts')) await this.row(r, () => this.account(r));
    for (const r of of('restrictions')) await this.row(r, () => this.restriction(r));
    await this.positions(of('positions'));
    for (const r of of('cash')) {
      await this.row(r, async () =>
        created(
          (await loadOpeningCash(this.ctx(r), String(r.value.accountId), String(r.value.amount))).changed,
        ),
      );
    }
    for (const r of of('cash-flows')) {
      await this.row(r, async () => created((await saveCashFlow(this.ctx(r), r.value as never)).changed));
    }
  }

  private async advisor(r: ParsedRow): Promise<Outcome> {
    const existed = await this.trx('advisors').where({ id: r.value.id }).first('id');
    const res = await saveAdvisor(this.ctx(r), r.value as never, { upsert: true });
    return existed ? outcome(res.changed) : 'created';
  }

  private async security(r: ParsedRow, inFile: ReadonlySet<string>): Promise<Outcome> {
    const { symbol, ...rest } = r.value as { symbol: string } & Record<string, unknown>;
    if (!(await this.trx('securities').where({ symbol }).first('symbol'))) {
      await createSecurity(this.ctx(r), r.value as never, { alsoKnown: inFile });
      return 'created';
    }
    const patch = { tlhAlternates: [], identicalGroup: null, ...rest };
    return outcome(
      (await updateSecurity(this.ctx(r), symbol, patch as never, { alsoKnown: inFile })).changed,
    );
  }

  private async household(r: ParsedRow): Promise<Outcome> {
    const row = await this.trx('households').where({ id: r.value.id }).first();
    if (!row) {
      await createHousehold(this.ctx(r), r.value as never);
      return 'created';
    }
    if (row.name === r.value.name) return 'unchanged';
    await updateHousehold(this.ctx(r), String(r.value.id), { name: String(r.value.name) });
    return 'updated';
  }

  private async model(r: ParsedRow, targets: ParsedRow[]): Promise<Outcome> {
    const v = r.value as { id: string; name: string; note?: string; settings?: Record<string, unknown> };
    const version = {
      targets: targets.map(({ value: { modelId: _m, ...t } }) => t),
      // A models.csv row states the whole version: an empty settings cell is the engine's default.
      settings: v.settings ?? {},
      ...(v.note ? { note: v.note } : {}),
    };
    const row = await this.trx('models').where({ id: v.id }).first();
    if (!row) {
      await createModel(this.ctx(r), { id: v.id, name: v.name, ...version } as never);
      return 'created';
    }
    const renamed = row.name !== v.name;
    if (renamed) await renameModel(this.ctx(r), v.id, v.name);
    const published = await publishVersion(this.ctx(r), v.id, version as never);
    return published.changed || renamed ? 'updated' : 'unchanged';
  }

  private async account(r: ParsedRow): Promise<Outcome> {
    const {
      status,
      lastTradedModelVersion: _v,
      ...v
    } = r.value as Record<string, unknown> & { id: string; status?: string };
    const row: AccountRow | undefined = await this.trx('accounts').where({ id: v.id }).first();
    const ctx = this.ctx(r);
    if (!row) {
      const created = await createAccount(ctx, r.value as never);
      if (status && status !== 'CLOSED' && created.account.status !== status) {
        throw new BookError(
          'invalid',
          'status',
          `is ${status} but the row makes the account ${created.account.status}`,
        );
      }
      if (status === 'CLOSED') await closeAccount(ctx, v.id, 'closed in the imported book');
      return 'created';
    }
    if (row.custodian_account_number !== v.custodianAccountNumber) {
      throw new BookError(
        'conflict',
        'custodianAccountNumber',
        `account ${v.id} is custodian account ${row.custodian_account_number} in the book: an account's number does not change`,
      );
    }
    if (row.status === 'CLOSED') {
      if (status === 'CLOSED') return 'unchanged';
      throw new BookError(
        'conflict',
        'status',
        `account ${v.id} is closed in the book: it does not open again`,
      );
    }
    const overrides = (v.overrides ?? {}) as Record<string, unknown>;
    const cleared = Object.keys(overridesOf(row)).filter((k) => !(k in overrides));
    const patch = {
      name: v.name,
      householdId: v.householdId,
      registration: v.registration,
      ...(v.advisorId ? { advisorId: v.advisorId } : {}),
      ...(v.modelId ? { modelId: v.modelId } : {}),
      ...(v.mode ? { mode: v.mode } : {}),
      lotMethod: v.lotMethod ?? 'MIN_TAX',
      overrides: { ...overrides, ...Object.fromEntries(cleared.map((k) => [k, null])) },
    };
    const changed = await updateAccountSettings(ctx, v.id, patch as never);
    let closed = false;
    if (status === 'CLOSED') {
      await closeAccount(ctx, v.id, 'closed in the imported book');
      closed = true;
    } else if (status && changed.account.status !== status) {
      throw new BookError(
        'invalid',
        'status',
        `is ${status} but the row makes the account ${changed.account.status}`,
      );
    }
    return changed.changed.length || closed ? 'updated' : 'unchanged';
  }

  private async restriction(r: ParsedRow): Promise<Outcome> {
    const existed = await sameRestriction(this.trx, r.value as never);
    const res = await addRestriction(this.ctx(r), r.value as never);
    return existed ? outcome(res.changed) : 'created';
  }

  /** One call per account: its lots all at once (positions are their sums). */
  private async positions(rows: ParsedRow[]): Promise<void> {
    const byAccount = new Map<string, ParsedRow[]>();
    for (const r of rows) {
      const id = String(r.value.accountId);
      byAccount.set(id, [...(byAccount.get(id) ?? []), r]);
    }
    for (const [accountId, lots] of byAccount) {
      const first = lots[0]!;
      await this.row(
        first,
        async () => {
          const res = await loadOpeningLots(
            this.ctx(first),
            accountId,
            lots.map(({ value: { accountId: _a, ...l } }) => l as never),
          );
          for (const _ of lots.slice(1)) this.count('positions', created(res.changed));
          return created(res.changed);
        },
        (field) => {
          const m = /^lots\.(\d+)\.(\w+)$/.exec(field);
          if (m) return { at: lots[Number(m[1])]!, column: columnOf('positions', m[2]!) ?? 'lot_id' };
          return { at: first, column: field === 'accountId' ? 'account_id' : 'lot_id' };
        },
      );
    }
  }
}

/** A model's error about `targets.N.field`: the target's own row and column. */
function targetAt(field: string, targets: ParsedRow[]): { at: ParsedRow; column: string } | undefined {
  const m = /^targets\.(\d+)(?:\.(\w+))?/.exec(field);
  const at = m ? targets[Number(m[1])] : undefined;
  if (!at) return undefined;
  return { at, column: (m![2] && columnOf('model-targets', m![2])) || 'symbol' };
}

const outcome = (changed: boolean): Outcome => (changed ? 'updated' : 'unchanged');
const created = (changed: boolean): Outcome => (changed ? 'created' : 'unchanged');
