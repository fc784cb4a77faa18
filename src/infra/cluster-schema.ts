/**
 * The cluster topology's binaries and databases (docs/cluster.md): temporal-server,
 * temporal-sql-tool and temporal-ui-server in .tools/bin (built by `node scripts/setup.mjs
 * --for=cluster`), and the two PostgreSQL databases the server keeps, created and brought to the
 * latest schema with temporal-sql-tool from the server module's own schema/postgresql/v12.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ROOT_DIR } from '../config';
import { databaseUrl } from './postgres';

/** The server release the project builds (scripts/setup.mjs TEMPORAL_SERVER_VERSION). */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

export type ClusterBinary = 'temporal-server' | 'temporal-sql-tool' | 'temporal-ui-server';
export const CLUSTER_BINARIES: readonly ClusterBinary[] = [
  'temporal-server',
  'temporal-sql-tool',
  'temporal-ui-server',
];

export function clusterBinaryPath(name: ClusterBinary): string {
  return path.join(ROOT_DIR, '.tools', 'bin', name);
}

/**
 * Builds whatever cluster binary is missing with the project's setup (go install; minutes the
 * first time). Its output goes to our stderr, so that a command whose stdout is JSON stays so.
 */
export function ensureClusterBinaries(log: (m: string) => void = () => {}): void {
  const missing = CLUSTER_BINARIES.filter((b) => !existsSync(clusterBinaryPath(b)));
  if (missing.length === 0) return;
  log(`building ${missing.join(', ')} (node scripts/setup.mjs --for=cluster)…`);
  const r = spawnSync(process.execPath, [path.join(ROOT_DIR, 'scripts', 'setup.mjs'), '--for=cluster'], {
    cwd: ROOT_DIR,
    stdio: ['ignore', 2, 2],
  });
  if (r.status !== 0)
    throw new Error(`node scripts/setup.mjs --for=cluster failed (exit ${r.status}): see its output above`);
}

/**
 * The server module's PostgreSQL schemas, where `go install` left its source: the Go module
 * cache (`go env GOMODCACHE`). TEMPORAL_SCHEMA_DIR points elsewhere (a copy of the module's
 * schema/postgresql/v12) on a machine without Go.
 */
export function temporalSchemaDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.TEMPORAL_SCHEMA_DIR;
  let dir = override;
  if (!dir) {
    const r = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' });
    if (r.status !== 0 || !r.stdout.trim())
      throw new Error(
        'cannot find the Temporal server schemas: `go env GOMODCACHE` failed; set TEMPORAL_SCHEMA_DIR to the server module’s schema/postgresql/v12',
      );
    dir = path.join(
      r.stdout.trim(),
      `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`,
      'schema/postgresql/v12',
    );
  }
  for (const sub of ['temporal/versioned', 'visibility/versioned']) {
    if (!existsSync(path.join(dir, sub)))
      throw new Error(
        `${path.join(dir, sub)} does not exist: ${override ? 'TEMPORAL_SCHEMA_DIR is not a schema/postgresql/v12 directory' : 'run `npm run setup -- --for=cluster` (go install puts the module there)'}`,
      );
  }
  return dir;
}

/** host, port, user, password and TLS of a postgres:// URL, for the server config and the sql tool. */
export interface PgEndpoint {
  host: string;
  port: string;
  user: string;
  password: string;
  tls: boolean;
}

export function pgEndpoint(url: string): PgEndpoint {
  const u = new URL(url);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    throw new Error(`not a postgres:// URL: ${u.protocol}//${u.host}`);
  if (!u.username) throw new Error(`the PostgreSQL URL for Temporal names no user (${u.host})`);
  const mode = u.searchParams.get('sslmode');
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port || '5432',
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    tls: mode !== null && mode !== 'disable',
  };
}

async function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl(adminUrl, 'postgres') });
  await client.connect();
  try {
    return ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

function sqlTool(ep: PgEndpoint, database: string, args: string[]): Promise<string> {
  const bin = clusterBinaryPath('temporal-sql-tool');
  const argv = ['--plugin', 'postgres12', '--ep', ep.host, '-p', ep.port, '-u', ep.user, '--db', database];
  if (ep.tls) argv.push('--tls');
  return new Promise((resolve, reject) => {
    // The password goes in the environment, not on a command line anyone can read in ps.
    const child = spawn(bin, [...argv, ...args], {
      env: { ...process.env, SQL_PASSWORD: ep.password },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      out += String(d);
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(
            new Error(`temporal-sql-tool ${args[0]} on ${database} failed (${code}): ${out.slice(-2000)}`),
          ),
    );
  });
}

/**
 * Creates `database` if missing (create-database, then setup-schema -v 0.0 for the versioning
 * tables) and brings it to the latest schema version (update-schema -d …/versioned). Idempotent:
 * on an existing database only the update runs, which does nothing when it is current.
 */
export async function ensureTemporalSchema(opts: {
  adminUrl: string;
  database: string;
  kind: 'temporal' | 'visibility';
  schemaDir: string;
}): Promise<{ created: boolean }> {
  const ep = pgEndpoint(opts.adminUrl);
  const created = !(await databaseExists(opts.adminUrl, opts.database));
  if (created) {
    await sqlTool(ep, opts.database, ['create-database', '--defaultdb', 'postgres']);
    await sqlTool(ep, opts.database, ['setup-schema', '-v', '0.0']);
  }
  await sqlTool(ep, opts.database, [
    'update-schema',
    '-d',
    path.join(opts.schemaDir, opts.kind, 'versioned'),
  ]);
  return { created };
}
