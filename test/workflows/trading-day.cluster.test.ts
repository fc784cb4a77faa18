/**
 * A short day on the cluster topology (docs/cluster.md): temporal-server v1.29.1 built by the
 * setup, its two databases created and migrated by temporal-sql-tool on the tests' PostgreSQL,
 * SQL visibility answering the ops queries by search attribute, the UI server in front of it.
 * Skipped only when the setup was told not to build the server (SKIP_TEMPORAL_CLUSTER=1).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import pg from 'pg';
import { nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import {
  MEMBERSHIP_PORTS_USED,
  PORTS_USED,
  type RunningCluster,
  freePortBlock,
  startCluster,
} from '../../src/infra/cluster';
import { CLUSTER_BINARIES, clusterBinaryPath } from '../../src/infra/cluster-schema';
import { databaseUrl, freePort } from '../../src/infra/postgres';
import { createTradingWorker } from '../../src/workers/worker';
import { accountDayWorkflowId } from '../../src/workflows/ids';
import { approveUpdate, statusQuery } from '../../src/workflows/messages';
import type { TradingDayResult } from '../../src/workflows/types';
import { ON_FIRST_FAILURE, dashboardMetricNames } from '../support/dashboard';
import { eventually } from '../support/eventually';
import { type Stack, startStack } from '../support/harness';
import { startShortDay } from '../support/short-day';

const missing = CLUSTER_BINARIES.filter((b) => !existsSync(clusterBinaryPath(b)));
const skip =
  missing.length > 0 && process.env.SKIP_TEMPORAL_CLUSTER
    ? `SKIP_TEMPORAL_CLUSTER is set and ${missing.join(', ')} not built`
    : false;

describe('DailyTradingDay on the cluster server (temporal-server on PostgreSQL)', { skip }, () => {
  const suffix = randomBytes(4).toString('hex');
  const databases = [`temporal_t_${suffix}`, `temporal_vis_t_${suffix}`];
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'zoe-cluster-test-'));
  const tradeDate = nextTradingDay(utcToEtDate(new Date().toISOString()));
  let cluster: RunningCluster;
  let connection: Connection;
  let client: Client;
  let native: NativeConnection;
  let stack: Stack;
  let worker: Worker;
  let run: Promise<void>;
  let startedInMs = 0;

  before(async () => {
    const adminUrl = process.env.TEST_PG_ADMIN_URL;
    if (!adminUrl) throw new Error('TEST_PG_ADMIN_URL is not set: run the tests with `npm test`');
    const port = await freePortBlock(PORTS_USED);
    let membershipPort = await freePortBlock(MEMBERSHIP_PORTS_USED);
    while (Math.abs(membershipPort - port) < PORTS_USED)
      membershipPort = await freePortBlock(MEMBERSHIP_PORTS_USED);
    const t0 = Date.now();
    cluster = await startCluster({
      pgAdminUrl: adminUrl,
      database: databases[0],
      visibilityDatabase: databases[1],
      port,
      membershipPort,
      uiPort: await freePort(),
      logDir,
    });
    startedInMs = Date.now() - t0;
    connection = await Connection.connect({ address: cluster.address });
    client = new Client({ connection, namespace: 'default' });
    native = await NativeConnection.connect({ address: cluster.address });
    stack = await startStack({ asOf: tradeDate, partialFillRate: 0.5 });
    worker = await createTradingWorker({
      connection: native,
      namespace: 'default',
      taskQueue: 'cluster-e2e',
      deps: stack.deps,
    });
    run = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await run?.catch(() => undefined);
    await native?.close();
    await connection?.close();
    await stack?.close();
    await cluster?.stop();
    const adminUrl = process.env.TEST_PG_ADMIN_URL;
    if (adminUrl) {
      const admin = new pg.Client({ connectionString: databaseUrl(adminUrl, 'postgres') });
      await admin.connect();
      for (const db of databases) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await admin.end();
    }
    rmSync(logDir, { recursive: true, force: true });
  });

  it('sets up its databases with temporal-sql-tool and registers the namespace and search attributes', async () => {
    console.log(`[cluster test] cluster ready in ${startedInMs} ms (${cluster.shards} history shards)`);
    const admin = new pg.Client({
      connectionString: databaseUrl(process.env.TEST_PG_ADMIN_URL!, databases[0]!),
    });
    await admin.connect();
    const v = await admin.query('SELECT curr_version FROM schema_version');
    const shards = await admin.query('SELECT count(*)::int AS n FROM shards');
    await admin.end();
    assert.match(String(v.rows[0]?.curr_version), /^1\.\d+$/, 'the schema is at a v1.x version');
    assert.equal(shards.rows[0]?.n, cluster.shards, 'one row per history shard');
    const sa = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const k of ['AccountId', 'AdvisorId', 'TradeDate', 'Stage', 'Mode', 'BreakCount'])
      assert.ok(k in (sa.customAttributes ?? {}), `search attribute ${k}`);
    // The UI server answers against this frontend.
    const ui = await fetch(`${cluster.uiUrl}/api/v1/namespaces/default/search-attributes`);
    assert.equal(ui.status, 200);
    assert.ok(((await ui.json()) as { customAttributes: Record<string, string> }).customAttributes.Stage);
  });

  it('runs the day with the window set to now; SQL visibility finds accounts by Stage', async () => {
    const handle = await startShortDay(client, { taskQueue: 'cluster-e2e', tradeDate, cutoffS: 30 });
    const waiting = `WorkflowType="AccountDay" AND TradeDate="${tradeDate}" AND Stage="AwaitingApproval"`;
    const n = await eventually(
      async () => (await client.workflow.count(waiting)).count,
      (c) => c === 2,
      'two accounts awaiting approval (count)',
    );
    assert.equal(n, 2);
    const h2 = client.workflow.getHandle(accountDayWorkflowId(tradeDate, 'ACC002'));
    const s2 = await h2.query(statusQuery);
    await h2.executeUpdate(approveUpdate, { args: [{ proposalId: s2.proposal!.id, advisorId: 'ADV-BEN' }] });

    const result: TradingDayResult = await handle.result();
    assert.equal(result.status, 'COMPLETED');
    assert.deepEqual(result.failedAccounts, []);
    assert.equal(result.byStage.Expired, 1, JSON.stringify(result.byStage));
    assert.ok((result.byStage.Confirmed ?? 0) >= 2, JSON.stringify(result.byStage));
    const ids: string[] = [];
    await eventually(
      async () => {
        ids.length = 0;
        // Since `batch-books-fills` an approved account's day ends Approved; its batch books it and shows the confirms.
        const q = `WorkflowType="AccountDay" AND TradeDate="${tradeDate}" AND Stage="Approved"`;
        for await (const wf of client.workflow.list({ query: q })) ids.push(wf.workflowId);
        return ids.length;
      },
      (c) =>
        c ===
        (result.byStage.Confirmed ?? 0) +
          (result.byStage.ConfirmBreak ?? 0) +
          (result.byStage.NotTraded ?? 0),
      'traded accounts in SQL visibility',
    );
    assert.ok(ids.includes(accountDayWorkflowId(tradeDate, 'ACC002')));
    const batches = await eventually(
      async () =>
        (
          await client.workflow.count(
            `WorkflowType="AccountBatch" AND TradeDate="${tradeDate}" AND Stage="Confirmed"`,
          )
        ).count,
      (c) => c === 1,
      'the batch, confirmed, in SQL visibility',
    );
    assert.equal(batches, 1);
    // The server's own Prometheus endpoint counted persistence calls for this day.
    const metrics = await (await fetch(cluster.metricsUrl)).text();
    const persistence = metrics
      .split('\n')
      .filter((l) => l.startsWith('persistence_requests{'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    assert.ok(persistence > 100, `persistence_requests ${persistence}`);
    const served = new Set(
      metrics.split('\n').map((l) => /^([a-z_]+)/.exec(l)?.[1]?.replace(/_(bucket|sum|count)$/, '')),
    );
    for (const name of dashboardMetricNames('persistence_'))
      assert.ok(served.has(name) || ON_FIRST_FAILURE.has(name), `the dashboard's ${name} is served`);
  });
});
