/**
 * AccountDay's state and message rules without a workflow: what a decision message is refused for,
 * that a decision is taken once, what ops' signals are refused for, and the status ops see.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccountDayState } from '../../src/workflows/account-day/state';
import type { Mode } from '../../src/workflows/types';

const CUTOFF = '2026-12-02T16:45:00.000Z';
const BEFORE = Date.parse('2026-12-02T15:00:00.000Z');

function stateFor(mode: Mode, at = BEFORE) {
  let now = at;
  const s = new AccountDayState(
    {
      accountId: 'ACC002',
      advisorId: 'ADV-BEN',
      mode,
      tradeDate: '2026-12-02',
      clock: {
        approvalCutoff: CUTOFF,
        windowOpen: '2026-12-02T17:00:00.000Z',
        windowClose: '2026-12-02T19:00:00.000Z',
        confirmAt: '2026-12-03T11:30:00.000Z',
      },
    },
    () => now,
  );
  const setNow = (t: number) => {
    now = t;
  };
  return { s, setNow };
}

function withProposal(
  s: AccountDayState,
  stage: 'AwaitingApproval' | 'AwaitingZoeReview' = 'AwaitingApproval',
) {
  s.status.proposal = {
    id: 'P20261202-ACC002',
    version: 1,
    legs: 2,
    reasons: ['drift'],
    notional: '1000.00',
    flags: [],
  };
  s.enter(stage);
}

const approve = { proposalId: 'P20261202-ACC002', advisorId: 'ADV-BEN' };

describe('AccountDayState: decisions', () => {
  it('refuses every decision for the reason that applies, in order', () => {
    const { s, setNow } = stateFor('MANUAL');
    assert.match(
      s.decisionRefusal(approve) ?? '',
      /no proposal is open for account ACC002 \(stage Starting\)/,
    );
    withProposal(s);
    assert.equal(s.decisionRefusal(approve), undefined);
    assert.match(s.decisionRefusal({ ...approve, proposalId: 'P1' }) ?? '', /P1 is not the open proposal/);
    assert.match(s.decisionRefusal({ ...approve, version: 2 }) ?? '', /at version 1, not 2/);
    assert.match(s.decisionRefusal({ ...approve, advisorId: 'ADV-ANA' }) ?? '', /ADV-ANA does not manage/);
    assert.match(s.decisionRefusal({ proposalId: approve.proposalId }) ?? '', /manual account: its advisor/);
    setNow(Date.parse(CUTOFF));
    assert.match(s.decisionRefusal(approve) ?? '', /cut-off \(2026-12-02T16:45:00.000Z\) has passed/);
  });

  it('refuses an advisor on an auto account, and a stage that is not awaiting a decision', () => {
    const { s } = stateFor('AUTO');
    withProposal(s, 'AwaitingZoeReview');
    assert.match(s.decisionRefusal(approve) ?? '', /rebalances automatically/);
    assert.equal(s.decisionRefusal({ proposalId: approve.proposalId }), undefined);
    s.enter('WaitingForWindow');
    assert.match(s.decisionRefusal({ proposalId: approve.proposalId }) ?? '', /not awaiting approval/);
  });

  it('validates the payload with a message that names the field', () => {
    const { s } = stateFor('MANUAL');
    withProposal(s);
    assert.throws(() => s.validateReject({ ...approve, reason: '   ' }), /invalid reject message: reason:/);
    assert.throws(() => s.validateApprove({ ...approve, extra: 1 }), /invalid approve message/);
    assert.deepEqual(s.validateApprove({ ...approve, advisorId: ' ADV-BEN ' }), approve);
  });

  it('refuses text PostgreSQL cannot store in any field of any message, naming the field', () => {
    const manual = stateFor('MANUAL').s;
    withProposal(manual);
    const nul = /must not contain U\+0000 \(NUL\)/;
    assert.throws(() => manual.validateApprove({ ...approve, note: 'ok\u0000' }), /approve message: note: /);
    assert.throws(() => manual.validateApprove({ ...approve, advisorId: 'ADV-BEN\u0000' }), nul);
    assert.throws(() => manual.validateReject({ ...approve, reason: 'no \ud83d' }), /reason: .*surrogate/);
    assert.throws(() => manual.validateReject({ ...approve, proposalId: '\u0000', reason: 'no' }), nul);
    const auto = stateFor('AUTO').s;
    withProposal(auto, 'AwaitingZoeReview');
    const review = { proposalId: 'P20261202-ACC002', trader: 'desk', decision: 'APPROVE' };
    assert.throws(() => auto.validateZoeReview({ ...review, note: 'fine\u0000' }), /note: .*U\+0000/);
    assert.throws(() => auto.validateZoeReview({ ...review, trader: '\udc00', note: 'fine' }), /trader: /);
    assert.ok(auto.validateZoeReview({ ...review, note: 'fine 😀' }), 'a surrogate pair is text');
    auto.enter('ReconBreak');
    assert.equal(auto.requestResolveBreak({ by: 'jane', item: 'wire\u0000' }), false);
    assert.equal(auto.requestResolveBreak({ by: 'jane', note: '\ud800' }), false);
    assert.match(auto.status.refusedMessages.at(-2)!.reason, /item: must not contain U\+0000/);
    assert.match(auto.status.refusedMessages.at(-1)!.reason, /note: must not contain an unpaired/);
    assert.equal(auto.requestResolveBreak({ by: 'jane', item: 'wire' }), true);
  });

  it('takes one decision; a repeat is a duplicate, the opposite is refused', () => {
    const { s } = stateFor('MANUAL');
    withProposal(s);
    assert.deepEqual(s.decide('APPROVED', 'ADV-BEN', 'update'), {
      proposalId: 'P20261202-ACC002',
      decision: 'APPROVED',
      duplicate: false,
    });
    assert.equal(s.decide('REJECTED', 'ADV-BEN', 'update').decision, 'APPROVED');
    assert.equal(s.decide('APPROVED', 'ADV-BEN', 'signal').duplicate, true);
    assert.throws(() => s.validateReject({ ...approve, reason: 'no' }), /already approved/);
    assert.doesNotThrow(() => s.validateApprove(approve));
    assert.equal(s.decision?.via, 'update');
  });
});

describe('AccountDayState: ops signals', () => {
  it('takes each only in its stage and records why it refused', () => {
    const { s } = stateFor('AUTO');
    assert.equal(s.requestResolveBreak({ by: 'jane' }), false);
    assert.equal(s.requestRetry({ by: 'jane' }), false);
    s.enter('ReconBreak');
    assert.equal(s.requestResolveBreak({ by: 'jane', note: 'fixed' }), true);
    assert.deepEqual(s.opsResolve, { by: 'jane', note: 'fixed' });
    s.enter('Failed');
    assert.equal(s.requestRetry({ by: 'jane' }), true);
    assert.equal(s.retryRequested, true);
    s.enter('Trading');
    assert.equal(s.requestSkip({ by: 'jane' }), false);
    assert.equal(s.opsSkip, undefined);
    assert.equal(s.requestSkip({ note: 'who?' }), false);
    assert.deepEqual(
      s.status.refusedMessages.map((r) => r.name),
      ['resolveBreak', 'retry', 'skipToday', 'skipToday'],
    );
    assert.match(
      s.status.refusedMessages[2]!.reason,
      /too late to skip: orders were already sent \(stage Trading\)/,
    );
    assert.match(s.status.refusedMessages[3]!.reason, /by:/);
  });

  it('keeps the last 50 refusals', () => {
    const { s } = stateFor('AUTO');
    for (let i = 0; i < 60; i++) s.refuse('retry', `r${i}`);
    assert.equal(s.status.refusedMessages.length, 50);
    assert.equal(s.status.refusedMessages[0]!.reason, 'r10');
  });

  it('summarises the stage for the memo and keeps its history', () => {
    const { s } = stateFor('MANUAL');
    withProposal(s);
    s.status.breaks = 2;
    const summary = s.enter('AwaitingApproval');
    assert.match(
      summary,
      /^ACC002 \(MANUAL, advisor ADV-BEN\) · AwaitingApproval since 2026-12-02T15:00:00.000Z/,
    );
    assert.match(summary, /proposal P20261202-ACC002: 2 legs, \$1000.00 · 2 open breaks/);
    assert.deepEqual(
      s.status.stageHistory.map((h) => h.stage),
      ['AwaitingApproval', 'AwaitingApproval'],
    );
  });
});
