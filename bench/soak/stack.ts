/**
 * The soak's own stack, as bench:day's and chaos's: PostgreSQL (embedded on a free port, or a
 * fresh database on DATABASE_URL: bench/day/db.ts), the Temporal dev server with its in-memory
 * database (bench/day/temporal.ts), the custodian simulator in this process (bench/day/sim.ts).
 * and one worker process for the whole run (bench/day/worker-process.ts, every activity), so a day
 * pays no worker start. `stop` takes everything down in reverse order.
 */
import type { RunningSim } from '../../src/custodian/sim/server';
import { type BenchDb, openBenchDb } from '../day/db';
import type { ChildMessage } from '../day/protocol';
import { startBenchSim } from '../day/sim';
import { type BenchTemporal, startBenchTemporal } from '../day/temporal';
import { type Report, type RunningWorker, spawnWorker } from '../day/worker-process';

export type WorkerProgress = Extract<ChildMessage, { type: 'progress' }>;

export interface SoakStack {
  bdb: BenchDb;
  temporal: BenchTemporal;
  sim: RunningSim;
  dropDir: string;
  worker: RunningWorker;
  taskQueue: string;
  /** Who hears the worker's progress messages (every 5 s). */
  onProgress: (p: WorkerProgress) => void;
  /** Stops the worker (its report: peak RSS, CPU, activities over the run), then the rest. */
  stop(): Promise<Report | undefined>;
}

export async function startSoakStack(opts: {
  seed: string;
  partialFillRate: number;
  log: (m: string) => void;
}): Promise<SoakStack> {
  const cleanup: { name: string; fn: () => Promise<unknown> | unknown }[] = [];
  const stop = async () => {
    for (const c of cleanup.reverse()) {
      try {
        await c.fn();
      } catch (e) {
        opts.log(`cleanup ${c.name}: ${(e as Error).message}`);
      }
    }
    cleanup.length = 0;
  };
  try {
    const bdb = await openBenchDb({ pool: 10 });
    cleanup.push({ name: 'database', fn: () => bdb.stop() });
    opts.log(`PostgreSQL: ${bdb.embedded ? `embedded, data ${bdb.dataDir}` : 'DATABASE_URL'}`);
    const temporal = await startBenchTemporal({
      kind: 'dev',
      inMemory: true,
      pgUrl: bdb.url,
      embeddedPg: bdb.embedded,
      log: opts.log,
    });
    cleanup.push({ name: 'temporal', fn: () => temporal.stop() });
    opts.log(temporal.describe);
    const { dropDir, sim } = await startBenchSim({
      url: bdb.url,
      name: 'soak',
      seed: `soak-${opts.seed}`,
      partialFillRate: opts.partialFillRate,
      cleanup,
    });
    opts.log(`custodian simulator on ${sim.url}`);
    const taskQueue = `soak-${process.pid}`;
    const t0 = Date.now();
    const stack: Omit<SoakStack, 'worker'> & { worker?: RunningWorker } = {
      bdb,
      temporal,
      sim,
      dropDir,
      taskQueue,
      onProgress: () => {},
      async stop() {
        const report = await stack.worker?.stop().catch((e: Error) => {
          opts.log(`worker report: ${e.message}`);
          stack.worker?.kill();
          return undefined;
        });
        await stop();
        return report;
      },
    };
    stack.worker = await spawnWorker(
      {
        mode: 'day',
        address: temporal.address,
        namespace: temporal.namespace,
        taskQueue,
        databaseUrl: bdb.url,
        custodianUrl: sim.url,
        custodianToken: sim.token,
        dropDir,
        dbPool: 10,
      },
      (p) => stack.onProgress(p),
    );
    cleanup.push({ name: 'worker', fn: () => stack.worker?.kill() });
    opts.log(`worker ${stack.worker.pid} polling after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return stack as SoakStack;
  } catch (e) {
    await stop();
    throw e;
  }
}
