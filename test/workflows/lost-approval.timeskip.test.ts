/**
 * An approval the book recorded but the workflow never saw (chaos kill-worker at 1,000 accounts on
 * the cluster server, 2026-12-02): the workflow task that took the approval Update and recorded it
 * was lost with its worker, so the replayed workflow expired the proposal at the cut-off while the
 * book held the approval; the day's blocks traded it and nobody booked it. The workflow now goes by
 * the decision `recordDecision` answers from the book.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { statusQuery } from '../../src/workflows/messages';
import { type DayFixture, type Stack, timeSkippingDay } from '../support/harness';
import { manualDayAwaitingApproval } from '../support/manual-day';

describe('an approval in the book that the workflow lost', () => {
  let day: DayFixture;
  let env: TestWorkflowEnvironment;
  let stack: Stack;

  before(async () => {
    day = await timeSkippingDay('lost-approval-test');
    ({ env, stack } = day);
  });
  after(async () => day?.close());

  it('goes on as approved at the cut-off instead of expiring what the book approved', async () => {
    const waiting = await manualDayAwaitingApproval(day, 'lost-approval-test');
    const { handle, clock, proposalId } = waiting;
    let status = waiting.status;
    const { createActivities } = await import('../../src/activities');

    // What the lost workflow task left behind: its recordDecision ran, its Update was never accepted.
    await createActivities(stack.deps).recordDecision({
      proposalId,
      decision: 'APPROVE',
      actor: 'ADV-BEN',
      via: 'update',
      note: 'approved in a task that was lost',
      at: new Date(await env.currentTimeMs()).toISOString(),
    });

    await env.sleep(Date.parse(clock.approvalCutoff) - (await env.currentTimeMs()) + 60_000);
    for (let i = 0; i < 100 && status.stage === 'AwaitingApproval'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await handle.query(statusQuery);
    }
    assert.equal(status.stage, 'Approved', `stage ${status.stage}`);
    assert.equal(status.decision?.decision, 'APPROVED');
    assert.equal(status.decision?.by, 'ADV-BEN');
    const p = await stack.t.db('proposals').where({ id: proposalId }).first();
    assert.equal(p.status, 'APPROVED', 'the book keeps the approval');
    const decisions = await stack.t.db('approvals').where({ proposal_id: proposalId });
    assert.deepEqual(
      decisions.map((r: { decision: string }) => r.decision),
      ['APPROVE'],
    );
    // Approved, the day has ended: its batch would book the fills after the blocks.
    assert.equal((await handle.result()).stage, 'Approved');
  });
});
