/**
 * Metrics and logs of a short day on the dev server (docs/observability.md): the worker's
 * runtime installed as in production (JSON logs, the SDK's Prometheus /metrics), the API with its
 * /metrics. After the day: the stage gauge equals what Temporal visibility lists, the book gauges
 * equal the book's rows and the day's own result, the API counted the requests it answered, the
 * SDK counted the AccountDays it completed, and every log line names workflow, run, account and date.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { buildApiApp } from '../../src/api/server';
import { rotateToken } from '../../src/api/tokens';
import { nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { freePort } from '../../src/infra/postgres';
import { installWorkerRuntime } from '../../src/workers/runtime';
import { tradingDayWorkflowId } from '../../src/workflows/ids';
import type { TradingDayResult } from '../../src/workflows/types';
import { ON_FIRST_FAILURE, dashboardMetricNames } from '../support/dashboard';
import { eventually } from '../support/eventually';
import { type Stack, startStack, workerFor } from '../support/harness';
import { startShortDay } from '../support/short-day';
import { devServerEnv } from '../support/temporal';

/** Prometheus text → [name, labels, value] rows. */
function parseMetrics(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

const sum = (rows: ReturnType<typeof parseMetrics>, name: string, where: Record<string, string> = {}) =>
  rows
    .filter((r) => r.name === name && Object.entries(where).every(([k, v]) => r.labels[k] === v))
    .reduce((a, r) => a + r.value, 0);

describe('metrics and logs of a day', () => {
  const lines: string[] = [];
  const tradeDate = nextTradingDay(utcToEtDate(new Date().toISOString()));
  let metricsUrl: string;
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let worker: Worker;
  let run: Promise<void>;
  let app: ReturnType<typeof buildApiApp>;

  before(async () => {
    // Before anything touches the SDK runtime: as `npm run worker` installs it.
    metricsUrl = installWorkerRuntime(
      {
        LOG_LEVEL: 'DEBUG',
        LOG_FILE: undefined,
        WORKER_METRICS_PORT: await freePort(),
        METRICS_HOST: '127.0.0.1',
      },
      { defaultLogTarget: '-', sink: (l) => lines.push(l) },
    ).metricsUrl!;
    env = await devServerEnv();
    stack = await startStack({ asOf: tradeDate, partialFillRate: 0.5 });
    worker = await workerFor(env, stack, 'obs');
    run = worker.run();
    app = buildApiApp({ db: stack.t.db, client: env.client, today: () => tradeDate });
  });
  after(async () => {
    worker?.shutdown();
    await run?.catch(() => undefined);
    await app?.close();
    await stack?.close();
    await env?.teardown();
  });

  it('the gauges, the API and the SDK count what the day did; every log line names its context', async () => {
    const handle = await startShortDay(env.client, { taskQueue: 'obs', tradeDate, cutoffS: 30 });
    // The advisor approves ACC002 through the API; ACC004 is left to expire. One request without a token.
    const { token } = await rotateToken(
      stack.t.db,
      { advisorId: 'ADV-BEN', label: 'obs test' },
      { by: 'test' },
    );
    const proposalId = `P${tradeDate.replaceAll('-', '')}-ACC002`;
    await eventually(
      () => stack.t.db('proposals').where({ id: proposalId, status: 'PENDING_APPROVAL' }).first(),
      (p) => p !== undefined,
      'ACC002 proposal',
    );
    const approved = await app.inject({
      method: 'POST',
      url: `/api/v1/proposals/${proposalId}/approve`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: '{}',
    });
    assert.equal(approved.statusCode, 200, approved.body);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/proposals' })).statusCode, 401);
    const result: TradingDayResult = await handle.result();
    assert.equal(result.byStage.Expired, 1, JSON.stringify(result.byStage));

    // Stage gauge = Temporal visibility (once visibility has every final stage).
    const byStage = async () => {
      const counts: Record<string, number> = {};
      for await (const wf of env.client.workflow.list({
        query: `WorkflowType="AccountDay" AND TradeDate="${tradeDate}"`,
      })) {
        const stage = String(wf.searchAttributes.Stage?.[0] ?? 'none');
        counts[stage] = (counts[stage] ?? 0) + 1;
      }
      return counts;
    };
    // Since `batch-books-fills` an approved account's day ends Approved and its batch books the
    // fills and matches the confirms: visibility lists them Approved, the gauge counts them as the
    // book says (src/metrics/book-stage.ts).
    const { Confirmed = 0, ConfirmBreak = 0, Traded = 0, NotTraded = 0, ...unbooked } = result.byStage;
    const booked = Confirmed + ConfirmBreak + Traded + NotTraded;
    const listed = await eventually(byStage, (c) => c.Approved === booked, 'final stages listed');
    assert.deepEqual(listed, { ...unbooked, Approved: booked });
    assert.ok(Confirmed > 0, JSON.stringify(result.byStage));
    const rows = await eventually(
      async () => parseMetrics((await app.inject({ method: 'GET', url: '/metrics' })).body),
      (r) =>
        sum(r, 'zoe_day_accounts', { trade_date: tradeDate, stage: 'Confirmed' }) ===
        result.byStage.Confirmed,
      'the stage gauge after its cache',
      20_000,
    );
    for (const [stage, n] of Object.entries(result.byStage))
      assert.equal(sum(rows, 'zoe_day_accounts', { trade_date: tradeDate, stage }), n, stage);
    assert.equal(sum(rows, 'zoe_day_accounts', { trade_date: tradeDate }), 4);

    // Book gauges = the book's rows, and the day's own count of carried legs.
    const db = stack.t.db;
    const count = async (q: ReturnType<typeof db>) =>
      Number(((await q.count('* as n')) as { n: string }[])[0]?.n ?? 0);
    assert.equal(
      sum(rows, 'zoe_day_orders', { trade_date: tradeDate, kind: 'account' }),
      await count(db('orders').where({ trade_date: tradeDate })),
    );
    const blockOrders = await count(
      db('block_orders as o').join('blocks as b', 'b.id', 'o.block_id').where('b.trade_date', tradeDate),
    );
    assert.ok(blockOrders > 0, 'the day sent block orders');
    assert.equal(sum(rows, 'zoe_day_orders', { trade_date: tradeDate, kind: 'block' }), blockOrders);
    const fills = await count(
      db('executions as e')
        .join('orders as o', 'o.client_order_id', 'e.client_order_id')
        .where('o.trade_date', tradeDate),
    );
    assert.ok(fills > 0);
    assert.equal(sum(rows, 'zoe_day_fills', { trade_date: tradeDate }), fills);
    assert.equal(sum(rows, 'zoe_day_proposals', { trade_date: tradeDate, status: 'EXPIRED' }), 1);
    assert.equal(
      sum(rows, 'zoe_day_proposals', { trade_date: tradeDate }),
      await count(db('proposals').where({ trade_date: tradeDate })),
    );
    assert.equal(
      sum(rows, 'zoe_day_residuals_carried', { trade_date: tradeDate }),
      result.blocks?.carried ?? 0,
    );
    assert.equal(
      sum(rows, 'zoe_day_confirm_matches', { trade_date: tradeDate, result: 'MATCHED' }),
      result.confirms.matched,
    );
    assert.equal(sum(rows, 'zoe_day_breaks_open'), await count(db('breaks').where({ status: 'OPEN' })));
    assert.equal(sum(rows, 'zoe_day_metrics_errors_total'), 0);

    // API request metrics: by route pattern and status.
    const route = '/api/v1/proposals/:proposalId/approve';
    assert.equal(sum(rows, 'zoe_api_requests_total', { method: 'POST', route, status: '200' }), 1);
    assert.equal(sum(rows, 'zoe_api_request_duration_seconds_count', { route, status: '200' }), 1);
    assert.equal(sum(rows, 'zoe_api_requests_total', { route: '/api/v1/proposals', status: '401' }), 1);

    // The SDK's own metrics from this worker process.
    const sdk = parseMetrics(await (await fetch(metricsUrl)).text());
    assert.equal(
      sum(sdk, 'temporal_workflow_completed', { workflow_type: 'AccountDay', task_queue: 'obs' }),
      4,
    );
    assert.equal(sum(sdk, 'temporal_workflow_completed', { workflow_type: 'DailyTradingDay' }), 1);
    assert.ok(sum(sdk, 'temporal_activity_execution_latency_count', { task_queue: 'obs' }) > 10);

    // Every metric the Grafana dashboard queries is one these endpoints serve.
    // (a gauge of the API with no series today still says so in its # HELP line)
    const apiText = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const helped = [...apiText.matchAll(/^# HELP (\w+) /gm)].map((m) => m[1]!);
    const served = new Set([
      ...[...rows, ...sdk].map((r) => r.name.replace(/_(bucket|sum|count)$/, '')),
      ...helped,
    ]);
    for (const name of [...dashboardMetricNames('zoe_'), ...dashboardMetricNames('temporal_')])
      assert.ok(served.has(name) || ON_FIRST_FAILURE.has(name), `the dashboard's ${name} is served`);

    // JSON logs: every line parses and carries the four keys; an AccountDay's lines name its account.
    const logs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(logs.length > 20, `${logs.length} log lines`);
    for (const l of logs)
      for (const k of ['workflowId', 'runId', 'accountId', 'tradeDate']) assert.ok(k in l, k);
    const acct = logs.filter((l) => String(l.workflowId).startsWith(`account-day/${tradeDate}/`));
    assert.ok(
      acct.some((l) => l.sdkComponent === 'workflow'),
      'a workflow log line of an AccountDay',
    );
    assert.ok(
      acct.some((l) => l.activityType !== undefined),
      'an activity log line of an AccountDay',
    );
    for (const l of acct) {
      assert.equal(l.accountId, String(l.workflowId).split('/')[2], JSON.stringify(l));
      assert.equal(l.tradeDate, tradeDate);
      assert.match(String(l.runId), /^[0-9a-f-]{36}$/, JSON.stringify(l));
    }
    const day = logs.filter((l) => l.workflowId === tradingDayWorkflowId(tradeDate));
    assert.ok(day.length > 0 && day.every((l) => l.tradeDate === tradeDate && l.accountId === null));
  });
});
