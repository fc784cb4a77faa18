/**
 * Starts a benchmark worker process (bench/day/worker-child.ts) with `fork` and resolves once it
 * polls. Shared by bench/day/main.ts and bench/chaos/main.ts (which kills and restarts it).
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { ChildConfig, ChildMessage, WorkerSettings } from './protocol';

export type Report = Extract<ChildMessage, { type: 'report' }>;

export interface RunningWorker {
  pid: number;
  settings: WorkerSettings;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  exited: Promise<number | null>;
  stop(): Promise<Report>;
  kill(): void;
}

/** Starts a worker process and resolves once it polls. */
export function spawnWorker(
  cfg: ChildConfig,
  onProgress: (m: Extract<ChildMessage, { type: 'progress' }>) => void,
): Promise<RunningWorker> {
  const child: ChildProcess = fork(require.resolve('./worker-child'), [], {
    // BENCH_WORKER_NODE_ARGS: extra node flags for the worker only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
    env: { ...process.env, BENCH_WORKER_CONFIG: JSON.stringify(cfg) },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  child.stdout?.pipe(process.stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let onReport: ((r: Report) => void) | undefined;
  return new Promise((resolve, reject) => {
    const exitedEarly = (code: number | null) =>
      reject(new Error(`${cfg.mode} worker exited (${code}) before it was ready`));
    child.once('exit', exitedEarly);
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'progress') onProgress(m);
      if (m.type === 'report') onReport?.(m);
      if (m.type !== 'ready') return;
      child.off('exit', exitedEarly);
      resolve({
        pid: m.pid,
        settings: m.settings,
        exited,
        kill: () => child.kill('SIGKILL'),
        stop: () =>
          new Promise<Report>((res, rej) => {
            onReport = res;
            child.once('exit', (code) =>
              rej(new Error(`${cfg.mode} worker exited (${code}) without a report`)),
            );
            child.send({ type: 'stop' });
          }),
      });
    });
  });
}
