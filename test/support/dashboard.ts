/** The metric names the Grafana dashboard (temporal-config/grafana/) queries, for the tests that scrape. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../../src/config';

/** Counters the SDK or the server creates at their first event: a failure, a forced eviction. */
export const ON_FIRST_FAILURE = new Set([
  'temporal_workflow_failed',
  'temporal_workflow_task_execution_failed',
  'temporal_activity_execution_failed',
  'temporal_sticky_cache_total_forced_eviction',
  'persistence_errors',
  'zoe_day_oldest_open_break_seconds',
]);

export function dashboardMetricNames(prefix: string): string[] {
  const file = path.join(ROOT_DIR, 'temporal-config', 'grafana', 'zoe-daily-trading.json');
  const dash = JSON.parse(readFileSync(file, 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
  const names = new Set<string>();
  for (const p of dash.panels)
    for (const t of p.targets ?? [])
      for (const m of t.expr.matchAll(/\b([a-z_]+)(?=[{[\s)])/g))
        if (m[1]!.startsWith(prefix)) names.add(m[1]!.replace(/_(bucket|sum|count)$/, ''));
  return [...names].sort();
}
