/**
 * The API's /metrics (docs/observability.md): request count and latency by method, route (the
 * route's pattern, never the raw URL: bounded labels) and status, the process's own default
 * metrics, and the trading day's gauges (src/metrics/day-gauges.ts) read when scraped.
 * Installed on the Fastify app by one line in src/api/server.ts.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { Knex } from 'knex';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerDayGauges } from './day-gauges';

export interface ApiMetricsOptions {
  db: Knex;
  client?: Client;
  /** The registry to fill (default: a new one per app, so two apps in one process stay apart). */
  registry?: Registry;
}

/** The process's own metrics (CPU, memory, event loop lag), set up once per process. */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'zoe_api_process_' });
  }
  return processRegistry;
}

export function installApiMetrics(app: FastifyInstance, opts: ApiMetricsOptions): Registry {
  const registry = opts.registry ?? new Registry();
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'zoe_api_requests_total',
    help: 'API requests by method, route pattern and status',
    labelNames,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'zoe_api_request_duration_seconds',
    help: 'API request latency by method, route pattern and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [registry],
  });
  registerDayGauges(registry, { db: opts.db, client: opts.client });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    const labels = { method: req.method, route, status: String(reply.statusCode) };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_req, reply) =>
    reply
      .header('cache-control', 'no-store')
      .type(registry.contentType)
      .send(`${await processMetrics().metrics()}\n${await registry.metrics()}`),
  );
  return registry;
}
