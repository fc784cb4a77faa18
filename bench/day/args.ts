/** Command-line flags of `npm run bench:day`. Bad input stops the run with the flag and the reason. */
import { SERVER_KINDS, type ServerKind } from './temporal';

export interface BenchArgs {
  accounts: number;
  /** The Temporal server: the CLI's dev server or temporal-server on PostgreSQL (docs/cluster.md). */
  server: ServerKind;
  /** Day worker processes on the day's task queue. */
  workers: number;
  batchSize: number;
  skipNoop: boolean;
  /** Seconds from the day's start to the approval cut-off (default grows with the accounts). */
  reviewSeconds: number;
  /** Seconds the window stays open (default grows with the accounts). */
  windowSeconds: number;
  /** Seconds from the window's close to the next-morning confirm matching. */
  confirmDelaySeconds: number;
  fillPollSeconds: number;
  partialFillRate: number;
  /** Accounts are approved in bulk through the `approve` Update (false: manual accounts expire). */
  approve: boolean;
  timeoutMinutes: number;
  maxCachedWorkflows?: number;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  dbPool: number;
  /** Create the indexes the benchmark found missing (bench/day/db.ts), in the bench's database only. */
  proposedIndexes: boolean;
  /** The top statements by PostgreSQL execution time (pg_stat_statements) in the JSON. */
  pgStats: boolean;
}

export const USAGE = `usage: npm run bench:day -- --accounts N [--server dev|cluster] [--workers 1]
  [--batch-size 200] [--skip-noop]
  [--review-seconds S] [--window-seconds S] [--confirm-delay-seconds S] [--fill-poll-seconds 1]
  [--partial-fill-rate 0.3] [--no-approve] [--timeout-minutes 60] [--db-pool 10]
  [--max-cached-workflows N] [--max-activities N] [--max-workflow-tasks N] [--proposed-indexes] [--pg-stats]`;

export class ArgError extends Error {}

export function parseArgs(argv: string[]): BenchArgs {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new ArgError(`unexpected argument ${JSON.stringify(a)}`);
    const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (['skip-noop', 'no-approve', 'proposed-indexes', 'pg-stats', 'help'].includes(name)) {
      flags.set(name, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new ArgError(`--${name} needs a value`);
    flags.set(name, value);
  }
  if (flags.has('help')) throw new ArgError('');
  const known = new Set([
    'accounts',
    'server',
    'workers',
    'batch-size',
    'skip-noop',
    'review-seconds',
    'window-seconds',
    'confirm-delay-seconds',
    'fill-poll-seconds',
    'partial-fill-rate',
    'no-approve',
    'timeout-minutes',
    'max-cached-workflows',
    'max-activities',
    'max-workflow-tasks',
    'db-pool',
    'proposed-indexes',
    'pg-stats',
  ]);
  for (const k of flags.keys()) if (!known.has(k)) throw new ArgError(`unknown flag --${k}`);

  const int = (name: string, dflt: number | undefined, min = 1): number | undefined => {
    const raw = flags.get(name);
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new ArgError(`--${name} must be a whole number >= ${min}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
  const num = (name: string, dflt: number, min: number, max: number): number => {
    const raw = flags.get(name);
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new ArgError(`--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };

  const accounts = int('accounts', 100)!;
  if (accounts > 99_999) throw new ArgError('--accounts must be at most 99999 (custodian account numbers)');
  const server = flags.get('server') ?? 'dev';
  if (typeof server !== 'string' || !(SERVER_KINDS as readonly string[]).includes(server))
    throw new ArgError(`--server must be one of ${SERVER_KINDS.join(', ')}, got ${JSON.stringify(server)}`);
  const workers = int('workers', 1)!;
  if (workers > 8) throw new ArgError(`--workers must be at most 8, got ${workers}`);
  return {
    accounts,
    server: server as ServerKind,
    workers,
    batchSize: int('batch-size', 200)!,
    skipNoop: flags.has('skip-noop'),
    reviewSeconds: num('review-seconds', defaultReviewSeconds(accounts), 1, 86_400),
    windowSeconds: num('window-seconds', defaultWindowSeconds(accounts), 1, 86_400),
    confirmDelaySeconds: num('confirm-delay-seconds', 8, 1, 86_400),
    fillPollSeconds: num('fill-poll-seconds', 1, 0.1, 3600),
    partialFillRate: num('partial-fill-rate', 0.3, 0, 1),
    approve: !flags.has('no-approve'),
    timeoutMinutes: num('timeout-minutes', 60, 1, 24 * 60),
    maxCachedWorkflows: int('max-cached-workflows', undefined, 0),
    maxConcurrentActivityTaskExecutions: int('max-activities', undefined),
    maxConcurrentWorkflowTaskExecutions: int('max-workflow-tasks', undefined, 2),
    dbPool: int('db-pool', 10)!,
    proposedIndexes: flags.has('proposed-indexes'),
    pgStats: flags.has('pg-stats'),
  };
}

/**
 * The clock is fixed when the day starts, so each phase gets a budget: a floor plus a per-account
 * rate measured on this 2-core machine (see the JSON's `clock` and `slack` to tune it).
 */
export function defaultReviewSeconds(accounts: number): number {
  return Math.ceil(6 + accounts * 0.09);
}

export function defaultWindowSeconds(accounts: number): number {
  return Math.ceil(10 + accounts * 0.15);
}
