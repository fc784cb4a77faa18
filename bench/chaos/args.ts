/** Command-line flags of `npm run chaos`. Bad input stops the run with the flag and the reason. */
import { defaultReviewSeconds, defaultWindowSeconds } from '../day/args';
import { SERVER_KINDS, type ServerKind } from '../day/temporal';

export const SCENARIOS = ['kill-worker', 'server-restart', 'pg-down', 'custodian-faults'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ChaosArgs {
  scenarios: ScenarioName[];
  /** The Temporal server: the CLI's dev server or temporal-server on PostgreSQL (docs/cluster.md). */
  server: ServerKind;
  accounts: number;
  kills: number;
  seed: string;
  batchSize: number;
  /** The day's clock before each scenario's own stretch (see main.ts `clockFor`). */
  reviewSeconds: number;
  windowSeconds: number;
  confirmDelaySeconds: number;
  fillPollSeconds: number;
  partialFillRate: number;
  /** How long PostgreSQL stays down in pg-down. */
  pgDownSeconds: number;
  /** How long the Temporal dev server stays down in server-restart (between SIGTERM's exit and the restart). */
  serverDownSeconds: number;
  /** custodian-faults: the fault switch's settings. */
  errorRate: number;
  latencyMs: number;
  timeoutMinutes: number;
}

export const USAGE = `usage: npm run -s chaos -- [--server dev|cluster]
  [--scenarios kill-worker,server-restart,pg-down,custodian-faults]
  [--accounts 1000] [--kills 20] [--seed chaos] [--batch-size 200]
  [--review-seconds S] [--window-seconds S] [--confirm-delay-seconds 8] [--fill-poll-seconds 1]
  [--partial-fill-rate 0.3] [--pg-down-seconds 60] [--server-down-seconds 10]
  [--error-rate 0.3] [--latency-ms 2000] [--timeout-minutes 30]`;

export class ArgError extends Error {}

export function parseArgs(argv: string[]): ChaosArgs {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') throw new ArgError('');
    if (!a.startsWith('--')) throw new ArgError(`unexpected argument ${JSON.stringify(a)}`);
    const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new ArgError(`--${name} needs a value`);
    flags.set(name, value);
  }
  const known = new Set([
    'scenarios',
    'server',
    'accounts',
    'kills',
    'seed',
    'batch-size',
    'review-seconds',
    'window-seconds',
    'confirm-delay-seconds',
    'fill-poll-seconds',
    'partial-fill-rate',
    'pg-down-seconds',
    'server-down-seconds',
    'error-rate',
    'latency-ms',
    'timeout-minutes',
  ]);
  for (const k of flags.keys()) if (!known.has(k)) throw new ArgError(`unknown flag --${k}`);

  const int = (name: string, dflt: number, min: number, max: number): number => {
    const raw = flags.get(name);
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new ArgError(
        `--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`,
      );
    }
    return n;
  };
  const num = (name: string, dflt: number, min: number, max: number): number => {
    const raw = flags.get(name);
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new ArgError(`--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };

  const scenarios = (flags.get('scenarios') ?? SCENARIOS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of scenarios) {
    if (!(SCENARIOS as readonly string[]).includes(s))
      throw new ArgError(`unknown scenario ${JSON.stringify(s)} (one of ${SCENARIOS.join(', ')})`);
  }
  if (scenarios.length === 0) throw new ArgError('--scenarios names no scenario');
  const accounts = int('accounts', 1000, 1, 99_999);
  const server = flags.get('server') ?? 'dev';
  if (!(SERVER_KINDS as readonly string[]).includes(server))
    throw new ArgError(`--server must be one of ${SERVER_KINDS.join(', ')}, got ${JSON.stringify(server)}`);
  return {
    scenarios: [...new Set(scenarios)] as ScenarioName[],
    server: server as ServerKind,
    accounts,
    kills: int('kills', 20, 0, 1000),
    seed: flags.get('seed') ?? 'chaos',
    batchSize: int('batch-size', 200, 1, 10_000),
    reviewSeconds: num('review-seconds', defaultReviewSeconds(accounts) + 10, 1, 86_400),
    windowSeconds: num('window-seconds', defaultWindowSeconds(accounts) + 20, 1, 86_400),
    confirmDelaySeconds: num('confirm-delay-seconds', 8, 1, 86_400),
    fillPollSeconds: num('fill-poll-seconds', 1, 0.1, 3600),
    partialFillRate: num('partial-fill-rate', 0.3, 0, 1),
    pgDownSeconds: num('pg-down-seconds', 60, 0, 3600),
    serverDownSeconds: num('server-down-seconds', 10, 0, 3600),
    errorRate: num('error-rate', 0.3, 0, 1),
    latencyMs: int('latency-ms', 2000, 0, 60_000),
    timeoutMinutes: num('timeout-minutes', 30, 1, 24 * 60),
  };
}
