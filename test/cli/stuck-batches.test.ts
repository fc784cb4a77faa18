/** `ops stuck` for the batches (src/cli/stuck-batches.ts): which ones need someone, and why. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchStuck, stuckBatchLine } from '../../src/cli/stuck-batches';

const now = Date.parse('2026-12-03T17:00:00Z');
const minutesAgo = (m: number) => now - m * 60_000;

describe('batchStuck', () => {
  it('Failed needs someone at once, with what its memo says', () => {
    const memo = { summary: '2 account(s) could not be booked: fix the cause, then send retry' };
    assert.deepEqual(batchStuck('Failed', memo, [], 30, now), {
      reason:
        "2 account(s) could not be booked: fix the cause, then send retry (the memo's failed lists them and why)",
    });
    assert.match(batchStuck('Failed', undefined, [], 30, now)!.reason, /^accounts could not be done/);
  });

  it('Booking: stuck when bookBatchFills retries, or its attempt has run past the threshold', () => {
    const step = { activity: 'bookBatchFills', attempt: 1, startedAt: minutesAgo(5) };
    assert.equal(batchStuck('Booking', {}, [step], 30, now), undefined, 'a first attempt of 5 min');
    assert.deepEqual(batchStuck('Booking', {}, [{ ...step, startedAt: minutesAgo(31) }], 30, now), {
      minutes: 31,
      reason: 'bookBatchFills still running (Pending Activities in the UI)',
    });
    assert.deepEqual(
      batchStuck('Booking', {}, [{ ...step, attempt: 4, lastFailure: 'connection refused' }], 30, now),
      { minutes: 5, reason: 'bookBatchFills attempt 4: connection refused (Pending Activities in the UI)' },
    );
    assert.equal(batchStuck('Booking', {}, [], 30, now), undefined, 'between attempts of nothing');
  });

  it('other stages (AwaitingBlocks all morning, AwaitingConfirms overnight) are not listed', () => {
    for (const stage of ['AwaitingBlocks', 'AwaitingConfirms', 'Confirmed'])
      assert.equal(
        batchStuck(stage, {}, [{ activity: 'matchBatchConfirms', attempt: 9 }], 0, now),
        undefined,
      );
  });

  it('prints in the accounts’ style', () => {
    assert.equal(
      stuckBatchLine({
        workflowId: 'account-batch/2026-12-03/0',
        stage: 'Booking',
        minutes: 31,
        reason: 'r',
      }),
      'account-batch/2026-12-03/0  Booking for 31 min  r',
    );
    assert.equal(
      stuckBatchLine({ workflowId: 'account-batch/2026-12-03/1', stage: 'Failed', reason: 'r' }),
      'account-batch/2026-12-03/1  Failed  r',
    );
  });
});
