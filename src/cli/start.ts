/**
 * `npm start`: the whole local stack (PostgreSQL, Temporal, the simulated custodian, a worker, the
 * API, the mail sink), the book (the demo's, or a firm's own imported with `book import`), today's
 * trading day and its progress; and `sim open-accounts`.
 */

import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { ensureSchedule } from '../../temporal-config/schedule';
import { channelsOf } from '../activities/notifications';
import { apiLimitsFromConfig } from '../api/limits';
import { startApiServer } from '../api/server';
import { rotateToken } from '../api/tokens';
import { activityPolicy, loadConfig, workerTuning } from '../config';
import { seedDemoData } from '../demo/seed';
import { openBookAtSimulator } from '../demo/simulator-firm';
import { connectNative } from '../infra/temporal';
import { startDispatcher } from '../notifications/dispatcher';
import { watchCalendarCoverage } from '../workers/calendar-watch';
import { installWorkerRuntime } from '../workers/runtime';
import { createTradingWorker } from '../workers/worker';
import type { TradingDayInput, TradingDayResult } from '../workflows/types';
import { dayProgress, renderProgress } from './progress';
import { openCustodian, openDatabase, openMail, openTemporal } from './runtime';
import {
  checkCalendar,
  clockSettings,
  defaultTradeDate,
  demoClock,
  say,
  startDay,
  zDate,
} from './trading-day';

export async function cmdStart(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { 'real-clock': { type: 'boolean' }, date: { type: 'string' }, cluster: { type: 'boolean' } },
  });
  // --cluster: the production-shaped Temporal server on PostgreSQL instead of the dev server.
  const cfg = loadConfig(values.cluster ? { ...process.env, TEMPORAL_SERVER: 'cluster' } : process.env);
  // Worker and workflow logs as JSON lines in a file (docs/observability.md); the progress line
  // is the normal output.
  const runtime = installWorkerRuntime(cfg, {
    defaultLogTarget: path.join(cfg.DATA_DIR, 'logs', 'zoe.jsonl'),
  });
  const realClock = values['real-clock'] ?? false;
  const tradeDate = values.date ? zDate.parse(values.date) : defaultTradeDate(realClock);
  checkCalendar(tradeDate);
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nstopping…');
    for (const stop of stops.reverse()) await stop().catch((e) => console.error(e));
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  say(`[start] PostgreSQL: ${cfg.DATABASE_URL ? 'DATABASE_URL' : `embedded, data in ${cfg.DATA_DIR}/pg`}`);
  const database = await openDatabase(cfg, (m) => say(`[start] ${m}`));
  stops.push(database.stop);
  // The demo day's events (a large wire, a halted symbol) go to the embedded simulator only.
  const seeded = await seedDemoData(database.db, { asOf: tradeDate, dayEvents: !cfg.CUSTODIAN_URL });
  say(
    `[start] ${seeded.seeded ? `demo data: seeded ${seeded.accounts} accounts` : `book: kept (${seeded.accounts} accounts)`}`,
  );
  if (!cfg.CUSTODIAN_URL) {
    // A firm's own book (book import) on the simulated custodian: it holds the firm's accounts too.
    const opened = await openBookAtSimulator(database.db, {
      averagePriceAccount: cfg.CUSTODIAN_AVG_PRICE_ACCOUNT,
    });
    if (opened.accounts.length || opened.securities.length)
      say(
        `[start] simulated custodian: opened ${opened.accounts.length} account(s) of the book it did not hold${opened.accounts.length ? ` (${opened.accounts.join(', ')})` : ''}; closes for ${opened.securities.length} new security(ies)${opened.securities.length ? ` (${opened.securities.join(', ')})` : ''}`,
      );
  }

  say(
    `[start] Temporal: ${cfg.TEMPORAL_ADDRESS ?? (cfg.TEMPORAL_SERVER === 'cluster' ? `cluster server on PostgreSQL (docs/cluster.md), logs in ${cfg.DATA_DIR}/logs` : 'dev server (first start takes a few seconds)')}`,
  );
  const temporal = await openTemporal(cfg, {
    startDevServer: true,
    databaseUrl: database.url,
    log: (m) => say(`[start] ${m}`),
  });
  stops.push(temporal.stop);
  const client = new Client({ connection: temporal.client, namespace: cfg.TEMPORAL_NAMESPACE });

  const custodian = await openCustodian(cfg, database.db);
  stops.push(custodian.stop);
  const mail = await openMail(cfg, { demoClock: !realClock });
  stops.push(mail.stop);
  const native = await connectNative(cfg, temporal.address);
  const deps = {
    db: database.db,
    custodian: custodian.port,
    dropDir: cfg.custodianDropDir,
    correspondent: cfg.CUSTODIAN_CORRESPONDENT,
    averagePriceAccount: cfg.CUSTODIAN_AVG_PRICE_ACCOUNT,
    ...activityPolicy({ ...mail.cfg, ...(temporal.uiUrl ? { PUBLIC_TEMPORAL_UI_URL: temporal.uiUrl } : {}) }),
  };
  const worker = await createTradingWorker({
    connection: native,
    namespace: cfg.TEMPORAL_NAMESPACE,
    taskQueue: cfg.TASK_QUEUE,
    ...workerTuning(cfg),
    deps,
  });
  const dispatcher = startDispatcher(database.db, channelsOf(deps), {
    intervalMs: (realClock ? cfg.NOTIFY_DISPATCH_SECONDS : 2) * 1000,
    onError: (e) => console.error('[notifications]', e),
  });
  stops.push(async () => {
    await dispatcher.stop();
    deps.mail?.transport.close();
  });
  const running = worker.run();
  // A long-running demo stack: the day's warning above, and once a day after.
  const stopWatch = watchCalendarCoverage({ warn: (m) => say(`\nWARNING ${m}`), immediately: false });
  stops.push(async () => stopWatch());
  stops.push(async () => {
    // The SDK's own SIGINT/SIGTERM handler may have started the shutdown already.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running.catch(() => undefined);
    await native.close();
  });
  const api = await startApiServer({
    db: database.db,
    client,
    port: cfg.API_PORT,
    limits: apiLimitsFromConfig(cfg),
    ...(cfg.DECISION_SIGNING_KEY ? { decisionSigningKey: cfg.DECISION_SIGNING_KEY } : {}),
  });
  stops.push(api.close);
  // The demo firm's ADV-BEN, or a firm's own book's first advisor (book import instead of the demo).
  const demoAdvisor: string | undefined =
    (await database.db('advisors').where({ id: 'ADV-BEN' }).first('id'))?.id ??
    (await database.db('advisors').orderBy('id').first('id'))?.id;
  const demo = demoAdvisor
    ? await rotateToken(
        database.db,
        { advisorId: demoAdvisor, label: 'demo (npm start)' },
        { by: 'npm start' },
      )
    : undefined;
  // The day report of the whole firm needs an ops token (the advisor's shows their accounts only).
  const demoOps = await rotateToken(
    database.db,
    { role: 'ops', label: 'demo ops (npm start)' },
    { by: 'npm start' },
  );
  const schedule = await ensureSchedule(client, cfg.TASK_QUEUE);

  const input: TradingDayInput = realClock
    ? { tradeDate, clockSettings: clockSettings(cfg), fillPollSeconds: cfg.FILL_POLL_SECONDS }
    : { tradeDate, clockOverride: demoClock(), fillPollSeconds: 5 };
  const { handle, started } = await startDay(client, cfg, input);
  const ui = temporal.uiUrl ?? '(your Temporal UI)';
  const filter = encodeURIComponent(
    `WorkflowType="AccountDay" AND TradeDate="${tradeDate}" AND Stage="AwaitingApproval"`,
  );
  say('');
  say(
    `Trading day ${tradeDate} ${started ? 'started' : 'already exists; following it'} as ${handle.workflowId}`,
  );
  say(
    realClock
      ? 'Clock: real (cut-off 11:45 ET, window 12:00–14:00 ET, confirms next morning 06:30 ET)'
      : 'Clock: demo (cut-off in 3 min, window 3–6 min, confirms at 7 min); use --real-clock for ET times',
  );
  say(`Temporal UI:      ${ui}/namespaces/${cfg.TEMPORAL_NAMESPACE}/workflows`);
  say(`Waiting accounts: ${ui}/namespaces/${cfg.TEMPORAL_NAMESPACE}/workflows?query=${filter}`);
  say(
    `Advisor page:     ${api.url}/  (${demo ? `demo token for ${demoAdvisor} below` : 'no advisor in the book yet'})`,
  );
  say(`Advisor API:      ${api.url}/api/v1/proposals  (OpenAPI: ${api.url}/openapi.json)`);
  say(
    `Day report:       ${api.url}/report?date=${tradeDate}  (the ops token below: every account; CSV/JSON: /api/v1/reports/day/${tradeDate}/export)`,
  );
  if (demo) say(`Demo token:       ${demo.token}  (${demoAdvisor})`);
  say(`Ops token:        ${demoOps.token}  (the day report of every account)`);
  say(`Custodian (sim):  ${custodian.url}`);
  say(
    `Metrics:          ${api.url}/metrics (API, day gauges)  ${runtime.metricsUrl ?? '(worker metrics off)'} (worker)`,
  );
  say(`Logs (JSON):      ${runtime.logTarget}`);
  say(
    mail.sink
      ? `Mail (sink):      ${mail.sink.webUrl}  (SMTP 127.0.0.1:${mail.sink.smtpPort}; mbox ${mail.sink.mboxPath})`
      : `Mail:             ${cfg.SMTP_HOST}:${cfg.SMTP_PORT} (SMTP_HOST)`,
  );
  say(`Schedule:         daily-trading-day ${schedule} (weekdays 06:30 America/New_York)`);
  say('Ctrl-C stops everything; `npm start` again resumes with the same data.\n');

  let shownApprovals = false;
  const tty = process.stdout.isTTY;
  let lastLine = '';
  const timer = setInterval(async () => {
    try {
      const p = await dayProgress(client, tradeDate, database.db);
      const line = renderProgress(p);
      if (tty) process.stdout.write(`\r\x1b[2K${line}`);
      else if (line !== lastLine) say(line);
      lastLine = line;
      const waiting = p.accountsByStage.AwaitingApproval ?? [];
      if (!shownApprovals && waiting.length > 0) {
        shownApprovals = true;
        const rows = await database
          .db('proposals as p')
          .join('accounts as a', 'a.id', 'p.account_id')
          .where('p.trade_date', tradeDate)
          .whereIn('p.account_id', waiting)
          .select('p.id', 'p.account_id', 'a.advisor_id');
        if (tty) process.stdout.write('\n');
        say('Waiting for advisor approval:');
        for (const r of rows) {
          say(
            `  ${r.account_id} (${r.advisor_id}) proposal ${r.id}: npm run cli -- approve --account ${r.account_id} --advisor ${r.advisor_id} --date ${tradeDate}`,
          );
          if (demo && r.advisor_id === demoAdvisor) {
            // The demo token is this advisor's: their proposals can be approved through the API too.
            say(
              `      or: curl -X POST ${api.url}/api/v1/proposals/${r.id}/approve -H 'authorization: Bearer ${demo.token}' -H 'content-type: application/json' -d '{}'`,
            );
          }
        }
      }
    } catch {
      // visibility not ready yet
    }
  }, 2000);
  try {
    const result: TradingDayResult = await handle.result();
    clearInterval(timer);
    say(
      `\n\nDay ${tradeDate} finished: ${JSON.stringify(result.byStage)}; ${result.ordersFilled} orders filled; confirms ${JSON.stringify(result.confirms)}`,
    );
  } catch (e) {
    clearInterval(timer);
    say(`\nthe day ended with an error: ${(e as Error).message}`);
  }
  say('Services keep running for the UI and the API; Ctrl-C to stop.');
}

/** `sim open-accounts`: the simulated custodian opens the book's accounts it does not hold (src/demo/simulator-firm.ts). */
export async function cmdSim(args: string[]) {
  if (args.length !== 1 || args[0] !== 'open-accounts') throw new Error('usage: sim open-accounts');
  const cfg = loadConfig();
  if (cfg.CUSTODIAN_URL)
    throw new Error('sim open-accounts is for the simulated custodian; CUSTODIAN_URL names a real one');
  const database = await openDatabase(cfg);
  try {
    const opened = await openBookAtSimulator(database.db, {
      averagePriceAccount: cfg.CUSTODIAN_AVG_PRICE_ACCOUNT,
    });
    say(JSON.stringify(opened));
  } finally {
    await database.stop();
  }
}
