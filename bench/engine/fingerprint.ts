/**
 * Output fingerprint of the engine benchmark: plans the same generated accounts as main.ts (same
 * generator, same seed, same warm-up draw, same chunks, same household feeding of proposed buys) and
 * prints the sha256 of JSON.stringify of every plan in order (warm-up plans first), plus the counts.
 * A performance change must leave this hash unchanged.
 * Usage: npx tsx bench/engine/fingerprint.ts [--accounts N]
 */
import { createHash } from 'node:crypto';
import { planAccount } from '../../src/domain/engine';
import { accountsArg, householdStream } from './generate';

const CHUNK = 500;

function main(): void {
  const target = accountsArg(process.argv.slice(2));
  const nextChunk = householdStream();
  const hash = createHash('sha256');
  // Warm-up accounts of main.ts (planned without household feeding, as there).
  let warmup = 0;
  for (const hh of nextChunk(200))
    for (const a of hh) {
      hash.update(JSON.stringify(planAccount(a)));
      hash.update('\n');
      warmup++;
    }
  let accounts = 0;
  let trades = 0;
  let legs = 0;
  let failures = 0;
  while (accounts < target) {
    const chunk = nextChunk(Math.min(CHUNK, target - accounts));
    for (const hh of chunk) {
      const proposed: { accountId: string; symbol: string }[] = [];
      for (const snap of hh) {
        const plan = planAccount({
          ...snap,
          household: { ...snap.household, proposedBuys: proposed.slice() },
        });
        for (const l of plan.legs)
          if (l.side === 'BUY') proposed.push({ accountId: snap.accountId, symbol: l.symbol });
        hash.update(JSON.stringify(plan));
        hash.update('\n');
        if (plan.action === 'TRADE') trades++;
        legs += plan.legs.length;
        if (!plan.compliance.ok) failures++;
        accounts++;
      }
    }
  }
  console.log(
    JSON.stringify({
      accounts,
      warmup,
      plans: warmup + accounts,
      tradePlans: trades,
      legs,
      complianceFailures: failures,
      sha256: hash.digest('hex'),
    }),
  );
}

main();
