/**
 * A short soak (docs/benchmarks.md, "Soak"): `npm run -s soak -- --days 3 --accounts 12` (a shorter
 * clock) on its own stack, each day started from what the previous left, with the seeded life events. Asserts the
 * JSON lines (one per day, then the summary), that every invariant held every day, and that the
 * book sync did its work: each morning's deposits were posted to the book, the custodian's cash
 * lines were each reported and posted once, and the book's withdrawals reached the custodian.
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

  it('three days of 12 accounts: every invariant holds and the sync posts every morning', async () => {
    const r = await runSoak([
      ...['--days', '3', '--accounts', '12', '--seed', 'ci'],
      ...['--review-seconds', '15', '--window-seconds', '15', '--confirm-delay-seconds', '5'],
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
    assert.equal(days.length, 3);
    assert.equal(summary.summary, 'soak');
    assert.equal(summary.ok, true);
    assert.equal(summary.daysOk, 3);

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
    ];
    for (const d of days) {
      const inv = d.invariants as Record<string, Check>;
      for (const n of names) assert.equal(inv[n]?.ok, true, `${d.date} ${n}: ${JSON.stringify(inv[n])}`);
      assert.equal(d.accounts, 12);
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
    // By the third morning some of the book's withdrawals were sent to the custodian (or paid).
    const last = (days[2]!.invariants as Record<string, Check & { byStatus: Record<string, number> }>)
      .withdrawalsPaidInTime!;
    assert.ok((last.byStatus.SENT ?? 0) + (last.byStatus.PAID ?? 0) >= 1, JSON.stringify(last));
  });
});
