/**
 * The command line. `npm start` runs `start`; everything else through `npm run cli -- <command>`:
 *
 *   start [--real-clock] [--date YYYY-MM-DD] [--cluster]
 *                                              the whole local stack and today's trading day
 *                                              (--cluster: on temporal-server + PostgreSQL)
 *   seed [--reset] [--date YYYY-MM-DD]         demo data
 *   day start [--date D] [--demo-clock]        start a trading day by hand (idempotent)
 *   day status [--date D]                      accounts per stage for a day (a day ended Approved or
 *                                              Traded: as the book says, src/metrics/book-stage.ts)
 *   approve --account A --advisor X [--date D] approve an account's open proposal (Update)
 *   reject --account A --advisor X --reason R [--date D]
 *   ops stuck [--date D] [--minutes 30]        accounts that need someone or have not moved, and
 *                                              batches in Failed or whose booking retries (src/cli/stuck-batches.ts)
 *   ops retry|skip|resolve --account A --by NAME [--note T] [--date D]
 *        skip of a day ended Approved: sent to its batch (skipAccount), which says what it did
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
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ensureSchedule } from '../../temporal-config/schedule';
import { createAdvisorToken, listTokens, revokeToken } from '../api/tokens';
import { loadConfig } from '../config';
import { seedDemoData } from '../demo/seed';
import { decisionOrigin } from '../domain/decision-signature';
import { accountDayWorkflowId } from '../workflows/ids';
import { approveUpdate, rejectUpdate, statusQuery } from '../workflows/messages';
import type { TradingDayInput } from '../workflows/types';
import { cliText } from './args';
import { runAuditCommand } from './audit';
import { runBookCommand } from './book';
import { cmdCash } from './cash';
import { runConfigCommand } from './config';
import { endedDayMessage } from './ended-day';
import { findStuck, listBreaks, opsOutcomeLine, opsSignal, renderBreaks } from './ops';
import { dayProgress, renderProgress } from './progress';
import { openDatabase } from './runtime';
import { cmdSim, cmdStart } from './start';
import { findStuckBatches, stuckBatchLine } from './stuck-batches';
import {
  checkCalendar,
  clockSettings,
  defaultTradeDate,
  demoClock,
  say,
  startDay,
  todayEt,
  withClient,
  zDate,
} from './trading-day';

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
    // The book too: an account whose day ended Approved or Traded is listed as the book says.
    const database = await openDatabase(loadConfig());
    try {
      await withClient(async (client) => {
        const p = await dayProgress(client, tradeDate, database.db);
        say(renderProgress(p));
        for (const [stage, ids] of Object.entries(p.accountsByStage))
          say(`  ${stage}: ${ids.sort().join(', ')}`);
      });
    } finally {
      await database.stop();
    }
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
    if ((await handle.describe()).status.name !== 'RUNNING') throw new Error(endedDayMessage(kind, status));
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
      // Since `batch-books-fills` an approved account's booking is its batch's: the batches that need someone.
      for (const b of await findStuckBatches(client, tradeDate, minutes)) say(stuckBatchLine(b));
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
      say(
        opsOutcomeLine(p.account, await opsSignal(client, sub, tradeDate, p.account, p.by, note, resolution)),
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
        'usage: start | seed | migrate | day start|status | approve | reject | ops | cash | advisor | book import|export | audit | sim open-accounts | schedule (see src/cli/main.ts)',
      );
      process.exitCode = cmd ? 1 : 0;
  }
}

main().catch((e) => {
  if (e instanceof z.ZodError) console.error(e.issues.map((i) => i.message).join('\n'));
  else console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
