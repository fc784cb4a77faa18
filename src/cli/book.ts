/**
 * The book's CSV files from the command line (formats: docs/configuration-book.md):
 *
 *   book import PATH… [--apply --by NAME]   PATH: a directory (its *.csv files) or CSV files
 *   book export DIR                          writes every file of the book into DIR
 *
 * Import is a dry run unless `--apply`: it checks every row against the book and prints every
 * mistake as `file line N, column C: reason`, and what it would create, update or leave
 * unchanged; it writes nothing. `--apply` commits all of it in one transaction, or nothing when a
 * row is wrong (exit 2). Audited `via: import` with the name given to --by and the file and line.
 */
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import { exportBook } from '../book/csv/export';
import { type ImportFile, type ImportReport, importBook } from '../book/csv/import';
import { formatError } from '../book/csv/table';
import { cliText } from './args';

export interface BookCliDeps {
  db: Knex;
  today: () => string;
}

export interface BookCliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const USAGE = 'usage: book import PATH… [--apply --by NAME] | book export DIR';

class UsageError extends Error {}

/** The CSV files a path names: the file, or a directory's *.csv files in name order. */
function filesAt(p: string): ImportFile[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(p);
  } catch {
    throw new UsageError(`${p}: no such file or directory`);
  }
  if (!st.isDirectory()) return [{ name: p, content: readFileSync(p) }];
  const names = readdirSync(p)
    .filter((n) => n.toLowerCase().endsWith('.csv'))
    .sort();
  if (names.length === 0) throw new UsageError(`${p}: holds no .csv files`);
  return names.map((n) => ({ name: path.join(p, n), content: readFileSync(path.join(p, n)) }));
}

function summary(r: ImportReport): string[] {
  const lines = Object.entries(r.counts).map(
    ([kind, c]) => `  ${kind}: ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged`,
  );
  const verdict = r.applied
    ? 'applied'
    : r.errors.length
      ? `refused: ${r.errors.length} mistake${r.errors.length === 1 ? '' : 's'}, nothing applied`
      : 'dry run: nothing applied (run again with --apply --by NAME to apply)';
  return [...lines, verdict];
}

/** Runs `book import|export …`; returns the exit code (2: mistakes in the files or the command). */
export async function runBookCommand(deps: BookCliDeps, argv: string[], io: BookCliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { apply: { type: 'boolean' }, by: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    const [group, verb, ...paths] = positionals;
    if (group !== 'book') throw new UsageError(USAGE);
    if (verb === 'export') {
      if (paths.length !== 1) throw new UsageError(USAGE);
      const dir = paths[0]!;
      mkdirSync(dir, { recursive: true });
      const files = await exportBook(deps.db);
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
      io.out(`wrote ${Object.keys(files).length} files to ${dir}: ${Object.keys(files).join(', ')}`);
      return 0;
    }
    if (verb !== 'import' || paths.length === 0) throw new UsageError(USAGE);
    const by = cliText('by', values.by, 200);
    if (values.apply && !by) throw new UsageError('--apply needs --by NAME (who, for the audit log)');
    const report = await importBook(deps.db, paths.flatMap(filesAt), {
      apply: values.apply ?? false,
      actor: { id: by ?? 'dry-run', via: 'import' },
      today: deps.today(),
    });
    for (const f of report.files) io.out(`${f.file}: ${f.kind}, ${f.rows} rows`);
    for (const e of report.errors) io.err(formatError(e));
    for (const l of summary(report)) io.out(l);
    return report.errors.length ? 2 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}`);
      return 2;
    }
    if (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`error: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
