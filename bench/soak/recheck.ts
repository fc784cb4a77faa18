/**
 * `npx tsx bench/soak/recheck.ts <data dir>`: the trading checks of ./trading-invariants.ts run
 * again on a soak's kept database (`BENCH_KEEP_DATA=1`), for every trade date of the run: the
 * checks that read only what the book keeps per date (bands after the trades, deposits invested)
 * per date, and the run-wide ones (wash sales across the run, realized gains against the
 * custodian's closed lots) at its last date. It starts the embedded PostgreSQL on that data
 * directory (a free port) and stops it at the end; stdout: one JSON line per date, then a summary.
 * The checks that compare the book with the custodian at a day's close cannot be run afterwards
 * (the simulator has moved on); the run's own lines have them.
 */
import { existsSync } from 'node:fs';
import type { Knex } from 'knex';
import { type SimClosedLot, lotsAsOf } from '../../src/custodian/sim/lots';
import { createKnex } from '../../src/db/knex';
import { nextTradingDay } from '../../src/domain/calendar';
import { databaseUrl, freePort, startEmbeddedPostgres } from '../../src/infra/postgres';
import {
  depositsInvested,
  insideBandsAfterTrades,
  noWashSaleAcrossRun,
  realizedGainsMatchCustodian,
} from './trading-invariants';

async function recheck(db: Knex): Promise<boolean> {
  const dates = (
    (await db.raw('SELECT DISTINCT trade_date::text AS d FROM proposals ORDER BY 1')).rows as { d: string }[]
  ).map((r) => r.d);
  let ok = true;
  for (const date of dates) {
    const checks = [await insideBandsAfterTrades(db, date), await depositsInvested(db, date)];
    ok &&= checks.every((c) => c.ok);
    process.stdout.write(
      `${JSON.stringify({ recheck: 'day', date, checks: Object.fromEntries(checks.map((c) => [c.name, { ok: c.ok, ...c.details, violations: c.violations ?? c.details.violations }])) })}\n`,
    );
  }
  const last = dates[dates.length - 1];
  if (!last) throw new Error('no proposals in that database: not a soak run');
  const closed: SimClosedLot[] = [];
  await lotsAsOf(db, nextTradingDay(last), { closed });
  const run = [await noWashSaleAcrossRun(db, last), await realizedGainsMatchCustodian(db, closed)];
  ok &&= run.every((c) => c.ok);
  process.stdout.write(
    `${JSON.stringify({ recheck: 'run', dates: { first: dates[0], last, days: dates.length }, ok, checks: Object.fromEntries(run.map((c) => [c.name, { ok: c.ok, ...c.details, violations: c.violations ?? c.details.violations }])) })}\n`,
  );
  return ok;
}

async function main(): Promise<number> {
  const dir = process.argv[2];
  if (!dir || !existsSync(dir)) {
    process.stderr.write('usage: npx tsx bench/soak/recheck.ts <kept PostgreSQL data directory>\n');
    return 2;
  }
  const pg = await startEmbeddedPostgres({ dataDir: dir, port: await freePort() });
  const db = createKnex(databaseUrl(pg.adminUrl, 'zoe_bench'), { max: 4 });
  try {
    return (await recheck(db)) ? 0 : 1;
  } finally {
    await db.destroy();
    await pg.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`recheck failed: ${(e as Error).stack}\n`);
    process.exit(1);
  },
);
