/**
 * Temporal connectivity: any cluster through TEMPORAL_ADDRESS (with TLS or an API key for
 * Temporal Cloud), or by default the local dev server (`temporal server start-dev`, built by
 * the setup into .tools/bin) with its SQLite file under .data/ and the UI on :8233.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { type SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { type AppConfig, ROOT_DIR } from '../config';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes';

export function temporalCliPath(cfg: Pick<AppConfig, 'TEMPORAL_CLI_PATH'>): string {
  return cfg.TEMPORAL_CLI_PATH ?? path.join(ROOT_DIR, '.tools', 'bin', 'temporal');
}

/** Where the local Temporal server of this configuration listens (dev server or cluster). */
export function localTemporalAddress(
  cfg: Pick<AppConfig, 'TEMPORAL_SERVER' | 'TEMPORAL_DEV_PORT' | 'TEMPORAL_CLUSTER_PORT'>,
): string {
  return `127.0.0.1:${cfg.TEMPORAL_SERVER === 'cluster' ? cfg.TEMPORAL_CLUSTER_PORT : cfg.TEMPORAL_DEV_PORT}`;
}

export function testServerPath(): string {
  return path.join(ROOT_DIR, 'temporal-config', 'temporal-test-server.sh');
}

export function connectionOptions(
  cfg: AppConfig,
  address: string,
): ConnectionOptions & NativeConnectionOptions {
  const tlsFiles = cfg.TEMPORAL_TLS_CERT_PATH && cfg.TEMPORAL_TLS_KEY_PATH;
  const tls = tlsFiles
    ? {
        clientCertPair: {
          crt: readFileSync(cfg.TEMPORAL_TLS_CERT_PATH!),
          key: readFileSync(cfg.TEMPORAL_TLS_KEY_PATH!),
        },
        serverRootCACertificate: cfg.TEMPORAL_TLS_CA_PATH
          ? readFileSync(cfg.TEMPORAL_TLS_CA_PATH)
          : undefined,
      }
    : cfg.TEMPORAL_TLS || cfg.TEMPORAL_API_KEY
      ? true
      : undefined;
  return { address, tls, apiKey: cfg.TEMPORAL_API_KEY } as ConnectionOptions & NativeConnectionOptions;
}

function devServerArgs(cfg: AppConfig): string[] {
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    path.join(cfg.DATA_DIR, 'temporal.db'),
    '--port',
    String(cfg.TEMPORAL_DEV_PORT),
    '--ui-port',
    String(cfg.TEMPORAL_UI_PORT),
    '--namespace',
    cfg.TEMPORAL_NAMESPACE,
    '--log-level',
    'error',
  ];
  for (const key of SEARCH_ATTRIBUTE_KEYS) {
    args.push('--search-attribute', `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`);
  }
  return args;
}

/**
 * Waits until a Temporal server we started answers on `address` (up to `timeoutMs`); fails
 * with its last stderr if it exits or never answers (and then kills it).
 */
export async function waitForTemporal(
  child: ChildProcess,
  address: string,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-4000);
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}): ${stderr}`);
    try {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      await c.workflowService.getSystemInfo({});
      await c.close();
      return;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${what} did not answer on ${address} within ${timeoutMs / 1000} s: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the dev server (UI included) and waits until it answers. */
export async function startDevServer(cfg: AppConfig): Promise<DevServer> {
  const bin = temporalCliPath(cfg);
  if (!existsSync(bin)) throw new Error(`Temporal CLI not found at ${bin}: run \`npm run setup\``);
  mkdirSync(cfg.DATA_DIR, { recursive: true });
  const child = spawn(bin, devServerArgs(cfg), { stdio: ['ignore', 'ignore', 'pipe'] });
  const address = `127.0.0.1:${cfg.TEMPORAL_DEV_PORT}`;
  await waitForTemporal(child, address, 'temporal dev server');
  return {
    address,
    uiUrl: `http://localhost:${cfg.TEMPORAL_UI_PORT}`,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/** temporal.api.enums.v1.IndexedValueType numbers, for the operator service. */
const INDEXED_VALUE_TYPE: Record<SearchAttributeType, number> = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};

/** Registers our custom search attributes where missing (idempotent; needs operator rights). */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: readonly { name: string; type: SearchAttributeType }[] = SEARCH_ATTRIBUTE_KEYS,
): Promise<string[]> {
  let have = new Set<string>();
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    have = new Set(Object.keys(existing.customAttributes ?? {}));
  } catch (e) {
    // The time-skipping test server has no ListSearchAttributes; adding is enough there.
    if ((e as { code?: number }).code !== 12 /* UNIMPLEMENTED */) throw e;
  }
  const missing = keys.filter((k) => !have.has(k.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED_VALUE_TYPE[k.type]])),
  });
  return missing.map((k) => k.name);
}

export async function connectClient(cfg: AppConfig, address: string): Promise<Connection> {
  return Connection.connect(connectionOptions(cfg, address));
}

export async function connectNative(cfg: AppConfig, address: string): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(cfg, address));
}
