/**
 * Engine benchmark: 10,000 generated accounts (25 holdings × 4 lots, households of 1–4 accounts),
 * the whole scan → propose → lots → compliance path, on one thread. Prints one JSON object.
 * Snapshots are generated in chunks outside the timed sections (so memory reflects the engine, not
 * 10,000 snapshots held at once); only planAccount calls are timed.
 * Usage: npx tsx bench/engine/main.ts [accounts]
 */
import os from 'node:os';
import { planAccount } from '../../src/domain/engine';
import { accountsArg, householdStream } from './generate';

const CHUNK = 500;

function main(): void {
  const target = accountsArg(process.argv.slice(2));
  const nextChunk = householdStream();
  // Warm-up (JIT), not timed.
  for (const hh of nextChunk(200)) for (const a of hh) planAccount(a);
  let peakRss = process.memoryUsage().rss;
  let trades = 0;
  let legs = 0;
  let failures = 0;
  let accounts = 0;
  let households = 0;
  let ns = 0n;
  let cpuMicros = 0;
  while (accounts < target) {
    const chunk = nextChunk(Math.min(CHUNK, target - accounts));
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (const hh of chunk) {
      const proposed: { accountId: string; symbol: string }[] = [];
      for (const snap of hh) {
        // Today's proposals of the household's other accounts feed the wash-sale checks.
        const plan = planAccount({
          ...snap,
          household: { ...snap.household, proposedBuys: proposed.slice() },
        });
        for (const l of plan.legs)
          if (l.side === 'BUY') proposed.push({ accountId: snap.accountId, symbol: l.symbol });
        if (plan.action === 'TRADE') trades++;
        legs += plan.legs.length;
        if (!plan.compliance.ok) failures++;
        accounts++;
      }
      households++;
    }
    ns += process.hrtime.bigint() - t0;
    const cpu = process.cpuUsage(cpu0);
    cpuMicros += cpu.user + cpu.system;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const seconds = Number(ns) / 1e9;
  const cpuSeconds = cpuMicros / 1e6;
  const mem = process.memoryUsage();
  peakRss = Math.max(peakRss, mem.rss);
  const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;
  console.log(
    JSON.stringify({
      accounts,
      households,
      holdingsPerAccount: 25,
      lotsPerHolding: 4,
      seconds: Math.round(seconds * 1000) / 1000,
      accountsPerSecond: Math.round(accounts / seconds),
      cpuSeconds: Math.round(cpuSeconds * 1000) / 1000,
      accountsPerCpuSecond: Math.round(accounts / cpuSeconds),
      peakRssMiB: mib(peakRss),
      heapUsedMiB: mib(mem.heapUsed),
      tradePlans: trades,
      legs,
      complianceFailures: failures,
      node: process.version,
      cpu: os.cpus()[0]?.model ?? 'unknown',
    }),
  );
}

main();
