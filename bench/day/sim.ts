/** The simulated custodian for a benchmark or chaos run: its own drop folder and pool, cleaned up after. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type RunningSim, startSimServer } from '../../src/custodian/sim/server';
import { createKnex } from '../../src/db/knex';
import { freePort } from '../../src/infra/postgres';

export async function startBenchSim(opts: {
  url: string;
  /** For the drop folder's name: zoe-{name}-drop-… */
  name: string;
  seed: string;
  partialFillRate: number;
  cleanup: { name: string; fn: () => unknown }[];
}): Promise<{ dropDir: string; sim: RunningSim }> {
  const dropDir = mkdtempSync(path.join(os.tmpdir(), `zoe-${opts.name}-drop-`));
  opts.cleanup.push({ name: 'drop dir', fn: () => rmSync(dropDir, { recursive: true, force: true }) });
  const simDb = createKnex(opts.url, { max: 10 });
  opts.cleanup.push({ name: 'sim db', fn: () => simDb.destroy() });
  const sim = await startSimServer({
    db: simDb,
    port: await freePort(),
    dropDir,
    correspondent: 'ZOE',
    fillModel: { seed: opts.seed, partialFillRate: opts.partialFillRate, rejectRate: 0 },
  });
  opts.cleanup.push({ name: 'simulator', fn: () => sim.close() });
  return { dropDir, sim };
}
