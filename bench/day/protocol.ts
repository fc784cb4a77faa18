/** Messages between bench/day/main.ts and its worker processes (bench/day/worker-child.ts). */

export interface ChildConfig {
  mode: 'day' | 'noop';
  address: string;
  namespace: string;
  taskQueue: string;
  databaseUrl?: string;
  custodianUrl?: string;
  /** The simulator's own token (src/custodian/sim/guard.ts). */
  custodianToken?: string;
  dropDir?: string;
  dbPool: number;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxCachedWorkflows?: number;
}

export interface ActivityStats {
  count: number;
  failed: number;
  /** The failed attempts' messages (first 120 characters), by message: the first 5 distinct. */
  errors?: Record<string, number>;
  execMeanMs: number;
  execP95Ms: number;
  execMaxMs: number;
  /** Sum of execution times: where the worker's activity time went. */
  execTotalS: number;
  scheduleToStartMeanMs: number;
  scheduleToStartP95Ms: number;
  /** Epoch ms of the first start and the last end. */
  first: number;
  last: number;
}

export type CoreMetrics = Record<string, number | string | { count: number; meanMs: number }>;

export interface WorkerSettings {
  taskQueue: string;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxConcurrentActivityTaskExecutions?: number;
  maxCachedWorkflows: number;
  workflowThreadPoolSize: number;
  reuseV8Context: boolean;
  workflowTaskPollers?: number;
  activityTaskPollers?: number;
  dbPoolMax?: number;
  v8HeapLimitMiB: number;
}

export type ChildMessage =
  | { type: 'ready'; pid: number; settings: WorkerSettings }
  | { type: 'progress'; counts: Record<string, number>; pastReview: number; rssMiB: number }
  | {
      type: 'report';
      settings: WorkerSettings;
      peakRssMiB: number;
      /** When the peak RSS was sampled (epoch ms). */
      peakRssAt: number;
      peakHeapUsedMiB: number;
      cpuSeconds: number;
      activities: Record<string, ActivityStats>;
      /** When each account got past review / had its fills booked (epoch ms), by account. */
      pastReview: Record<string, number>;
      tradingDone: Record<string, number>;
      /** Successful executions per activity type and account (an account's step run twice shows here). */
      accountRuns: Record<string, Record<string, number>>;
      core: CoreMetrics;
    };
