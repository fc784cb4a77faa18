/**
 * `npx tsx bench/seed/main.ts [--accounts 1000] [--runs 3]`: how long the demo seed takes for N
 * accounts on a fresh database (its own embedded PostgreSQL, or DATABASE_URL), one JSON line per
 * run. Used to check that seeding through the book import stays about as fast as before.
 */
import { parseArgs } from 'node:util';
import { seedDemoData } from '../../src/demo/seed';
import { openBenchDb } from '../day/db';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { accounts: { type: 'string' }, runs: { type: 'string' }, date: { type: 'string' } },
  });
  const accounts = Number(values.accounts ?? 1000);
  const runs = Number(values.runs ?? 3);
  const asOf = values.date ?? '2026-11-24';
  if (!Number.isInteger(accounts) || accounts < 1 || !Number.isInteger(runs) || runs < 1) {
    throw new Error('--accounts and --runs must be positive whole numbers');
  }
  const bdb = await openBenchDb({ pool: 10 });
  try {
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      const r = await seedDemoData(bdb.db, { asOf, accounts, reset: true });
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = process.cpuUsage(cpu0);
      const lots = await bdb.db('tax_lots').count<{ n: string }[]>('* as n');
      process.stdout.write(
        `${JSON.stringify({
          run: i + 1,
          accounts: r.accounts,
          lots: Number(lots[0]?.n ?? 0),
          seconds: Number(seconds.toFixed(3)),
          processCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(3)),
        })}\n`,
      );
    }
  } finally {
    await bdb.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
