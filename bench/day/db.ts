/**
 * The benchmark's database: DATABASE_URL (a fresh database `zoe_bench_<pid>` is created on that
 * server and dropped at the end) or an embedded PostgreSQL of its own on a free port, with its
 * data under .data/bench-pg-<pid>, removed at the end (kept with BENCH_KEEP_DATA=1).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import pg from 'pg';
import { ROOT_DIR } from '../../src/config';
import { createKnex, migrateLatest } from '../../src/db/knex';
import { databaseUrl, ensureDatabase, freePort, startEmbeddedPostgres } from '../../src/infra/postgres';

export interface BenchDb {
  url: string;
  embedded: boolean;
  /** The embedded server's data directory. */
  dataDir?: string;
  /**
   * The embedded server itself (bench/chaos takes it down and brings it back): `stop` stops the
   * server and keeps its data; `start` starts it again on the same data directory and port.
   */
  server?: { stop(): Promise<void>; start(): Promise<void> };
  db: Knex;
  stop(): Promise<void>;
}

/** The server flag that loads pg_stat_statements (`--pg-stats`). */
const PG_STATS_FLAGS = [
  '-c',
  'shared_preload_libraries=pg_stat_statements',
  '-c',
  'pg_stat_statements.max=2000',
];

export async function openBenchDb(opts: { pool: number; pgStats?: boolean }): Promise<BenchDb> {
  const name = `zoe_bench_${process.pid}`;
  if (process.env.DATABASE_URL) {
    const url = databaseUrl(process.env.DATABASE_URL, name);
    await ensureDatabase(url);
    const db = createKnex(url, { max: opts.pool });
    await migrateLatest(db);
    if (opts.pgStats)
      await enableStatements(db, 'on DATABASE_URL, add pg_stat_statements to its shared_preload_libraries');
    return {
      url,
      embedded: false,
      db,
      async stop() {
        await db.destroy();
        const admin = new pg.Client({ connectionString: databaseUrl(url, 'postgres') });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
        await admin.end();
      },
    };
  }
  const dataDir = path.join(process.env.DATA_DIR ?? path.join(ROOT_DIR, '.data'), `bench-pg-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  const port = await freePort();
  const postgresFlags = opts.pgStats ? PG_STATS_FLAGS : undefined;
  let server = await startEmbeddedPostgres({ dataDir, port, postgresFlags });
  const url = databaseUrl(server.adminUrl, 'zoe_bench');
  try {
    await ensureDatabase(url);
    const db = createKnex(url, { max: opts.pool });
    await migrateLatest(db);
    if (opts.pgStats) await enableStatements(db, 'the embedded server was started without it');
    return {
      url,
      embedded: true,
      dataDir,
      server: {
        stop: () => server.stop(),
        async start() {
          server = await startEmbeddedPostgres({ dataDir, port, postgresFlags });
        },
      },
      db,
      async stop() {
        await db.destroy().catch(() => undefined);
        await server.stop().catch(() => undefined);
        // BENCH_KEEP_DATA=1 keeps the data directory, to look into a run afterwards.
        if (process.env.BENCH_KEEP_DATA === '1')
          process.stderr.write(`[bench] PostgreSQL data kept in ${dataDir}\n`);
        else rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await server.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Indexes the benchmark found missing (sequential scans per account that grow with the number of
 * accounts; see the JSON's db.topSeqScans). Not in migrations/: `--proposed-indexes` creates them
 * in the benchmark's own database only, to measure what a migration adding them would buy.
 */
export const PROPOSED_INDEXES = [
  // SimCustodian.toApi: executions of one order, on every order read (create, find, poll).
  'CREATE INDEX IF NOT EXISTS bench_sim_executions_order_id ON sim.executions (order_id)',
  // matchConfirms: the custodian's trades of one account on the trade date.
  'CREATE INDEX IF NOT EXISTS bench_custodian_trades_account ON custodian_trades (trade_date, account_number)',
  // loadSnapshot: the household's accounts (wash-sale window).
  'CREATE INDEX IF NOT EXISTS bench_accounts_household ON accounts (household_id)',
];

export async function createProposedIndexes(db: Knex): Promise<string[]> {
  for (const sql of PROPOSED_INDEXES) await db.raw(sql);
  return PROPOSED_INDEXES.map((s) => /ON (\S+ \([^)]*\))/.exec(s)?.[1] ?? s);
}

async function enableStatements(db: Knex, hint: string): Promise<void> {
  try {
    await db.raw('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await db.raw('SELECT pg_stat_statements_reset()');
  } catch (e) {
    throw new Error(`--pg-stats: pg_stat_statements is not available (${hint}): ${String(e)}`);
  }
}

/** Forgets the statements counted so far (the seed's), so that the report covers the day only. */
export async function resetStatements(db: Knex): Promise<void> {
  await db.raw('SELECT pg_stat_statements_reset()');
}

export interface StatementStat {
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  rows: number;
}

/**
 * The statements of this database with the most execution time since the last reset
 * (pg_stat_statements; time inside PostgreSQL, lock waits included, not the round trip), the top `n`
 * by time and by calls, and the totals over all of them.
 */
export async function topStatements(
  db: Knex,
  n: number,
): Promise<{
  statements: number;
  calls: number;
  totalMs: number;
  top: StatementStat[];
  mostCalled: StatementStat[];
}> {
  const where = 'WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())';
  const totals = await db.raw(
    `SELECT count(*) AS statements, coalesce(sum(calls), 0) AS calls, coalesce(sum(total_exec_time), 0) AS ms FROM pg_stat_statements ${where}`,
  );
  const list = (order: string) =>
    db.raw(
      `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 200) AS query, calls, total_exec_time AS ms, rows FROM pg_stat_statements ${where} ORDER BY ${order} DESC LIMIT ?`,
      [n],
    );
  const [top, most] = [await list('total_exec_time'), await list('calls')];
  const t = totals.rows[0] as { statements: string; calls: string; ms: number };
  return {
    statements: Number(t.statements),
    calls: Number(t.calls),
    totalMs: Math.round(Number(t.ms) * 10) / 10,
    top: stats(top.rows),
    mostCalled: stats(most.rows),
  };
}

function stats(rows: { query: string; calls: string; ms: number; rows: string }[]): StatementStat[] {
  return rows.map((r) => ({
    query: r.query,
    calls: Number(r.calls),
    totalMs: Math.round(Number(r.ms) * 10) / 10,
    meanMs: Math.round((Number(r.ms) / Math.max(1, Number(r.calls))) * 1000) / 1000,
    rows: Number(r.rows),
  }));
}
