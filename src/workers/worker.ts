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

/**
 * Modules the SDK evaluates once in its shared V8 context instead of once per workflow
 * (`preloadModules`). Without it every new workflow evaluates luxon and the market calendar again
 * into its own module cache: CPU on the workflow thread and memory for each cached workflow. The
 * SDK deep-freezes what a preloaded module exports, so only modules without per-workflow or lazily
 * cached state belong here (test/workers/preload.test.ts checks the project's ones). Not zod: its
 * schemas cache on themselves when they first parse and its classes bind methods to instances, so
 * a workflow loads it only when it first parses a message (src/workflows/messages.ts).
 */
export const PRELOADED_WORKFLOW_MODULES = [
  // luxon comes with it (a bare 'luxon' here is dropped by webpack: the package has no side effects).
  require.resolve('../domain/calendar'),
];

let bundle: Promise<{ code: string }> | undefined;

/** The workflow bundle, built once per process (webpack takes a few seconds). */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    preloadModules: PRELOADED_WORKFLOW_MODULES,
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
