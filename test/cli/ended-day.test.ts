/** What `approve` / `reject` / `ops …` say for an account whose day has ended, from its status query. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endedDayMessage, endedDayOpsMessage } from '../../src/cli/ended-day';
import { type SkipOutcome, memoSkips, newSkipOutcome, opsOutcomeLine } from '../../src/cli/ops';
import type { AccountDayStatus } from '../../src/workflows/messages';

const base = { accountId: 'ACC002', tradeDate: '2026-12-03', stage: 'Traded' as const };
const proposal = { id: 'P20261203-ACC002', version: 1, legs: 2, reasons: [], notional: '100.00', flags: [] };
const at = '2026-12-03T15:00:00Z';

describe('approve / reject on an ended day', () => {
  it('says the decision already taken: the same one is nothing to do, the other cannot be taken', () => {
    const s = {
      ...base,
      proposal,
      decision: { decision: 'APPROVED' as const, by: 'ADV-BEN', via: 'update', at },
    };
    assert.equal(
      endedDayMessage('approve', s),
      `ACC002's day of 2026-12-03 has ended (stage Traded): proposal P20261203-ACC002 was approved by ADV-BEN at ${at} already; nothing to do`,
    );
    assert.match(endedDayMessage('reject', s), /was approved by ADV-BEN .*; it cannot be rejected now$/);
  });

  it('says an expired proposal expired, and a day without a proposal had none', () => {
    const expired = {
      ...base,
      stage: 'Expired' as const,
      proposal,
      decision: {
        decision: 'EXPIRED' as const,
        by: 'system',
        via: 'timer',
        at,
        note: 'not approved by the cut-off',
      },
    };
    assert.match(
      endedDayMessage('approve', expired),
      /\(stage Expired\): proposal P20261203-ACC002 expired \(not approved by the cut-off\)$/,
    );
    assert.match(
      endedDayMessage('reject', { ...base, stage: 'NoAction' as const }),
      /had no proposal to reject$/,
    );
  });
});

describe('approve / reject on a day ended Approved (batch-books-fills)', () => {
  const approved = {
    ...base,
    stage: 'Approved' as const,
    proposal,
    decision: { decision: 'APPROVED' as const, by: 'ADV-BEN', via: 'update', at },
  };

  it('says it was approved and that its batch books it', () => {
    assert.equal(
      endedDayMessage('approve', approved),
      `ACC002's day of 2026-12-03 has ended (stage Approved): proposal P20261203-ACC002 was approved by ADV-BEN at ${at} already; its batch books the fills once the day's blocks are done; until then ops can skip it (ops skip); nothing to do`,
    );
    assert.match(
      endedDayMessage('reject', approved),
      /\(stage Approved\): proposal P20261203-ACC002 was approved by ADV-BEN .*; its batch books the fills .*\(ops skip\); it cannot be rejected now$/,
    );
  });

  it('a traded day does not speak of the batch', () => {
    const traded = { ...approved, stage: 'Traded' as const };
    assert.doesNotMatch(endedDayMessage('approve', traded), /batch/);
  });
});

describe('ops on an ended day', () => {
  it('skip: what the ended stage means (a day ended Approved goes to its batch instead)', () => {
    const cases: [AccountDayStatus['stage'], RegExp][] = [
      ['Skipped', /: it was skipped already; nothing to do$/],
      ['NoAction', /: it had no proposal; nothing to skip$/],
      ['Rejected', /: proposal P20261203-ACC002 was rejected, it does not trade; nothing to skip$/],
      ['Expired', /: proposal P20261203-ACC002 was expired, it does not trade; nothing to skip$/],
      ['PendingSetup', /: it is pending setup and does not trade; nothing to skip$/],
      ['NotTraded', /: it did not trade; nothing to skip$/],
      ['Traded', /: it has traded and its fills are booked; too late to skip$/],
      ['Confirmed', /: it has traded and its fills are booked; too late to skip$/],
      ['ConfirmBreak', /: it has traded and its fills are booked; too late to skip$/],
    ];
    for (const [stage, says] of cases) {
      const m = endedDayOpsMessage('skip', { ...base, stage, proposal });
      assert.match(m, new RegExp(`^ACC002's day of 2026-12-03 has ended \\(stage ${stage}\\)`));
      assert.match(m, says, stage);
    }
  });

  it('retry / resolve: nothing to do on the day; for an Approved one the batch takes retry', () => {
    assert.match(endedDayOpsMessage('retry', { ...base, proposal }), /\(stage Traded\): nothing to retry$/);
    assert.match(
      endedDayOpsMessage('retry', { ...base, stage: 'Approved', proposal }),
      /\(stage Approved\): nothing to retry; its batch books it \(a batch in stage Failed takes retry itself\)$/,
    );
    assert.match(endedDayOpsMessage('resolve', { ...base, stage: 'Skipped' }), /: no break it holds for$/);
  });
});

describe("a skip sent to the batch: its answer in the batch's memo", () => {
  const skip = (accountId: string, outcome: string, by = 'ops-ann'): SkipOutcome => ({
    accountId,
    by,
    outcome,
  });

  it('reads the memo skips, leaving out what is not one', () => {
    assert.deepEqual(memoSkips(undefined), []);
    assert.deepEqual(memoSkips({ stage: 'AwaitingBlocks' }), []);
    assert.deepEqual(
      memoSkips({ skips: [skip('ACC002', 'skipped: proposal withdrawn'), { accountId: 3 }, 'x'] }),
      [skip('ACC002', 'skipped: proposal withdrawn')],
    );
  });

  it('finds the outcome added for the account since the memo was read', () => {
    const earlier = [
      skip('ACC001', 'skipped: proposal withdrawn'),
      skip('ACC002', 'refused: the blocks are done'),
    ];
    assert.equal(
      newSkipOutcome(earlier, earlier, 'ACC002'),
      undefined,
      'nothing new yet: the old outcome is not it',
    );
    const now = [...earlier, skip('ACC003', 'skipped: proposal withdrawn')];
    assert.equal(newSkipOutcome(earlier, now, 'ACC002'), undefined, 'another account answered');
    const answered = [...now, skip('ACC002', 'skipped: proposal withdrawn')];
    assert.deepEqual(
      newSkipOutcome(earlier, answered, 'ACC002'),
      skip('ACC002', 'skipped: proposal withdrawn'),
    );
    // The same outcome as before, asked again, is new too.
    const again = [...earlier, skip('ACC002', 'refused: the blocks are done')];
    assert.deepEqual(
      newSkipOutcome(earlier, again, 'ACC002'),
      skip('ACC002', 'refused: the blocks are done'),
    );
  });

  it('the memo keeps the last outcomes only: those dropped off the front are not taken for new ones', () => {
    const before = [skip('ACC001', 'a'), skip('ACC002', 'b'), skip('ACC003', 'c')];
    const after = [skip('ACC002', 'b'), skip('ACC003', 'c'), skip('ACC004', 'skipped: proposal withdrawn')];
    assert.equal(newSkipOutcome(before, after, 'ACC002'), undefined);
    assert.deepEqual(newSkipOutcome(before, after, 'ACC004'), skip('ACC004', 'skipped: proposal withdrawn'));
  });

  it('prints the batch and its answer, in the line ops retry|skip|resolve prints', () => {
    const status = { stage: 'Approved', refusedMessages: [] } as unknown as AccountDayStatus;
    assert.equal(
      opsOutcomeLine('ACC002', {
        status,
        batch: { workflowId: 'account-batch/2026-12-03/0', outcome: 'skipped: proposal withdrawn' },
      }),
      'ACC002: stage Approved; its batch account-batch/2026-12-03/0: skipped: proposal withdrawn',
    );
    const refused = {
      stage: 'WaitingForWindow',
      refusedMessages: [{ name: 'skipToday', reason: 'too late to skip: the blocks are done', at }],
    } as unknown as AccountDayStatus;
    assert.equal(
      opsOutcomeLine('ACC002', { status: refused }),
      'ACC002: stage WaitingForWindow; refused: too late to skip: the blocks are done',
    );
  });
});
