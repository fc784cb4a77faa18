/**
 * The soak benchmark's command line, validated with zod: `--flag value` or `--flag=value`, every
 * flag known, every value in range; a refusal names the flag and what it got.
 */
import { z } from 'zod';

export const USAGE = `usage: npm run -s soak -- [--days 21] [--accounts 500] [--seed S] [--splits]
  [--reject-rate 0.2] [--expire-rate 0.05] [--batch-size 200] [--review-seconds S] [--window-seconds S]
  [--confirm-delay-seconds 8] [--fill-poll-seconds 1] [--partial-fill-rate 0.3]
  [--day-timeout-minutes 30]
  --splits  also plan the corporate actions (EXT235): a 2-for-1 split, a 1-for-2 reverse split
            and a symbol change, which the simulator applies to its own positions, lots and
            prices (docs/benchmarks.md)`;

export class ArgError extends Error {}

/**
 * The day's clock is fixed when it starts (as bench:day's), so review and window get a budget:
 * a floor plus a rate per account, about twice bench:day's, because a run of many days on a
 * shared 2-core machine meets other people's load; too short a review lets manual proposals
 * expire and too short a window leaves legs unsent (the day's JSON shows both).
 */
export function soakReviewSeconds(accounts: number): number {
  return Math.ceil(20 + accounts * 0.15);
}

export function soakWindowSeconds(accounts: number): number {
  return Math.ceil(20 + accounts * 0.2);
}

const BOOLEAN_FLAGS = new Set(['splits', 'help']);

const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const number = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a number')
    .transform(Number)
    .pipe(z.number().min(min).max(max));

const FlagsSchema = z
  .object({
    days: whole(1, 260).default('21'),
    // The machine's rule: no benchmark above 1,000 accounts unless a task asks for it.
    accounts: whole(1, 1000).default('500'),
    seed: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,40}$/, 'must be 1-40 letters, digits, . _ : or -')
      .default('1'),
    splits: z.literal(true).optional(),
    'reject-rate': number(0, 1).default('0.2'),
    'expire-rate': number(0, 1).default('0.05'),
    'batch-size': whole(1, 10_000).default('200'),
    'review-seconds': number(1, 86_400).optional(),
    'window-seconds': number(1, 86_400).optional(),
    'confirm-delay-seconds': number(1, 86_400).default('8'),
    'fill-poll-seconds': number(0.1, 3600).default('1'),
    'partial-fill-rate': number(0, 1).default('0.3'),
    'day-timeout-minutes': number(1, 24 * 60).default('30'),
  })
  .strict();

export interface SoakArgs {
  days: number;
  accounts: number;
  seed: string;
  splits: boolean;
  rejectRate: number;
  /** Share of the manual proposals whose advisor never answers (they expire at the cut-off). */
  expireRate: number;
  batchSize: number;
  reviewSeconds: number;
  windowSeconds: number;
  confirmDelaySeconds: number;
  fillPollSeconds: number;
  partialFillRate: number;
  dayTimeoutMinutes: number;
}

function tokenize(argv: string[]): Record<string, string | true> {
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new ArgError(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (name in flags) throw new ArgError(`--${name} given twice`);
    if (BOOLEAN_FLAGS.has(name)) {
      if (eq >= 0) throw new ArgError(`--${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || value.startsWith('--')) throw new ArgError(`--${name} needs a value`);
    flags[name] = value;
  }
  return flags;
}

export function parseArgs(argv: string[]): SoakArgs {
  const flags = tokenize(argv);
  if (flags.help) throw new ArgError('');
  const rates = FlagsSchema.safeParse(flags);
  if (rates.success && rates.data['reject-rate'] + rates.data['expire-rate'] > 1)
    throw new ArgError('--reject-rate and --expire-rate together must be at most 1');
  const parsed = FlagsSchema.safeParse(flags);
  if (!parsed.success) {
    const msg = parsed.error.issues
      .map((i) =>
        i.code === 'unrecognized_keys'
          ? i.keys.map((k) => `unknown flag --${k}`).join('; ')
          : `--${i.path.join('.')} ${i.message}, got ${JSON.stringify(flags[String(i.path[0])])}`,
      )
      .join('; ');
    throw new ArgError(msg);
  }
  const f = parsed.data;
  return {
    days: f.days,
    accounts: f.accounts,
    seed: f.seed,
    splits: f.splits === true,
    rejectRate: f['reject-rate'],
    expireRate: f['expire-rate'],
    batchSize: f['batch-size'],
    reviewSeconds: f['review-seconds'] ?? soakReviewSeconds(f.accounts),
    windowSeconds: f['window-seconds'] ?? soakWindowSeconds(f.accounts),
    confirmDelaySeconds: f['confirm-delay-seconds'],
    fillPollSeconds: f['fill-poll-seconds'],
    partialFillRate: f['partial-fill-rate'],
    dayTimeoutMinutes: f['day-timeout-minutes'],
  };
}
