/**
 * The reports of several day worker processes (bench:day --workers N) as one: activity statistics
 * combined, each account's instants taken once (the earliest), and the accounts whose step ran
 * more than once successfully across the processes (what "no account runs twice" checks).
 */
import type { ActivityStats } from './protocol';
import type { Report } from './worker-process';

export interface MergedReport {
  activities: Record<string, ActivityStats>;
  /** Sorted instants (epoch ms), one per account. */
  pastReview: number[];
  tradingDone: number[];
  /** Per activity type: accounts, successful executions, and accounts with more than one. */
  runs: Record<string, { accounts: number; executions: number; ranTwice: number; examples: string[] }>;
  /** Per activity type, executions per worker process (how the work was shared). */
  byProcess: Record<string, number[]>;
}

function mergeStats(xs: ActivityStats[]): ActivityStats {
  const count = xs.reduce((a, s) => a + s.count, 0);
  const weighted = (f: (s: ActivityStats) => number) =>
    count ? Math.round((xs.reduce((a, s) => a + f(s) * s.count, 0) / count) * 10) / 10 : 0;
  return {
    count,
    failed: xs.reduce((a, s) => a + s.failed, 0),
    ...mergeErrors(xs),
    execMeanMs: weighted((s) => s.execMeanMs),
    // The larger of the processes' own percentiles (an upper bound of the combined one).
    execP95Ms: Math.max(...xs.map((s) => s.execP95Ms)),
    execMaxMs: Math.max(...xs.map((s) => s.execMaxMs)),
    execTotalS: Math.round(xs.reduce((a, s) => a + s.execTotalS, 0) * 1000) / 1000,
    scheduleToStartMeanMs: Math.round(weighted((s) => s.scheduleToStartMeanMs)),
    scheduleToStartP95Ms: Math.max(...xs.map((s) => s.scheduleToStartP95Ms)),
    first: Math.min(...xs.map((s) => s.first)),
    last: Math.max(...xs.map((s) => s.last)),
  };
}

function mergeErrors(xs: ActivityStats[]): { errors?: Record<string, number> } {
  const errors: Record<string, number> = {};
  for (const s of xs) for (const [m, n] of Object.entries(s.errors ?? {})) errors[m] = (errors[m] ?? 0) + n;
  return Object.keys(errors).length ? { errors } : {};
}

function earliest(maps: Record<string, number>[]): number[] {
  const by = new Map<string, number>();
  for (const m of maps) for (const [k, t] of Object.entries(m)) by.set(k, Math.min(t, by.get(k) ?? t));
  return [...by.values()].sort((a, b) => a - b);
}

export function mergeReports(reports: Report[]): MergedReport {
  const types = [...new Set(reports.flatMap((r) => Object.keys(r.activities)))];
  const activities: Record<string, ActivityStats> = {};
  const byProcess: Record<string, number[]> = {};
  for (const t of types) {
    const xs = reports.map((r) => r.activities[t]).filter((s): s is ActivityStats => s !== undefined);
    activities[t] = mergeStats(xs);
    byProcess[t] = reports.map((r) => r.activities[t]?.count ?? 0);
  }
  const runs: MergedReport['runs'] = {};
  for (const t of [...new Set(reports.flatMap((r) => Object.keys(r.accountRuns)))]) {
    const per = new Map<string, number>();
    for (const r of reports)
      for (const [acct, n] of Object.entries(r.accountRuns[t] ?? {})) per.set(acct, (per.get(acct) ?? 0) + n);
    const twice = [...per].filter(([, n]) => n > 1).map(([a]) => a);
    runs[t] = {
      accounts: per.size,
      executions: [...per.values()].reduce((a, b) => a + b, 0),
      ranTwice: twice.length,
      examples: twice.slice(0, 5),
    };
  }
  return {
    activities,
    pastReview: earliest(reports.map((r) => r.pastReview)),
    tradingDone: earliest(reports.map((r) => r.tradingDone)),
    runs,
    byProcess,
  };
}
