/**
 * The cluster topology (docs/cluster.md): temporal-server v1.29.1 on PostgreSQL (persistence and
 * SQL visibility in two databases of the same server), configured by temporal-config/cluster/,
 * with the namespace and our search attributes registered, and the Temporal UI server in front
 * of its frontend. `npm start -- --cluster`, bench:day and chaos (`--server cluster`) and the
 * cluster test run it through `startCluster`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { type AppConfig, ROOT_DIR } from '../config';
import {
  clusterBinaryPath,
  ensureClusterBinaries,
  ensureTemporalSchema,
  pgEndpoint,
  temporalSchemaDir,
} from './cluster-schema';
import { ensureSearchAttributes, waitForTemporal } from './temporal';

/**
 * Offsets from TEMPORAL_CLUSTER_PORT (temporal-config/cluster/production.yaml uses the same);
 * the membership ports are TEMPORAL_CLUSTER_MEMBERSHIP_PORT + 0..3 (frontend, history, matching,
 * worker), at most 32767: the PostgreSQL schema stores them as smallint.
 */
export const PORT_LAYOUT = {
  frontend: 0,
  history: 1,
  matching: 2,
  worker: 3,
  frontendHttp: 4,
  metrics: 5,
} as const;
export const PORTS_USED = 6;
export const MEMBERSHIP_PORTS_USED = 4;
export const MAX_MEMBERSHIP_PORT = 32767;

/** `count` consecutive free loopback ports within [min, max] (tests and benchmarks). */
export async function freePortBlock(count: number, min = 20_000, max = MAX_MEMBERSHIP_PORT): Promise<number> {
  const net = await import('node:net');
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 200; attempt++) {
    const start = min + Math.floor(Math.random() * (max - min - count));
    let ok = true;
    for (let p = start; p < start + count && ok; p++) ok = await free(p);
    if (ok) return start;
  }
  throw new Error(`no ${count} consecutive free ports between ${min} and ${max}`);
}

/**
 * History shards for this machine: 4 per core, a power of two, at least 4 (8 on 2 cores). Each
 * shard has its own task queues polling the database, so on a small machine more shards cost
 * CPU without adding throughput; the number is fixed once the database is set up.
 */
export function defaultHistoryShards(cpus = os.cpus().length): number {
  let n = 4;
  while (n < cpus * 4 && n < 512) n *= 2;
  return n;
}

export interface ClusterOptions {
  /** A PostgreSQL role that may create databases; the server's two databases live there. */
  pgAdminUrl: string;
  database?: string;
  visibilityDatabase?: string;
  /** The frontend's gRPC port; the next five are the server's too (PORT_LAYOUT). */
  port: number;
  /** The first of the four membership ports (at most 32767). */
  membershipPort: number;
  /** The UI server's port; none started when undefined. */
  uiPort?: number;
  namespace?: string;
  shards?: number;
  /** Namespace retention when it is created (days). */
  retentionDays?: number;
  /** Where the server's and the UI server's logs go (files, JSON lines). */
  logDir: string;
  logLevel?: string;
  log?: (m: string) => void;
}

export interface RunningCluster {
  address: string;
  uiUrl?: string;
  /** The server's own Prometheus endpoint. */
  metricsUrl: string;
  shards: number;
  /** The server process (pid for CPU accounting). */
  process(): ChildProcess;
  /** SIGTERM, wait for the exit, `downMs`, start again on the same databases and ports. */
  restart(downMs: number): Promise<{ stoppedInMs: number; downMs: number; startedInMs: number }>;
  stop(): Promise<void>;
}

function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
  });
}

async function ensureNamespace(address: string, namespace: string, retentionDays: number): Promise<boolean> {
  const c = await Connection.connect({ address });
  try {
    try {
      await c.workflowService.describeNamespace({ namespace });
      return false;
    } catch (e) {
      if ((e as { code?: number }).code !== 5 /* NOT_FOUND */) throw e;
    }
    await c.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
      description: 'zoe daily trading (docs/cluster.md)',
    });
    return true;
  } finally {
    await c.close();
  }
}

/**
 * Our search attributes on the namespace. A namespace registered a moment ago is not in the
 * frontend's namespace cache yet (NOT_FOUND until its refresh, about 10 s): asked again until then.
 */
async function registerSearchAttributes(address: string, namespace: string): Promise<string[]> {
  const c = await Connection.connect({ address });
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      try {
        return await ensureSearchAttributes(c, namespace);
      } catch (e) {
        if ((e as { code?: number }).code !== 5 || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await c.close();
  }
}

async function waitForHttp(
  url: string,
  child: ChildProcess,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}); see its log`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (r.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${what} did not answer on ${url} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Brings the cluster up: binaries (built if missing), both databases at the latest schema,
 * the server, the namespace and our search attributes (the server is started once more after
 * a first registration, so that every service's cache holds them), then the UI server.
 */
export async function startCluster(opts: ClusterOptions): Promise<RunningCluster> {
  const log = opts.log ?? (() => {});
  const namespace = opts.namespace ?? 'default';
  const database = opts.database ?? 'temporal';
  const visibilityDatabase = opts.visibilityDatabase ?? 'temporal_visibility';
  const shards = opts.shards ?? defaultHistoryShards();
  if (opts.membershipPort + MEMBERSHIP_PORTS_USED - 1 > MAX_MEMBERSHIP_PORT)
    throw new Error(
      `TEMPORAL_CLUSTER_MEMBERSHIP_PORT ${opts.membershipPort}: the four membership ports must be at most ${MAX_MEMBERSHIP_PORT} (the server's PostgreSQL schema keeps them as smallint)`,
    );
  ensureClusterBinaries(log);
  const schemaDir = temporalSchemaDir();
  const t0 = Date.now();
  const main = await ensureTemporalSchema({
    adminUrl: opts.pgAdminUrl,
    database,
    kind: 'temporal',
    schemaDir,
  });
  await ensureTemporalSchema({
    adminUrl: opts.pgAdminUrl,
    database: visibilityDatabase,
    kind: 'visibility',
    schemaDir,
  });
  log(
    `Temporal databases ${database}, ${visibilityDatabase} ${main.created ? 'created' : 'current'} in ${Date.now() - t0} ms`,
  );

  mkdirSync(opts.logDir, { recursive: true });
  const ep = pgEndpoint(opts.pgAdminUrl);
  const address = `127.0.0.1:${opts.port + PORT_LAYOUT.frontend}`;
  const serverEnv: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_CLUSTER_PORT: String(opts.port),
    TEMPORAL_CLUSTER_MEMBERSHIP_PORT: String(opts.membershipPort),
    TEMPORAL_BIND_IP: '127.0.0.1',
    TEMPORAL_PG_HOST: ep.host,
    TEMPORAL_PG_PORT: ep.port,
    TEMPORAL_PG_USER: ep.user,
    TEMPORAL_PG_PASSWORD: ep.password,
    TEMPORAL_PG_TLS: ep.tls ? '1' : '',
    TEMPORAL_DB: database,
    TEMPORAL_VISIBILITY_DB: visibilityDatabase,
    TEMPORAL_NUM_HISTORY_SHARDS: String(shards),
    TEMPORAL_LOG_LEVEL: opts.logLevel ?? 'warn',
    TEMPORAL_DYNAMIC_CONFIG: path.join(ROOT_DIR, 'temporal-config', 'cluster', 'dynamicconfig.yaml'),
  };
  const serverLog = path.join(opts.logDir, 'temporal-server.log');
  const spawnServer = async (): Promise<ChildProcess> => {
    const out = createWriteStream(serverLog, { flags: 'a' });
    const child = spawn(
      clusterBinaryPath('temporal-server'),
      [
        '--root',
        ROOT_DIR,
        '--config',
        'temporal-config/cluster',
        '--env',
        'production',
        '--allow-no-auth',
        'start',
      ],
      { env: serverEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.pipe(out);
    child.stderr?.pipe(out, { end: false });
    await waitForTemporal(child, address, `temporal-server (log ${serverLog})`, 120_000);
    return child;
  };
  const t1 = Date.now();
  let server = await spawnServer();
  log(`temporal-server up on ${address} in ${Date.now() - t1} ms (${shards} history shards)`);
  const retention = opts.retentionDays ?? 7;
  const registered = await ensureNamespace(address, namespace, retention);
  const added = await registerSearchAttributes(address, namespace);
  if (registered || added.length > 0) {
    log(
      `registered ${[registered ? `namespace ${namespace}` : '', ...added].filter(Boolean).join(', ')}; starting the server once more so every service sees them`,
    );
    await stopProcess(server);
    server = await spawnServer();
  }

  let ui: ChildProcess | undefined;
  let uiUrl: string | undefined;
  if (opts.uiPort !== undefined) {
    const out = createWriteStream(path.join(opts.logDir, 'temporal-ui-server.log'), { flags: 'a' });
    ui = spawn(
      clusterBinaryPath('temporal-ui-server'),
      ['--root', ROOT_DIR, '--config', 'temporal-config/ui', '--env', 'cluster', 'start'],
      {
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: address,
          TEMPORAL_UI_PORT: String(opts.uiPort),
          TEMPORAL_NAMESPACE: namespace,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    ui.stdout?.pipe(out);
    ui.stderr?.pipe(out, { end: false });
    uiUrl = `http://localhost:${opts.uiPort}`;
    await waitForHttp(`http://127.0.0.1:${opts.uiPort}/`, ui, 'temporal-ui-server');
  }
  return {
    address,
    uiUrl,
    metricsUrl: `http://127.0.0.1:${opts.port + PORT_LAYOUT.metrics}/metrics`,
    shards,
    process: () => server,
    async restart(downMs) {
      const a = Date.now();
      await stopProcess(server);
      const b = Date.now();
      await new Promise((r) => setTimeout(r, downMs));
      const c = Date.now();
      server = await spawnServer();
      return { stoppedInMs: b - a, downMs: c - b, startedInMs: Date.now() - c };
    },
    async stop() {
      if (ui) await stopProcess(ui, 5000);
      await stopProcess(server);
    },
  };
}

/** The cluster of `npm start -- --cluster` from the configuration (docs/cluster.md). */
export function clusterOptions(
  cfg: AppConfig,
  bookDatabaseUrl: string,
  log?: (m: string) => void,
): ClusterOptions {
  return {
    pgAdminUrl: cfg.TEMPORAL_CLUSTER_DATABASE_URL ?? bookDatabaseUrl,
    database: cfg.TEMPORAL_CLUSTER_DB,
    visibilityDatabase: cfg.TEMPORAL_CLUSTER_VISIBILITY_DB,
    port: cfg.TEMPORAL_CLUSTER_PORT,
    membershipPort: cfg.TEMPORAL_CLUSTER_MEMBERSHIP_PORT,
    uiPort: cfg.TEMPORAL_UI_PORT,
    namespace: cfg.TEMPORAL_NAMESPACE,
    shards: cfg.TEMPORAL_NUM_HISTORY_SHARDS,
    logDir: path.join(cfg.DATA_DIR, 'logs'),
    log,
  };
}
