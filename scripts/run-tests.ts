/**
 * `npm test`: starts an embedded PostgreSQL for the run (or uses TEST_DATABASE_URL / DATABASE_URL
 * as the admin connection of a real server), then runs every test/**\/*.test.ts with node:test.
 * Each test file makes its own database, so files never see each other's rows.
 * The last line printed is the reporter's `N passed, N failed`.
 * Usage: npm test [-- <path filter> ...]
 */
import { spawn } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR, loadConfig } from '../src/config';
import { freePort, startEmbeddedPostgres } from '../src/infra/postgres';

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...findTests(full));
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out.sort();
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = findTests(path.join(ROOT_DIR, 'test')).filter(
    (f) => filters.length === 0 || filters.some((p) => f.includes(p)),
  );
  if (files.length === 0) {
    console.error(`no test files match ${filters.join(' ')}`);
    return 1;
  }
  const cfg = loadConfig();
  let adminUrl = process.env.TEST_DATABASE_URL ?? cfg.DATABASE_URL;
  let stopPg: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    // One data directory per run, so two runs side by side never share (or delete) a cluster.
    const dataDir = path.join(cfg.DATA_DIR, `pg-test-${process.pid}`);
    rmSync(dataDir, { recursive: true, force: true });
    const t0 = Date.now();
    const pg = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    console.log(`[test] embedded PostgreSQL up in ${Date.now() - t0} ms`);
    adminUrl = pg.adminUrl;
    stopPg = async () => {
      await pg.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const concurrency = process.env.TEST_CONCURRENCY ?? '2';
  const args = [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    // A test that hangs (e.g. a workflow retrying forever) fails after 10 minutes instead of
    // holding CI until its own limit.
    `--test-timeout=${process.env.TEST_TIMEOUT_MS ?? 600_000}`,
    '--test-reporter',
    path.join(ROOT_DIR, 'test', 'support', 'reporter.mjs'),
    '--test-reporter-destination',
    'stdout',
    ...files,
  ];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT_DIR,
      stdio: 'inherit',
      env: { ...process.env, TEST_PG_ADMIN_URL: adminUrl, NODE_ENV: 'test' },
    });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    // A test file that never exits (a handle left open after a failure) must not hold CI until
    // its own limit: stop the run and say so, with a failing summary line.
    const limitMs = Number(process.env.TEST_RUN_TIMEOUT_MS ?? 45 * 60_000);
    const watchdog = setTimeout(() => {
      console.log(`\n[test] the run did not finish within ${Math.round(limitMs / 60_000)} minutes; stopped`);
      child.kill('SIGKILL');
      console.log('0 passed, 1 failed');
    }, limitMs);
    child.on('exit', (c, sig) => {
      clearTimeout(watchdog);
      resolve(c ?? (sig ? 1 : 0));
    });
  });
  if (stopPg) await stopPg().catch(() => undefined);
  return code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    console.log('\n0 passed, 1 failed');
    process.exit(1);
  },
);
