/**
 * The SDK runtime's logger as JSON lines (docs/observability.md): one object per line with
 * `time`, `level`, `msg`, then `workflowId`, `runId`, `accountId`, `tradeDate` on every line (null
 * where the line is not about one: a worker starting, a core message), then the rest of the
 * SDK's metadata (workflowType, activityType, attempt, taskQueue, sdkComponent, …).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { logContextOf } from './log-context';

const RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

export type LogSink = (line: string) => void;

/** stdout, or appended to a file (made with its directory when missing). */
export function logSink(target: string): LogSink {
  if (target === '-') return (line) => process.stdout.write(line);
  mkdirSync(path.dirname(target), { recursive: true });
  return (line) => appendFileSync(target, line);
}

function plain(v: unknown): unknown {
  if (v instanceof Error) return { name: v.name, message: v.message, stack: v.stack };
  if (typeof v === 'bigint') return v.toString();
  return v;
}

export class JsonLogger implements Logger {
  constructor(
    readonly level: LogLevel,
    private readonly sink: LogSink,
  ) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    if (RANK[level] < RANK[this.level]) return;
    const { workflowId, runId, workflowRunId, accountId, tradeDate, ...rest } = meta as Record<
      string,
      unknown
    >;
    const wf = typeof workflowId === 'string' ? workflowId : undefined;
    const fromId = logContextOf(wf);
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      msg: message,
      workflowId: wf ?? null,
      runId: runId ?? workflowRunId ?? null,
      accountId: accountId ?? fromId.accountId ?? null,
      tradeDate: tradeDate ?? fromId.tradeDate ?? null,
    };
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) line[k] = plain(v);
    let text: string;
    try {
      text = JSON.stringify(line);
    } catch {
      text = JSON.stringify({ ...line, meta: String(rest) });
    }
    this.sink(`${text}\n`);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
