/**
 * Worker wiring: one task queue carries the workflows and every activity by default.
 * `createTradingWorker` is used by the worker process, by `npm start` and by the tests.
 */
import { type NativeConnection, Worker, type WorkerOptions, bundleWorkflowCode } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../activities';
import { activityLogContext } from './activity-log-interceptor';

export const WORKFLOWS_PATH = require.resolve('../workflows');
/** Adds the trade date and account to every workflow log line (docs/observability.md). */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('./workflow-log-interceptor')];

let bundle: Promise<{ code: string }> | undefined;

/** The workflow bundle, built once per process (webpack takes a few seconds). */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: quietLogger,
  });
  return bundle;
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

export interface TradingWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Concurrency knobs (see docs/configuration.md). */
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxConcurrentLocalActivityExecutions?: number;
  /** Workflows kept in memory between tasks; the SDK's default (from the heap size) when unset. */
  maxCachedWorkflows?: number;
  extra?: Partial<WorkerOptions>;
}

export async function createTradingWorker(opts: TradingWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities(opts.deps),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 50,
    maxConcurrentWorkflowTaskExecutions: opts.maxConcurrentWorkflowTaskExecutions ?? 40,
    ...(opts.maxConcurrentLocalActivityExecutions !== undefined
      ? { maxConcurrentLocalActivityExecutions: opts.maxConcurrentLocalActivityExecutions }
      : {}),
    ...(opts.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
    ...opts.extra,
    interceptors: {
      ...opts.extra?.interceptors,
      activity: [activityLogContext, ...(opts.extra?.interceptors?.activity ?? [])],
    },
  });
}
