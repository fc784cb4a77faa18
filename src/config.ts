/**
 * Process configuration, read once from the environment and validated with zod at the edge.
 * Every setting has a zero-setup default (embedded PostgreSQL, local Temporal dev server,
 * the simulated custodian); pointing at real infrastructure is a matter of env variables.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { webhookNotifier } from './activities/notifier';
import { TrustProxyEnv } from './api/limits';
import {
  type AscendCredentials,
  custodianClient,
  simControlToken,
  simServiceAccount,
} from './custodian/client';
import type { CustodianPort } from './custodian/port';
import { NOTIFICATION_KINDS, type NotificationKind, type NotifySettings } from './notifications/kinds';
import { type MailSettings, smtpTransport } from './notifications/mailer';

export const ROOT_DIR = path.resolve(__dirname, '..');

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24h, America/New_York)');
const port = z.coerce.number().int().min(1).max(65535);
/** A comma-separated list of e-mail addresses (empty: nobody). */
const emails = z.string().transform((v, ctx) => {
  const list = v
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  for (const a of list)
    if (!z.string().email().safeParse(a).success)
      ctx.addIssue({ code: 'custom', message: `${a} is not an e-mail address` });
  return list;
});
const bool = z
  .enum(['true', 'false', '1', '0', ''])
  .transform((v) => v === 'true' || v === '1')
  .optional();

const EnvSchema = z.object({
  DATA_DIR: z.string().default(path.join(ROOT_DIR, '.data')),
  DATABASE_URL: z.string().url().optional(),
  EMBEDDED_PG_PORT: port.default(55432),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: bool,
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI_PATH: z.string().optional(),
  /** Which local Temporal `npm start` runs when TEMPORAL_ADDRESS is unset (docs/cluster.md). */
  TEMPORAL_SERVER: z.enum(['dev', 'cluster']).default('dev'),
  /** The cluster's frontend gRPC port; the next five are its other services' (docs/cluster.md). */
  TEMPORAL_CLUSTER_PORT: port.default(7233),
  /** The first of its four membership ports: at most 32767 (the server's schema keeps smallint). */
  TEMPORAL_CLUSTER_MEMBERSHIP_PORT: port.max(32764).default(6933),
  /** A PostgreSQL role that may create databases, for the cluster's two (default: the book's server). */
  TEMPORAL_CLUSTER_DATABASE_URL: z.string().url().optional(),
  TEMPORAL_CLUSTER_DB: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default('temporal'),
  TEMPORAL_CLUSTER_VISIBILITY_DB: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default('temporal_visibility'),
  /** History shards when the cluster's database is first set up (default: 4 per core, 8 on 2 cores). */
  TEMPORAL_NUM_HISTORY_SHARDS: z.coerce.number().int().min(1).max(16_384).optional(),
  TASK_QUEUE: z.string().min(1).default('trading-day'),
  DB_POOL_MAX: z.coerce.number().int().min(2).max(500).default(10),
  WORKER_MAX_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).default(50),
  WORKER_MAX_LOCAL_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).default(100),
  WORKER_MAX_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(10_000).default(40),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(2).max(1_000_000).optional(),
  CUSTODIAN_URL: z.string().url().optional(),
  CUSTODIAN_PORT: port.default(4010),
  CUSTODIAN_DROP_DIR: z.string().optional(),
  CUSTODIAN_CORRESPONDENT: z
    .string()
    .regex(/^[A-Z0-9]{2,8}$/)
    .default('ZOE'),
  CUSTODIAN_CLIENT: z.enum(['ascend', 'http']).default('ascend'),
  /** The simulator's own token (default: made once under DATA_DIR/custodian/sim-token); docs/security.md. */
  CUSTODIAN_SIM_TOKEN: z.string().min(16).max(200).regex(/^\S+$/, 'no spaces').optional(),
  /** Host names the simulator answers besides localhost, 127.0.0.1 and [::1] (comma-separated). */
  CUSTODIAN_SIM_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean),
    ),
  ASCEND_API_KEY: z.string().min(1).optional(),
  ASCEND_SERVICE_ACCOUNT: z.string().min(1).optional(),
  ASCEND_ORGANIZATION: z.string().min(1).optional(),
  ASCEND_PRIVATE_KEY_PATH: z.string().min(1).optional(),
  CUSTODIAN_AVG_PRICE_ACCOUNT: z
    .string()
    .regex(/^[A-Z0-9]{4,13}$/)
    .default('ZOEAVG01'),
  /** Allocation bookings in flight at once per block at the custodian (src/activities/allocation.ts). */
  CUSTODIAN_ALLOCATION_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  API_PORT: port.default(3000),
  /** The advisor API's proxy setting, limits and timeouts (src/api/limits.ts, docs/security.md). */
  API_TRUST_PROXY: TrustProxyEnv,
  API_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10_485_760)
    .default(16 * 1024),
  API_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  API_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  API_CONNECTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  API_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  API_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(1024),
  API_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(20),
  API_AUTH_FAILURES_PER_SOURCE_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(100),
  API_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** The SDK runtime's Prometheus /metrics of a worker process; 0: none (docs/observability.md). */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** JSON log lines at this level and above (docs/observability.md). */
  LOG_LEVEL: z
    .string()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']))
    .default('INFO'),
  /** Where the JSON log lines go: a file, or `-` for stdout (default: stdout for `npm run worker`, DATA_DIR/logs/zoe.jsonl for `npm start`). */
  LOG_FILE: z.string().min(1).optional(),
  APPROVAL_CUTOFF_ET: hhmm.default('11:45'),
  WINDOW_OPEN_ET: hhmm.default('12:00'),
  WINDOW_CLOSE_ET: hhmm.default('14:00'),
  CONFIRM_AT_ET: hhmm.default('06:30'),
  FILL_POLL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  SIM_PARTIAL_FILL_RATE: z.coerce.number().min(0).max(1).default(0.3),
  SIM_REJECT_RATE: z.coerce.number().min(0).max(1).default(0),
  SIM_GRADUAL_FILL_RATE: z.coerce.number().min(0).max(1).default(0.2),
  SIM_GRADUAL_SLICES: z.coerce.number().int().min(2).max(100).default(3),
  SIM_GRADUAL_SLICE_MS: z.coerce.number().int().min(0).max(3_600_000).default(0),
  SIM_OVERFILL_RATE: z.coerce.number().min(0).max(1).default(0),
  SIM_SEED: z.string().default('zoe'),
  NOTIFY_WEBHOOK_URL: z.string().url().optional(),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: port.default(587),
  SMTP_TLS: z.enum(['starttls', 'tls', 'none']).default('starttls'),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  SMTP_FROM: z.string().min(3).default('Zoe trading <zoe-trading@localhost>'),
  NOTIFY_OPS_EMAIL: emails.default(''),
  NOTIFY_TRADING_EMAIL: emails.default(''),
  NOTIFY_DISABLED: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const kinds = v
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean);
      for (const k of kinds)
        if (!(NOTIFICATION_KINDS as readonly string[]).includes(k))
          ctx.addIssue({
            code: 'custom',
            message: `${k} is not a notification kind (${NOTIFICATION_KINDS.join(', ')})`,
          });
      return kinds as NotificationKind[];
    }),
  NOTIFY_REMINDER_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  NOTIFY_DIGEST_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 3600)
    .default(120),
  NOTIFY_DISPATCH_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
  PUBLIC_API_URL: z.string().url().optional(),
  PUBLIC_TEMPORAL_UI_URL: z.string().url().optional(),
  MAIL_SINK_PORT: port.default(2525),
  MAIL_SINK_WEB_PORT: port.default(8025),
  /**
   * The key the API signs decisions with and the workers check them with (docs/security.md, "The
   * trust boundary to Temporal"); set it on a cluster. Unset (dev): decisions sent straight through
   * Temporal are taken, recorded via TEMPORAL.
   */
  DECISION_SIGNING_KEY: z
    .string()
    .min(32, 'at least 32 characters (e.g. openssl rand -hex 32)')
    .max(512)
    .optional(),
  AUTO_REVIEW_MAX_LEG_USD: z
    .string()
    .regex(/^\d+(\.\d{1,2})?$/, 'must be a dollar amount, e.g. 100000')
    .default('100000'),
});

export type AppConfig = z.infer<typeof EnvSchema> & { custodianDropDir: string };

/**
 * The Ascend service account the workers sign in with: from the environment when given (a real
 * custodian), else the embedded simulator's own, made on first start under DATA_DIR/custodian.
 */
export function ascendCredentials(cfg: AppConfig): AscendCredentials {
  if (
    cfg.ASCEND_API_KEY &&
    cfg.ASCEND_SERVICE_ACCOUNT &&
    cfg.ASCEND_ORGANIZATION &&
    cfg.ASCEND_PRIVATE_KEY_PATH
  ) {
    let privateKeyPem: string;
    try {
      privateKeyPem = readFileSync(cfg.ASCEND_PRIVATE_KEY_PATH, 'utf8');
    } catch (e) {
      throw new Error(
        `ASCEND_PRIVATE_KEY_PATH: cannot read ${cfg.ASCEND_PRIVATE_KEY_PATH}: ${(e as Error).message}`,
      );
    }
    return {
      apiKey: cfg.ASCEND_API_KEY,
      name: cfg.ASCEND_SERVICE_ACCOUNT,
      organization: cfg.ASCEND_ORGANIZATION,
      privateKeyPem,
    };
  }
  return simServiceAccount(path.join(cfg.DATA_DIR, 'custodian'));
}

/** The simulator's own token: CUSTODIAN_SIM_TOKEN, else the one made once under DATA_DIR/custodian. */
export function simToken(cfg: AppConfig): string {
  return cfg.CUSTODIAN_SIM_TOKEN ?? simControlToken(path.join(cfg.DATA_DIR, 'custodian'));
}

/** The custodian client the workers use (CUSTODIAN_CLIENT), for the custodian at `url`. */
export function workerCustodian(cfg: AppConfig, url: string): CustodianPort {
  return custodianClient(
    cfg.CUSTODIAN_CLIENT,
    url,
    cfg.CUSTODIAN_CLIENT === 'ascend' ? ascendCredentials(cfg) : undefined,
    simToken(cfg),
  );
}

/**
 * The worker's concurrency and cache (docs/configuration.md, "Worker sizing"). Unset WORKER_MAX_CACHED_WORKFLOWS
 * keeps the SDK's default, about 600 workflows per GiB of V8 heap.
 */
export function workerTuning(cfg: AppConfig) {
  return {
    maxConcurrentActivityTaskExecutions: cfg.WORKER_MAX_ACTIVITIES,
    maxConcurrentLocalActivityExecutions: cfg.WORKER_MAX_LOCAL_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: cfg.WORKER_MAX_WORKFLOW_TASKS,
    ...(cfg.WORKER_MAX_CACHED_WORKFLOWS !== undefined
      ? { maxCachedWorkflows: cfg.WORKER_MAX_CACHED_WORKFLOWS }
      : {}),
  };
}

/** Where the SMTP server is (docs/notifications.md); undefined when SMTP_HOST is not set. */
export function mailSettings(cfg: AppConfig): MailSettings | undefined {
  if (!cfg.SMTP_HOST) return undefined;
  return {
    host: cfg.SMTP_HOST,
    port: cfg.SMTP_PORT,
    tls: cfg.SMTP_TLS,
    ...(cfg.SMTP_USER && cfg.SMTP_PASSWORD ? { auth: { user: cfg.SMTP_USER, pass: cfg.SMTP_PASSWORD } } : {}),
    from: cfg.SMTP_FROM,
  };
}

/** Who hears what and the links in the messages (docs/notifications.md). */
export function notifySettings(cfg: AppConfig): NotifySettings {
  return {
    opsEmails: cfg.NOTIFY_OPS_EMAIL,
    tradingEmails: cfg.NOTIFY_TRADING_EMAIL,
    disabled: cfg.NOTIFY_DISABLED,
    reminderMinutes: cfg.NOTIFY_REMINDER_MINUTES,
    digestSeconds: cfg.NOTIFY_DIGEST_SECONDS,
    apiUrl: (cfg.PUBLIC_API_URL ?? `http://localhost:${cfg.API_PORT}`).replace(/\/$/, ''),
    temporalUiUrl: (cfg.PUBLIC_TEMPORAL_UI_URL ?? `http://localhost:${cfg.TEMPORAL_UI_PORT}`).replace(
      /\/$/,
      '',
    ),
    namespace: cfg.TEMPORAL_NAMESPACE,
  };
}

/** Activity dependencies that come from configuration (notifier, mail, who hears what, review policy). */
export function activityPolicy(cfg: AppConfig) {
  const mail = mailSettings(cfg);
  return {
    notifier: cfg.NOTIFY_WEBHOOK_URL ? webhookNotifier(cfg.NOTIFY_WEBHOOK_URL) : undefined,
    mail: mail ? { transport: smtpTransport(mail), from: mail.from } : undefined,
    notify: notifySettings(cfg),
    policy: { autoReviewMaxLegUsd: cfg.AUTO_REVIEW_MAX_LEG_USD },
    allocationConcurrency: cfg.CUSTODIAN_ALLOCATION_CONCURRENCY,
    ...(cfg.DECISION_SIGNING_KEY ? { decisionSigningKey: cfg.DECISION_SIGNING_KEY } : {}),
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.superRefine((c, ctx) => {
    const set = [
      c.ASCEND_API_KEY,
      c.ASCEND_SERVICE_ACCOUNT,
      c.ASCEND_ORGANIZATION,
      c.ASCEND_PRIVATE_KEY_PATH,
    ];
    if (Boolean(c.SMTP_USER) !== Boolean(c.SMTP_PASSWORD))
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_USER'],
        message: 'set both SMTP_USER and SMTP_PASSWORD, or neither (no SMTP authentication)',
      });
    if (set.some(Boolean) && !set.every(Boolean))
      ctx.addIssue({
        code: 'custom',
        path: ['ASCEND_API_KEY'],
        message:
          'set all four of ASCEND_API_KEY, ASCEND_SERVICE_ACCOUNT, ASCEND_ORGANIZATION, ASCEND_PRIVATE_KEY_PATH, or none (the simulator makes its own)',
      });
  }).safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration in the environment:\n${lines.join('\n')}`);
  }
  const cfg = parsed.data;
  return { ...cfg, custodianDropDir: cfg.CUSTODIAN_DROP_DIR ?? path.join(cfg.DATA_DIR, 'custodian', 'drop') };
}
