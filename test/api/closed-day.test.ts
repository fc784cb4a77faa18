/**
 * A decision for an account whose day has ended (src/api/closed-day.ts): the book answers as the
 * workflow would have. Each case below would get the generic "day is over" without it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closedDayAnswer } from '../../src/api/closed-day';
import { Problem } from '../../src/api/problems';
import type { ProposalOut } from '../../src/api/proposals';

const DEADLINE = '2026-11-24T16:45:00.000Z';
const OVER = 'the day of 2026-11-24 for account ACC004 is over';

function proposal(status: string, decision: ProposalOut['decision']): ProposalOut {
  return {
    id: 'P-2026-11-24-ACC004',
    accountId: 'ACC004',
    accountName: 'Test',
    advisorId: 'ADV-ANA',
    mode: 'MANUAL',
    taxStatus: 'TAXABLE',
    tradeDate: '2026-11-24',
    version: 1,
    status,
    reasons: [],
    deadline: DEADLINE,
    createdAt: '2026-11-24T12:00:00.000Z',
    sellNotional: '0.00',
    buyNotional: '0.00',
    taxEstimate: null,
    legs: [],
    decision,
  };
}

const decided = (decision: 'APPROVED' | 'REJECTED' | 'EXPIRED', via: string, note: string | null = null) => ({
  decision,
  actor: decision === 'EXPIRED' ? 'system' : 'ADV-ANA',
  via,
  note,
  decidedAt: '2026-11-24T15:00:00.000Z',
});

function problem(a: ReturnType<typeof closedDayAnswer>): Problem {
  assert.ok(a instanceof Problem, `expected a problem, got ${JSON.stringify(a)}`);
  return a;
}

describe('closedDayAnswer', () => {
  it('expired at the cut-off: 409 past the cut-off, with the cut-off', () => {
    const p = problem(closedDayAnswer(proposal('EXPIRED', decided('EXPIRED', 'timer')), 'APPROVED', OVER));
    assert.equal(p.status, 409);
    assert.equal(p.title, 'Past the approval cut-off');
    assert.ok(p.detail.includes('(2026-11-24T16:45:00Z)'), p.detail);
    assert.match(p.detail, /approval cut-off \(.+\) has passed/);
  });

  it('a repeated rejection: 200, duplicate', () => {
    const a = closedDayAnswer(proposal('REJECTED', decided('REJECTED', 'update')), 'REJECTED', OVER);
    assert.deepEqual(a, {
      proposalId: 'P-2026-11-24-ACC004',
      accountId: 'ACC004',
      decision: 'REJECTED',
      duplicate: true,
    });
  });

  it('an approval after a rejection: 409 already decided, with who and when', () => {
    const p = problem(closedDayAnswer(proposal('REJECTED', decided('REJECTED', 'update')), 'APPROVED', OVER));
    assert.equal(p.title, 'Already decided');
    assert.match(p.detail, /already rejected \(by ADV-ANA at 2026-11-24T15:00:00.000Z\)/);
  });

  it('skipped by ops (expired through a signal) or never decided: 409 not awaiting, with the book status', () => {
    const skipped = problem(
      closedDayAnswer(
        proposal('EXPIRED', decided('EXPIRED', 'signal', 'skipped by ops: custodian hold')),
        'APPROVED',
        OVER,
      ),
    );
    assert.equal(skipped.title, 'Not awaiting a decision');
    assert.match(
      skipped.detail,
      /is over; proposal P-2026-11-24-ACC004 is EXPIRED \(it expired: skipped by ops/,
    );
    const open = problem(closedDayAnswer(proposal('PENDING_APPROVAL', null), 'REJECTED', OVER));
    assert.match(open.detail, /not awaiting a decision: .* is PENDING_APPROVAL \(no decision was taken\)/);
  });

  it('a day ended Approved (batch-books-fills): the book holds the approval whatever the batch did with it', () => {
    // Waiting for the blocks, in them, booked (traded or not): a second approval is a repeat, a rejection too late.
    for (const status of ['APPROVED', 'RELEASED', 'EXECUTED', 'PARTIALLY_EXECUTED', 'FAILED']) {
      const approved = proposal(status, decided('APPROVED', 'update'));
      assert.deepEqual(closedDayAnswer(approved, 'APPROVED', OVER), {
        proposalId: 'P-2026-11-24-ACC004',
        accountId: 'ACC004',
        decision: 'APPROVED',
        duplicate: true,
      });
      const p = problem(closedDayAnswer(approved, 'REJECTED', OVER));
      assert.equal(p.title, 'Already decided', status);
      assert.match(p.detail, /already approved \(by ADV-ANA at 2026-11-24T15:00:00.000Z\)/);
    }
  });

  it('approved, then withdrawn by ops (skipAccount on the batch): 409 not awaiting, either way', () => {
    const withdrawn = proposal('EXPIRED', decided('APPROVED', 'update'));
    for (const asked of ['APPROVED', 'REJECTED'] as const) {
      const p = problem(closedDayAnswer(withdrawn, asked, OVER));
      assert.equal(p.status, 409);
      assert.equal(p.title, 'Not awaiting a decision');
      assert.match(
        p.detail,
        /is over; proposal P-2026-11-24-ACC004 was approved \(by ADV-ANA at .+\), then withdrawn by ops: it does not trade today$/,
      );
    }
  });

  it("a version that is not the proposal's: 409 wrong version, in body.version", () => {
    const p = problem(
      closedDayAnswer(proposal('REJECTED', decided('REJECTED', 'update')), 'REJECTED', OVER, 2),
    );
    assert.equal(p.title, 'Wrong proposal version');
    assert.equal(p.where, 'body.version');
  });
});

describe('a closed day refuses the wrong channel for the mode', () => {
  it('an advisor approving an auto account is refused as the workflow refuses it; a trader may repeat it', () => {
    const auto = { ...proposal('EXECUTED', decided('APPROVED', 'auto')), mode: 'AUTO' as const };
    const advisor = closedDayAnswer(auto, 'APPROVED', OVER, undefined, 'advisor');
    assert.ok(advisor instanceof Problem);
    assert.equal(advisor.status, 409);
    assert.match(advisor.detail, /rebalances automatically/);
    const trader = closedDayAnswer(auto, 'APPROVED', OVER, undefined, 'trader');
    assert.ok(!(trader instanceof Problem));
    assert.equal(trader.duplicate, true);
  });
});
