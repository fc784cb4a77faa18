/**
 * Brings up (or connects to) the parts the commands need: the database (DATABASE_URL, the
 * embedded PostgreSQL a running `npm start` serves from .data/, or one started for the command), Temporal (TEMPORAL_ADDRESS or the dev server), the
 * custodian (CUSTODIAN_URL or the simulator). Each returns a stop function.
 */
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import type { Knex } from 'knex';
import { type AppConfig, ascendCredentials, simToken, workerCustodian } from '../config';
import { simAuthFor } from '../custodian/client';
import type { CustodianPort } from '../custodian/port';
import { type RunningSim, startSimServer } from '../custodian/sim/server';
import { createKnex, migrateLatest } from '../db/knex';
import { type RunningCluster, clusterOptions, startCluster } from '../infra/cluster';
import { startMailSink, startMailSinkWeb } from '../infra/mail-sink';
import { attachRunningPostgres, databaseUrl, ensureDatabase, startEmbeddedPostgres } from '../infra/postgres';
import {
  type DevServer,
  connectClient,
  ensureSearchAttributes,
  localTemporalAddress,
  startDevServer,
} from '../infra/temporal';

export interface Database {
  url: string;
  db: Knex;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function openDatabase(cfg: AppConfig, log: (m: string) => void = () => {}): Promise<Database> {
  if (cfg.DATABASE_URL) {
    await ensureDatabase(cfg.DATABASE_URL);
    const db = createKnex(cfg.DATABASE_URL, { max: cfg.DB_POOL_MAX });
    const applied = await migrateLatest(db);
    if (applied.length) log(`migrations applied: ${applied.join(', ')}`);
    return { url: cfg.DATABASE_URL, db, embedded: false, stop: () => db.destroy() };
  }
  // A running `npm start` serves this data directory already: use its server (it stays up after).
  const dataDir = path.join(cfg.DATA_DIR, 'pg');
  const running = await attachRunningPostgres(dataDir);
  if (running) log(`using the embedded PostgreSQL already running on port ${running.port} (${dataDir})`);
  const pg = running ?? (await startEmbeddedPostgres({ dataDir, port: cfg.EMBEDDED_PG_PORT }));
  const url = databaseUrl(pg.adminUrl, 'zoe');
  await ensureDatabase(url);
  const db = createKnex(url, { max: cfg.DB_POOL_MAX });
  const applied = await migrateLatest(db);
  if (applied.length) log(`migrations applied: ${applied.join(', ')}`);
  return {
    url,
    db,
    embedded: true,
    async stop() {
      await db.destroy();
      await pg.stop();
    },
  };
}

export interface TemporalRuntime {
  address: string;
  uiUrl?: string;
  client: Connection;
  devServer?: DevServer;
  stop(): Promise<void>;
}

export async function openTemporal(
  cfg: AppConfig,
  opts: { startDevServer: boolean; databaseUrl?: string; log?: (m: string) => void },
): Promise<TemporalRuntime> {
  let devServer: DevServer | undefined;
  let cluster: RunningCluster | undefined;
  let address = cfg.TEMPORAL_ADDRESS;
  if (!address) {
    if (!opts.startDevServer) address = localTemporalAddress(cfg);
    else if (cfg.TEMPORAL_SERVER === 'cluster') {
      if (!opts.databaseUrl) throw new Error('the cluster server needs a PostgreSQL URL');
      cluster = await startCluster(clusterOptions(cfg, opts.databaseUrl, opts.log));
      address = cluster.address;
    } else {
      devServer = await startDevServer(cfg);
      address = devServer.address;
    }
  }
  const client = await connectClient(cfg, address);
  try {
    await ensureSearchAttributes(client, cfg.TEMPORAL_NAMESPACE);
  } catch (e) {
    // Temporal Cloud registers search attributes in its console, not through the operator API.
    console.warn(
      `could not register search attributes (${(e as Error).message}); register them by hand: see docs/configuration.md`,
    );
  }
  return {
    address,
    uiUrl: devServer?.uiUrl ?? cluster?.uiUrl,
    client,
    devServer,
    async stop() {
      await client.close();
      await devServer?.stop();
      await cluster?.stop();
    },
  };
}

export interface CustodianRuntime {
  url: string;
  port: CustodianPort;
  sim?: RunningSim;
  stop(): Promise<void>;
}

export async function openCustodian(cfg: AppConfig, db: Knex): Promise<CustodianRuntime> {
  if (cfg.CUSTODIAN_URL) {
    return { url: cfg.CUSTODIAN_URL, port: workerCustodian(cfg, cfg.CUSTODIAN_URL), stop: async () => {} };
  }
  const sim = await startSimServer({
    // The embedded simulator serves the Ascend SDK with its own service account (made once).
    auth: simAuthFor(ascendCredentials(cfg)),
    token: simToken(cfg),
    allowedHosts: cfg.CUSTODIAN_SIM_ALLOWED_HOSTS,
    db,
    port: cfg.CUSTODIAN_PORT,
    dropDir: cfg.custodianDropDir,
    correspondent: cfg.CUSTODIAN_CORRESPONDENT,
    fillModel: {
      seed: cfg.SIM_SEED,
      partialFillRate: cfg.SIM_PARTIAL_FILL_RATE,
      rejectRate: cfg.SIM_REJECT_RATE,
      gradualFillRate: cfg.SIM_GRADUAL_FILL_RATE,
      gradualSlices: cfg.SIM_GRADUAL_SLICES,
      gradualSliceMs: cfg.SIM_GRADUAL_SLICE_MS,
      overfillRate: cfg.SIM_OVERFILL_RATE,
    },
  });
  return { url: sim.url, port: workerCustodian(cfg, sim.url), sim, stop: () => sim.close() };
}

export interface MailRuntime {
  /** The configuration `npm start` runs with: SMTP pointed at the sink unless SMTP_HOST is set. */
  cfg: AppConfig;
  /** The sink's web view and mbox file, when `npm start` runs the sink. */
  sink?: { webUrl: string; mboxPath: string; smtpPort: number };
  stop(): Promise<void>;
}

/**
 * Without SMTP_HOST, `npm start` runs a local SMTP sink (MAIL_SINK_PORT, its mailbox on the web at
 * MAIL_SINK_WEB_PORT and in DATA_DIR/mail/sink.mbox) and sends the demo day's mail there, to ops and
 * trading addresses of its own when NOTIFY_OPS_EMAIL / NOTIFY_TRADING_EMAIL are not set; the demo
 * clock's reminder comes a minute before its cut-off.
 */
export async function openMail(cfg: AppConfig, opts: { demoClock: boolean }): Promise<MailRuntime> {
  if (cfg.SMTP_HOST) return { cfg, stop: async () => {} };
  const mboxPath = path.join(cfg.DATA_DIR, 'mail', 'sink.mbox');
  const sink = await startMailSink({ port: cfg.MAIL_SINK_PORT, mboxPath });
  const web = await startMailSinkWeb(sink, { port: cfg.MAIL_SINK_WEB_PORT });
  return {
    cfg: {
      ...cfg,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: sink.port,
      SMTP_TLS: 'none',
      NOTIFY_OPS_EMAIL: cfg.NOTIFY_OPS_EMAIL.length ? cfg.NOTIFY_OPS_EMAIL : ['ops@zoe.example'],
      NOTIFY_TRADING_EMAIL: cfg.NOTIFY_TRADING_EMAIL.length
        ? cfg.NOTIFY_TRADING_EMAIL
        : ['trading@zoe.example'],
      ...(opts.demoClock ? { NOTIFY_REMINDER_MINUTES: 1, NOTIFY_DIGEST_SECONDS: 20 } : {}),
    },
    sink: { webUrl: web.url, mboxPath, smtpPort: sink.port },
    async stop() {
      await web.close();
      await sink.close();
    },
  };
}
