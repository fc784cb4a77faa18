/**
 * A short soak (docs/benchmarks.md, "Soak"): `npm run -s soak -- --days 6 --accounts 12 --splits`
 * (a shorter clock) on its own stack, each day started from what the previous left, with the
 * seeded life events. Asserts the JSON lines (one per day, then the summary), that every invariant
 * held every day, and that the events happened and were seen: each morning's deposits posted to the
 * book and invested, the custodian's cash lines each reported and posted once, the book's
 * withdrawals reaching the custodian, the split (day 2), an account arriving at the custodian only
 * (just before day 2) adopted PENDING_SETUP on day 3, set up by ops and trading on day 4, the
 * reverse split (day 4), the account closed (day 5) leaving the day, the symbol change (day 6), and
 * the settlement fail planted after day 3 found as a break on day 5.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT_DIR } from '../../src/config';

interface Check {
  ok: boolean;
  [k: string]: unknown;
}

function runSoak(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT_DIR, 'bench', 'soak', 'main.ts'), ...args],
      { cwd: ROOT_DIR, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('soak benchmark', () => {
  it('refuses a bad flag with the usage, exit 2', async () => {
    const r = await runSoak(['--days', 'three']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--days must be a whole number, got "three"/);
    assert.match(r.stderr, /usage: npm run -s soak/);
    assert.equal(r.stdout, '');
  });

  it('six days of 12 accounts with corporate actions: every invariant holds, every event is seen', async () => {
    const r = await runSoak([
      ...['--days', '6', '--accounts', '12', '--seed', 'ci', '--splits'],
      ...['--review-seconds', '12', '--window-seconds', '12', '--confirm-delay-seconds', '4'],
    ]);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const days = lines.filter((l) => l.soak === 'day');
    const summary = lines[lines.length - 1]!;
    const failures = days
      .filter((d) => !d.ok)
      .map((d) => ({ date: d.date, failed: d.failed, error: d.error }));
    assert.deepEqual(failures, [], `every day holds (stderr tail: ${r.stderr.slice(-2000)})`);
    assert.equal(r.code, 0);
    assert.equal(days.length, 6);
    assert.equal(summary.summary, 'soak');
    assert.equal(summary.ok, true);
    assert.equal(summary.daysOk, 6);

    const names = [
      'dayCompleted',
      'noUnexpectedBreaks',
      'noAccountHeld',
      'bookEqualsCustodian',
      'cashLinesPostedOnce',
      'withdrawalsPaidInTime',
      'modelChangeOnce',
      'noNegativeCash',
      'blocksAllocated',
      'realizedGainsMatchCustodian',
      'noWashSaleAcrossRun',
      'insideBandsAfterTrades',
      'depositsInvested',
      'setUpAccountsTrade',
    ];
    for (const d of days) {
      const inv = d.invariants as Record<string, Check>;
      for (const n of names) assert.equal(inv[n]?.ok, true, `${d.date} ${n}: ${JSON.stringify(inv[n])}`);
      // 12 seeded, one adopted from the custodian's files on day 3, one closed on day 5.
      assert.equal(d.accounts, (d.day as number) < 3 ? 12 : (d.day as number) < 5 ? 13 : 12);
      // The morning's deposits (ACH and wire, at least one of each a day) reached the book's cash.
      const posted = d.postedByTheSync as Record<string, { flows: number }>;
      assert.ok((posted.DEPOSIT?.flows ?? 0) >= 2, `${d.date}: deposits posted ${JSON.stringify(posted)}`);
      const cash = inv.cashLinesPostedOnce as Check & { today: number };
      assert.ok(cash.today >= 5, `${d.date}: the morning's cash lines were reported and posted`);
    }
    // Day 2's new model version fired MODEL_CHANGE that day (and modelChangeOnce held every day).
    const fired = (d: Record<string, unknown>) =>
      ((d.invariants as Record<string, Check & { modelChangeProposals: number }>).modelChangeOnce!
        .modelChangeProposals as number) ?? 0;
    assert.equal((days[1]!.events as Record<string, number>).MODEL_VERSION_PUBLISHED, 1);
    assert.ok(fired(days[1]!) >= 1, 'MODEL_CHANGE fired on the day of the new version');
    const ev = (i: number) => days[i]!.events as Record<string, number>;
    assert.equal(ev(1).SPLIT, 1);
    assert.equal(ev(1).ACCOUNT_ARRIVED, 1);
    assert.equal(ev(2).SETTLEMENT_FAIL_PLANTED, 1);
    assert.equal(ev(3).REVERSE_SPLIT, 1);
    assert.equal(ev(3).ACCOUNT_SET_UP, 1);
    assert.equal(ev(4).ACCOUNT_CLOSED, 1);
    assert.equal(ev(5).SYMBOL_CHANGE, 1);
    // The arrived account waited for ops on day 3, and traded on day 4, its first day set up.
    assert.equal((days[2]!.accountsByStage as Record<string, number>).PendingSetup, 1);
    const setUp = (days[3]!.invariants as Record<string, Check & { firstDaySetUp: number }>)
      .setUpAccountsTrade!;
    assert.equal(setUp.firstDaySetUp, 1, JSON.stringify(setUp));
    // The planted settlement fail was found on the morning after its T+1, and nothing else broke.
    const brk = (days[4]!.invariants as Record<string, Check & { plantedDue: number; plantedFound: number }>)
      .noUnexpectedBreaks!;
    assert.equal(brk.plantedDue, 1);
    assert.equal(brk.plantedFound, 1);
    // The custodian's closed lots were compared (the accounts sold something over the run).
    const real = (days[5]!.invariants as Record<string, Check & { portions: number }>)
      .realizedGainsMatchCustodian!;
    assert.ok(real.portions > 0, JSON.stringify(real));
    // By the third morning some of the book's withdrawals were sent to the custodian (or paid).
    const last = (days[2]!.invariants as Record<string, Check & { byStatus: Record<string, number> }>)
      .withdrawalsPaidInTime!;
    assert.ok((last.byStatus.SENT ?? 0) + (last.byStatus.PAID ?? 0) >= 1, JSON.stringify(last));
  });
});
