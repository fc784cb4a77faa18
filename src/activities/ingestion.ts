/**
 * Start-of-day file ingestion. Reads the drop folder for one process date, parses every known file
 * with its zod schema, and applies each file in one transaction (how each kind is stored:
 * ./file-apply.ts): a bad file is recorded as REJECTED with every error (file, line, field) and
 * nothing of it is applied; re-ingesting a file with the same checksum is a no-op. A PostgreSQL
 * advisory lock serialises concurrent callers. A file whose rows parse but cannot be applied (a key
 * twice) is REJECTED too, with nothing applied.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { log } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { IngestResult } from '../contracts';
import { checksum, parseCustodianFile } from '../custodian/files';
import { type FileCode, parseFileName } from '../custodian/files/names';
import { DEFAULT_AVERAGE_PRICE_ACCOUNT } from '../custodian/port';
import type { ActivityDeps } from './deps';
import { APPLY } from './file-apply';
import { applyReferenceData } from './sync';
import { adoptNewAccounts } from './sync/new-accounts';

/** Ingests the files of one process date; shared by the morning's ingestion and confirm matching. */
export type Ingest = (processDate: string) => Promise<IngestResult>;

export function createIngest(deps: ActivityDeps): Ingest {
  const { db } = deps;
  const fileChecksum = checksumCache();
  const avgAccount = deps.averagePriceAccount ?? DEFAULT_AVERAGE_PRICE_ACCOUNT;

  return async function ingest(processDate: string): Promise<IngestResult> {
    await deps.custodian.requestStartOfDayFiles(processDate);
    const names = (await readdir(deps.dropDir).catch(() => [] as string[]))
      .filter((n) => parseFileName(n)?.processDate === processDate)
      .sort();
    const result: IngestResult = { processDate, ingested: [], skipped: [], rejected: [] };
    // Nothing new (every file's checksum recorded already, the usual case when each account's
    // confirm matching asks): no transaction, so callers do not queue on the lock holding connections.
    const sums = await Promise.all(names.map((n) => fileChecksum(path.join(deps.dropDir, n))));
    const recorded: { code: string; checksum: string }[] = sums.length
      ? await db('custodian_files')
          .where({ process_date: processDate })
          .whereIn('checksum', sums)
          .select('code', 'checksum')
      : [];
    const isRecorded = (name: string, i: number) =>
      recorded.some((r) => r.code === parseFileName(name)!.code && r.checksum === sums[i]);
    if (names.every(isRecorded)) return { ...result, skipped: names };
    await db.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`ingest:${processDate}`]);
      for (const name of names) {
        const file = path.join(deps.dropDir, name);
        const outcome = await ingestFile(trx, processDate, name, file, await fileChecksum(file));
        if (outcome.kind === 'skipped') result.skipped.push(name);
        else if (outcome.kind === 'ingested') result.ingested.push(name);
        else result.rejected.push({ file: name, errors: outcome.errors });
      }
      // What the new files change for every account at once (prices, renamed securities), and the
      // accounts they show that the book does not know yet (adopted as PENDING_SETUP).
      if (result.ingested.length > 0) {
        await applyReferenceData(trx, processDate);
        const adopted = await adoptNewAccounts(trx, processDate, [avgAccount]);
        if (adopted.length) {
          result.onboarded = adopted.map((a) => a.accountId);
          log.info('accounts adopted from the custodian', { processDate, accounts: adopted });
        }
      }
    });
    return result;
  };
}

type FileOutcome = { kind: 'skipped' } | { kind: 'ingested' } | { kind: 'rejected'; errors: string[] };

/** One file, inside the date's transaction: skipped when seen, else parsed and applied or rejected. */
async function ingestFile(
  trx: Knex.Transaction,
  processDate: string,
  name: string,
  file: string,
  sum: string,
): Promise<FileOutcome> {
  const code = parseFileName(name)!.code;
  // Seen already (same checksum): skipped before parsing it again.
  const seen = await trx('custodian_files').where({ code, process_date: processDate, checksum: sum }).first();
  if (seen) return { kind: 'skipped' };
  const parsed = parseCustodianFile(code, await readFile(file), name);
  if (!parsed.ok) {
    const errors = parsed.errors.map(
      (e) => `${e.file} line ${e.line}${e.field ? `, field ${e.field}` : ''}: ${e.message}`,
    );
    await recordFile(trx, { processDate, code, name, checksum: parsed.checksum, rows: 0, errors });
    log.warn('custodian file rejected', { file: name, errors: errors.slice(0, 5) });
    return { kind: 'rejected', errors };
  }
  try {
    await trx.transaction(async (t) => {
      await APPLY[code](t, processDate, parsed.rows, parsed.lines);
      await recordFile(t, { processDate, code, name, checksum: parsed.checksum, rows: parsed.rows.length });
    });
    return { kind: 'ingested' };
  } catch (e) {
    // Rows that parse but cannot be applied (e.g. the same lot twice): the file's savepoint is
    // rolled back, so nothing of it is applied, and the file is recorded as REJECTED.
    const errors = [`${name}: could not be applied: ${(e as Error).message}`];
    await recordFile(trx, { processDate, code, name, checksum: parsed.checksum, rows: 0, errors });
    log.warn('custodian file rejected', { file: name, errors });
    return { kind: 'rejected', errors };
  }
}

/** The `custodian_files` row of a file: INGESTED, or REJECTED with its errors. */
async function recordFile(
  trx: Knex.Transaction,
  f: { processDate: string; code: FileCode; name: string; checksum: string; rows: number; errors?: string[] },
): Promise<void> {
  await trx('custodian_files').insert({
    process_date: f.processDate,
    code: f.code,
    name: f.name,
    checksum: f.checksum,
    row_count: f.rows,
    status: f.errors ? 'REJECTED' : 'INGESTED',
    ...(f.errors ? { errors: JSON.stringify(f.errors) } : {}),
  });
}

/**
 * sha256 of each file, remembered while the file is unchanged (same inode, size and mtime): a
 * re-ingest (every account's confirm matching asks for the morning's files) then costs a stat, not a
 * read and hash of a file that grows with the number of accounts.
 */
function checksumCache(): (file: string) => Promise<string> {
  const checksums = new Map<string, { identity: string; sum: string }>();
  return async (file) => {
    const st = await stat(file, { bigint: true });
    const identity = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
    const known = checksums.get(file);
    if (known?.identity === identity) return known.sum;
    const sum = checksum(await readFile(file));
    checksums.set(file, { identity, sum });
    return sum;
  };
}

export function ingestionActivities(ingest: Ingest) {
  return {
    async ingestMorningFiles(input: { processDate: string }): Promise<IngestResult> {
      return ingest(input.processDate);
    },
  };
}
