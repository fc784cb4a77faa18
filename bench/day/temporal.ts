/**
 * The Temporal server of a benchmark or chaos run (`--server dev|cluster`), all its own:
 *   dev      `temporal server start-dev` (the CLI's SQLite server) on free ports, its SQLite file
 *            in a temporary directory (bench:day passes `inMemory` for the in-memory database)
 *   cluster  temporal-server v1.29.1 on the run's own PostgreSQL (two more databases there),
 *            configured by temporal-config/cluster/ (src/infra/cluster.ts, docs/cluster.md)
 * Both can be restarted on the same data (chaos server-restart).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import pg from 'pg';
import type { AppConfig } from '../../src/config';
import { MEMBERSHIP_PORTS_USED, PORTS_USED, freePortBlock, startCluster } from '../../src/infra/cluster';
import { databaseUrl, freePort } from '../../src/infra/postgres';
import { type DevServer, startDevServer, temporalCliPath } from '../../src/infra/temporal';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/search-attributes';

export type ServerKind = 'dev' | 'cluster';
export const SERVER_KINDS: readonly ServerKind[] = ['dev', 'cluster'];

export interface BenchTemporal {
  kind: ServerKind;
  address: string;
  namespace: string;
  /** Where its data or logs are, for the progress lines. */
  describe: string;
  client: Client;
  connection: Connection;
  /** The server's pid now (it changes on restart), for the CPU sampler. */
  pid(): number | undefined;
  /** SIGTERM, wait for the exit, `downMs`, start again on the same data and ports. */
  restart(downMs: number): Promise<{ stoppedInMs: number; downMs: number; startedInMs: number }>;
  stop(): Promise<void>;
}

async function devServer(): Promise<BenchTemporal> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zoe-bench-temporal-'));
  const cfg = {
    DATA_DIR: dataDir,
    TEMPORAL_DEV_PORT: await freePort(),
    TEMPORAL_UI_PORT: await freePort(),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH,
  } as AppConfig;
  let server: DevServer = await startDevServer(cfg);
  const connection = await Connection.connect({ address: server.address });
  return {
    kind: 'dev',
    address: server.address,
    namespace: 'default',
    describe: `Temporal dev server on ${server.address} (SQLite in ${dataDir})`,
    client: new Client({ connection, namespace: 'default' }),
    connection,
    pid: () => server.process.pid,
    async restart(downMs) {
      const t0 = Date.now();
      await server.stop();
      const t1 = Date.now();
      await new Promise((r) => setTimeout(r, downMs));
      const t2 = Date.now();
      server = await startDevServer(cfg);
      return { stoppedInMs: t1 - t0, downMs: t2 - t1, startedInMs: Date.now() - t2 };
    },
    async stop() {
      await connection.close().catch(() => undefined);
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The dev server with its in-memory database, as bench:day has always measured it (the SDK's
 * launcher); no restart. Its banner goes to stderr through a wrapper, so stdout stays JSON.
 */
async function inMemoryDevServer(): Promise<BenchTemporal> {
  const wrapperDir = mkdtempSync(path.join(os.tmpdir(), 'zoe-bench-temporal-'));
  const cli = temporalCliPath({ TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH });
  const wrapper = path.join(wrapperDir, 'temporal');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${JSON.stringify(cli)} "$@" 1>&2\n`, { mode: 0o755 });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: wrapper },
      searchAttributes: [...SEARCH_ATTRIBUTE_KEYS],
      extraArgs: ['--log-level', 'error'],
    },
  });
  return {
    kind: 'dev',
    address: env.address,
    namespace: env.namespace ?? 'default',
    describe: `Temporal dev server on ${env.address} (in-memory SQLite)`,
    client: env.client,
    connection: env.connection,
    pid: () => undefined,
    restart: () => Promise.reject(new Error('the in-memory dev server cannot be restarted')),
    async stop() {
      await env.teardown();
      rmSync(wrapperDir, { recursive: true, force: true });
    },
  };
}

async function clusterServer(
  pgUrl: string,
  log: (m: string) => void,
  embeddedPg: boolean,
  name?: string,
): Promise<BenchTemporal> {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'zoe-bench-cluster-'));
  const suffix = name ? `${name}_${process.pid}` : `${process.pid}`;
  const database = `temporal_bench_${suffix}`;
  const visibilityDatabase = `temporal_visibility_bench_${suffix}`;
  const port = await freePortBlock(PORTS_USED);
  let membershipPort = await freePortBlock(MEMBERSHIP_PORTS_USED);
  while (membershipPort < port + PORTS_USED && membershipPort + MEMBERSHIP_PORTS_USED > port)
    membershipPort = await freePortBlock(MEMBERSHIP_PORTS_USED);
  const t0 = Date.now();
  const cluster = await startCluster({
    pgAdminUrl: pgUrl,
    database,
    visibilityDatabase,
    port,
    membershipPort,
    logDir,
    log,
  });
  log(`cluster server ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const connection = await Connection.connect({ address: cluster.address });
  return {
    kind: 'cluster',
    address: cluster.address,
    namespace: 'default',
    describe: `temporal-server on ${cluster.address} (${cluster.shards} shards, PostgreSQL databases ${database}, ${visibilityDatabase}; logs ${logDir})`,
    client: new Client({ connection, namespace: 'default' }),
    connection,
    pid: () => cluster.process().pid,
    restart: (downMs) => cluster.restart(downMs),
    async stop() {
      await connection.close().catch(() => undefined);
      await cluster.stop();
      if (!embeddedPg || name) {
        // A server of someone else's, or a second server of the run (the no-op tree's): its two
        // databases go (an embedded PostgreSQL goes whole at the end).
        const admin = new pg.Client({ connectionString: databaseUrl(pgUrl, 'postgres') });
        await admin.connect();
        for (const db of [database, visibilityDatabase])
          await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
        await admin.end();
      }
      rmSync(logDir, { recursive: true, force: true });
    },
  };
}

export function startBenchTemporal(opts: {
  kind: ServerKind;
  /** dev only: the in-memory database (no restart) instead of a SQLite file. */
  inMemory?: boolean;
  /** The run's PostgreSQL (the cluster keeps its databases there). */
  pgUrl: string;
  embeddedPg: boolean;
  log: (m: string) => void;
  /** A second server in one run (bench:day's no-op tree): cluster databases named after it. */
  name?: string;
}): Promise<BenchTemporal> {
  if (opts.kind === 'cluster') return clusterServer(opts.pgUrl, opts.log, opts.embeddedPg, opts.name);
  return opts.inMemory ? inMemoryDevServer() : devServer();
}
