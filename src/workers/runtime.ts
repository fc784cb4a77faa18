/**
 * The SDK runtime of a worker process (docs/observability.md), installed once before any
 * connection: JSON log lines (src/workers/json-logger.ts) for the TS side and the Rust core
 * (forwarded), and the core's Prometheus /metrics on WORKER_METRICS_HOST:WORKER_METRICS_PORT.
 */
import { type LogLevel, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import type { AppConfig } from '../config';
import { JsonLogger, type LogSink, logSink } from './json-logger';

export interface InstalledRuntime {
  /** The Prometheus endpoint, when on. */
  metricsUrl?: string;
  logTarget: string;
}

export function installWorkerRuntime(
  cfg: Pick<AppConfig, 'LOG_LEVEL' | 'LOG_FILE' | 'WORKER_METRICS_PORT' | 'METRICS_HOST'>,
  opts: { defaultLogTarget: string; sink?: LogSink },
): InstalledRuntime {
  const level = cfg.LOG_LEVEL as LogLevel;
  const logTarget = cfg.LOG_FILE ?? opts.defaultLogTarget;
  const bindAddress = `${cfg.METRICS_HOST}:${cfg.WORKER_METRICS_PORT}`;
  Runtime.install({
    logger: new JsonLogger(level, opts.sink ?? logSink(logTarget)),
    telemetryOptions: {
      logging: {
        filter: makeTelemetryFilterString({ core: level === 'TRACE' ? 'TRACE' : 'WARN' }),
        forward: {},
      },
      ...(cfg.WORKER_METRICS_PORT > 0 ? { metrics: { prometheus: { bindAddress } } } : {}),
    },
  });
  return {
    metricsUrl: cfg.WORKER_METRICS_PORT > 0 ? `http://${bindAddress}/metrics` : undefined,
    logTarget,
  };
}
