/**
 * The command line. `npm start` runs `start`; everything else through `npm run cli -- <command>`:
 *
 *   start [--real-clock] [--date YYYY-MM-DD] [--cluster]
 *                                              the whole local stack and today's trading day
 *                                              (--cluster: on temporal-server + PostgreSQL)
 *   seed [--reset] [--date YYYY-MM-DD]         demo data
 *   day start [--date D] [--demo-clock]        start a trading day by hand (idempotent)
 *   day status [--date D]                      accounts per stage for a day
 *   approve --account A --advisor X [--date D] approve an account's open proposal (Update)
 *   reject --account A --advisor X --reason R [--date D]
 *   ops stuck [--date D] [--minutes 30]        accounts that need someone or have not moved
 *   ops retry|skip|resolve --account A --by NAME [--note T] [--date D]
 *        resolve: [--adopt] (post the custodian's figures) | [--item T] (what explains it; default)
 *   cash withdraw --account A --amount 15000.00 --by NAME [--date D] [--request-id ID]
 *   cash flows --account A                     the account's cash flows and where each came from
 *   ops breaks [--date D] [--account A] [--all] reconciliation breaks with age, materiality, hold
 *   advisor token create --advisor ID|--role ops|trader --label L | revoke --id ID | list
 *   models|accounts|households|restrictions|securities|advisors|firm …   the book's configuration
 *                                              (the API's twin, src/cli/config.ts); ops onboarding
 *   notify prefs ADVISOR [--off KIND]… [--on KIND]… [--by NAME]   an advisor's notification opt-outs
 *   book import PATH… [--apply --by NAME] | book export DIR   the book as CSV files (src/cli/book.ts)
 *   audit [--entity E] [--id ID] [--actor A] [--action X] [--since D] [--limit N] [--details]
 *                                              the audit log, newest first (src/cli/audit.ts)
 *   sim open-accounts                          the simulated custodian opens the book's accounts
 *                                              it does not hold (npm start does it too)
 *   schedule                                   create or update the Temporal Schedule
 *   migrate                                    run database migrations
 */
import { userInfo } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import { z } from 'zod';
import { ensureSchedule } from '../../temporal-config/schedule';
import { channelsOf } from '../activities/notifications';
import { apiLimitsFromConfig } from '../api/limits';
import { startApiServer } from '../api/server';
import { createAdvisorToken, listTokens, revokeToken, rotateToken } from '../api/tokens';
import { type AppConfig, activityPolicy, loadConfig, workerTuning } from '../config';
import { seedDemoData } from '../demo/seed';
import { openBookAtSimulator } from '../demo/simulator-firm';
import {
  type DayClock,
  assertCoveredTradeDate,
  dayClock,
  isTradingDay,
  nextTradingDay,
  utcToEtDate,
} from '../domain/calendar';
import { calendarCoverageWarning } from '../domain/calendar-coverage';
import { decisionOrigin } from '../domain/decision-signature';
import { connectNative } from '../infra/temporal';
import { startDispatcher } from '../notifications/dispatcher';
import { watchCalendarCoverage } from '../workers/calendar-watch';
import { installWorkerRuntime } from '../workers/runtime';
import { createTradingWorker } from '../workers/worker';
import { accountDayWorkflowId, tradingDayWorkflowId } from '../workflows/ids';
import { approveUpdate, rejectUpdate, statusQuery } from '../workflows/messages';
import type { TradingDayInput, TradingDayResult } from '../workflows/types';
import { cliText } from './args';
import { runAuditCommand } from './audit';
import { runBookCommand } from './book';
import { cmdCash } from './cash';
import { runConfigCommand } from './config';
import { findStuck, listBreaks, opsSignal, renderBreaks } from './ops';
import { dayProgress, renderProgress } from './progress';
import { openCustodian, openDatabase, openMail, openTemporal } from './runtime';

const say = (m: string) => process.stdout.write(`${m}\n`);
const zDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '--date must be YYYY-MM-DD');

function todayEt(): string {
  return utcToEtDate(new Date().toISOString());
}

/** Today if it is a trading day whose window has not closed yet, else the next trading day. */
function defaultTradeDate(realClock: boolean): string {
  const today = todayEt();
  if (isTradingDay(today) && (!realClock || Date.parse(dayClock(today).windowClose) > Date.now()))
    return today;
  return nextTradingDay(today);
}

/**
 * A trade date beyond the calendar's coverage is refused before anything starts (the error says what
 * to do); near the end, the warning is printed (docs/calendar.md).
 */
function checkCalendar(tradeDate: string): void {
  assertCoveredTradeDate(tradeDate);
  const today = todayEt();
  const warning = calendarCoverageWarning(tradeDate > today ? tradeDate : today);
  if (warning) say(`WARNING ${warning.message}`);
}

/** A compressed day for demos: cut-off in 3 minutes, window 3–6 minutes, confirms at 7. */
function demoClock(): DayClock {
  const at = (s: number) => new Date(Date.now() + s * 1000).toISOString();
  return { approvalCutoff: at(180), windowOpen: at(185), windowClose: at(360), confirmAt: at(420) };
}

function clockSettings(cfg: AppConfig) {
  return {
    approvalCutoffEt: cfg.APPROVAL_CUTOFF_ET,
    windowOpenEt: cfg.WINDOW_OPEN_ET,
    windowCloseEt: cfg.WINDOW_CLOSE_ET,
    confirmAtEt: cfg.CONFIRM_AT_ET,
  };
}

async function startDay(client: Client, cfg: AppConfig, input: TradingDayInput) {
  const workflowId = tradingDayWorkflowId(input.tradeDate);
  try {
    const handle = await client.workflow.start('DailyTradingDay', {
      taskQueue: cfg.TASK_QUEUE,
      workflowId,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return { handle, started: true };
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    return { handle: client.workflow.getHandle(workflowId), started: false };
  }
}

async function cmdStart(args: string[]) {
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
      const p = await dayProgress(client, tradeDate);
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
async function cmdSim(args: string[]) {
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

async function withClient<T>(fn: (client: Client, cfg: AppConfig) => Promise<T>): Promise<T> {
  const cfg = loadConfig();
  const temporal = await openTemporal(cfg, { startDevServer: false });
  try {
    return await fn(new Client({ connection: temporal.client, namespace: cfg.TEMPORAL_NAMESPACE }), cfg);
  } finally {
    await temporal.stop();
  }
}

async function cmdDay(args: string[]) {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: { date: { type: 'string' }, 'demo-clock': { type: 'boolean' } },
  });
  const tradeDate = values.date ? zDate.parse(values.date) : defaultTradeDate(!values['demo-clock']);
  if (sub === 'start') {
    checkCalendar(tradeDate);
    await withClient(async (client, cfg) => {
      const input: TradingDayInput = values['demo-clock']
        ? { tradeDate, clockOverride: demoClock(), fillPollSeconds: 5 }
        : { tradeDate, clockSettings: clockSettings(cfg), fillPollSeconds: cfg.FILL_POLL_SECONDS };
      const { handle, started } = await startDay(client, cfg, input);
      say(`${handle.workflowId} ${started ? 'started' : 'already exists'}`);
    });
  } else if (sub === 'status') {
    await withClient(async (client) => {
      const p = await dayProgress(client, tradeDate);
      say(renderProgress(p));
      for (const [stage, ids] of Object.entries(p.accountsByStage))
        say(`  ${stage}: ${ids.sort().join(', ')}`);
    });
  } else throw new Error('usage: day start|status [--date YYYY-MM-DD] [--demo-clock]');
}

async function cmdDecide(kind: 'approve' | 'reject', args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      account: { type: 'string' },
      advisor: { type: 'string' },
      date: { type: 'string' },
      reason: { type: 'string' },
      note: { type: 'string' },
    },
  });
  const parsed = z
    .object({
      account: z.string().min(1, '--account is required'),
      advisor: z.string().min(1, '--advisor is required'),
      date: zDate.optional(),
      reason: kind === 'reject' ? z.string().min(1, '--reason is required') : z.string().optional(),
      note: z.string().optional(),
    })
    .parse({
      ...values,
      advisor: cliText('advisor', values.advisor, 200),
      reason: cliText('reason', values.reason),
      note: cliText('note', values.note),
    });
  const tradeDate = parsed.date ?? defaultTradeDate(false);
  await withClient(async (client) => {
    const handle = client.workflow.getHandle(accountDayWorkflowId(tradeDate, parsed.account));
    const status = await handle.query(statusQuery);
    if (!status.proposal)
      throw new Error(`${parsed.account} has no open proposal on ${tradeDate} (stage ${status.stage})`);
    // Signed as the CLI when this shell has the key (docs/security.md); else it goes via TEMPORAL.
    const key = loadConfig().DECISION_SIGNING_KEY;
    const workflowId = accountDayWorkflowId(tradeDate, parsed.account);
    const note = kind === 'approve' ? parsed.note : parsed.reason?.trim();
    const origin = decisionOrigin(
      {
        workflowId,
        proposalId: status.proposal.id,
        decision: kind === 'approve' ? 'APPROVE' : 'REJECT',
        actor: parsed.advisor.trim(),
        note,
      },
      { via: 'CLI', principal: `cli:${userInfo().username}` },
      key,
    );
    const result =
      kind === 'approve'
        ? await handle.executeUpdate(approveUpdate, {
            args: [{ proposalId: status.proposal.id, advisorId: parsed.advisor, note: parsed.note, origin }],
          })
        : await handle.executeUpdate(rejectUpdate, {
            args: [
              { proposalId: status.proposal.id, advisorId: parsed.advisor, reason: parsed.reason!, origin },
            ],
          });
    say(JSON.stringify(result));
  });
}

/** A configuration command (src/cli/config.ts, src/cli/book.ts) against the book's database. */
async function cmdConfig(args: string[], run = runConfigCommand) {
  const database = await openDatabase(loadConfig());
  let code = 1;
  try {
    code = await run({ db: database.db, today: todayEt }, args, {
      out: say,
      err: (m) => process.stderr.write(`${m}\n`),
    });
  } finally {
    await database.stop();
  }
  // The embedded PostgreSQL's exit hook ends the process with 0: say the code explicitly.
  if (code !== 0) process.exit(code);
}

async function cmdOps(args: string[]) {
  const [sub, ...rest] = args;
  if (sub === 'onboarding') return cmdConfig(args.length ? ['ops', ...args] : args);
  const { values } = parseArgs({
    args: rest,
    options: {
      date: { type: 'string' },
      minutes: { type: 'string' },
      account: { type: 'string' },
      by: { type: 'string' },
      note: { type: 'string' },
      all: { type: 'boolean' },
      adopt: { type: 'boolean' },
      item: { type: 'string' },
    },
  });
  const tradeDate = values.date ? zDate.parse(values.date) : defaultTradeDate(false);
  if (sub === 'breaks') {
    const database = await openDatabase(loadConfig());
    try {
      const rows = await listBreaks(database.db, {
        date: tradeDate,
        accountId: values.account,
        all: values.all,
      });
      if (rows.length === 0)
        say(`no reconciliation breaks on ${tradeDate}${values.account ? ` for ${values.account}` : ''}`);
      else say(renderBreaks(rows));
    } finally {
      await database.stop();
    }
    return;
  }
  if (sub === 'stuck') {
    const minutes = z.coerce
      .number()
      .int()
      .min(0)
      .parse(values.minutes ?? '30');
    await withClient(async (client) => {
      const stuck = await findStuck(client, tradeDate, minutes);
      if (stuck.length === 0) say(`no stuck accounts on ${tradeDate} (threshold ${minutes} min)`);
      for (const s of stuck) say(`${s.workflowId}  ${s.stage} for ${s.minutes} min  ${s.reason}`);
    });
    return;
  }
  if (sub === 'retry' || sub === 'skip' || sub === 'resolve') {
    const p = z
      .object({
        account: z.string().min(1, '--account is required'),
        by: z.string().min(1, '--by is required (your name)'),
      })
      .parse({ ...values, by: cliText('by', values.by, 200) });
    const note = cliText('note', values.note);
    const item = cliText('item', values.item, 200);
    await withClient(async (client) => {
      if (sub !== 'resolve' && (values.adopt || values.item))
        throw new Error('--adopt and --item go with ops resolve');
      if (values.adopt && values.item) throw new Error('--adopt or --item, not both');
      const resolution =
        sub === 'resolve'
          ? {
              resolution: values.adopt ? 'ADOPT' : 'EXPLAINED',
              ...(item ? { item } : {}),
            }
          : {};
      const s = await opsSignal(client, sub, tradeDate, p.account, p.by, note, resolution);
      say(
        `${p.account}: stage ${s.stage}${s.refusedMessages.length ? `; refused: ${s.refusedMessages.at(-1)?.reason}` : ''}`,
      );
    });
    return;
  }
  throw new Error(
    'usage: ops stuck [--date D] [--minutes N] | ops retry|skip|resolve --account A --by NAME [--note TEXT] [--date D] | ops breaks [--date D] [--account A] [--all]',
  );
}

async function cmdAdvisor(args: string[]) {
  const [sub, action, ...rest] = args;
  if (sub !== 'token') throw new Error('usage: advisor token create|revoke|list ...');
  const { values } = parseArgs({
    args: rest,
    options: {
      advisor: { type: 'string' },
      role: { type: 'string' },
      label: { type: 'string' },
      id: { type: 'string' },
      by: { type: 'string' },
    },
  });
  const database = await openDatabase(loadConfig());
  try {
    if (action === 'create') {
      const label = z
        .string()
        .min(1, '--label is required')
        .parse(cliText('label', values.label, 200));
      const owner = values.advisor
        ? { advisorId: values.advisor, label }
        : {
            role: z
              .enum(['ops', 'trader'], { message: '--advisor ID or --role ops|trader is required' })
              .parse(values.role),
            label,
          };
      const t = await createAdvisorToken(database.db, owner, { by: values.by ?? 'cli' });
      say(`token ${t.id} (shown once, store it now):\n${t.token}`);
    } else if (action === 'revoke') {
      const id = z.string().min(1, '--id is required').parse(values.id);
      const r = await revokeToken(database.db, id, { by: values.by ?? 'cli' });
      say(r.alreadyRevoked ? `${id} was already revoked` : `${id} revoked at ${r.revokedAt}`);
    } else if (action === 'list') {
      for (const t of await listTokens(database.db)) say(JSON.stringify(t));
    } else
      throw new Error(
        'usage: advisor token create --advisor ID|--role ops|trader --label L | revoke --id ID | list',
      );
  } finally {
    await database.stop();
  }
}

async function main() {
  const [cmd, ...args] = process.argv.slice(2);
  switch (cmd) {
    case 'start':
      return cmdStart(args);
    case 'seed': {
      const { values } = parseArgs({
        args,
        options: { reset: { type: 'boolean' }, date: { type: 'string' } },
      });
      const cfg = loadConfig();
      const database = await openDatabase(cfg, say);
      try {
        const r = await seedDemoData(database.db, {
          asOf: values.date ? zDate.parse(values.date) : defaultTradeDate(false),
          reset: values.reset,
          dayEvents: !cfg.CUSTODIAN_URL,
        });
        say(JSON.stringify(r));
      } finally {
        await database.stop();
      }
      return;
    }
    case 'migrate': {
      const database = await openDatabase(loadConfig(), say);
      await database.stop();
      return;
    }
    case 'day':
      return cmdDay(args);
    case 'approve':
    case 'reject':
      return cmdDecide(cmd, args);
    case 'ops':
      return cmdOps(args);
    case 'advisor':
      return cmdAdvisor(args);
    case 'models':
    case 'accounts':
    case 'households':
    case 'restrictions':
    case 'securities':
    case 'advisors':
    case 'firm':
    case 'notify':
      return cmdConfig([cmd, ...args]);
    case 'book':
      return cmdConfig([cmd, ...args], runBookCommand);
    case 'audit':
      return cmdConfig([cmd, ...args], runAuditCommand);
    case 'sim':
      return cmdSim(args);
    case 'cash': {
      const database = await openDatabase(loadConfig());
      try {
        return await cmdCash(database.db, args, todayEt(), say);
      } finally {
        await database.stop();
      }
    }
    case 'schedule':
      return withClient(async (client, cfg) =>
        say(`schedule ${await ensureSchedule(client, cfg.TASK_QUEUE)}`),
      );
    default:
      say(
        'usage: start | seed | migrate | day start|status | approve | reject | ops | cash | advisor | book import|export | audit | schedule (see src/cli/main.ts)',
      );
      process.exitCode = cmd ? 1 : 0;
  }
}

main().catch((e) => {
  if (e instanceof z.ZodError) console.error(e.issues.map((i) => i.message).join('\n'));
  else console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
