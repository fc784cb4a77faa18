/** An approval that arrives after the approval cut-off finds the day over: the proposal expired, the day ended. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { approveUpdate, statusQuery } from '../../src/workflows/messages';
import type { AccountDayResult } from '../../src/workflows/types';
import { type DayFixture, type Stack, timeSkippingDay } from '../support/harness';
import { manualDayAwaitingApproval } from '../support/manual-day';

describe('approval cut-off', () => {
  let day: DayFixture;
  let env: TestWorkflowEnvironment;
  let stack: Stack;

  before(async () => {
    day = await timeSkippingDay('cutoff-test');
    ({ env, stack } = day);
  });
  after(async () => day?.close());

  it('expires the proposal at the cut-off and ends the day there; a late approval finds it over', async () => {
    const waiting = await manualDayAwaitingApproval(day, 'cutoff-test');
    const { handle, clock, proposalId } = waiting;
    let status = waiting.status;

    // Let the clock pass the cut-off (11:45 ET) by a minute.
    await env.sleep(Date.parse(clock.approvalCutoff) - (await env.currentTimeMs()) + 60_000);
    for (let i = 0; i < 100 && status.stage !== 'Expired'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await handle.query(statusQuery);
    }
    assert.equal(status.stage, 'Expired');

    // Since the v7 patch the expired day ends at the cut-off, not at the window's close: a late
    // approval finds no running workflow (the API answers it from the book, src/api/closed-day.ts).
    const result: AccountDayResult = await handle.result();
    assert.equal(result.stage, 'Expired');
    const closed = await handle.describe();
    assert.ok(closed.closeTime, 'the expired day has ended');
    assert.ok(
      closed.closeTime.getTime() < Date.parse(clock.windowOpen),
      `ended at ${closed.closeTime.toISOString()}, before the window (${clock.windowOpen})`,
    );
    await assert.rejects(
      handle.executeUpdate(approveUpdate, { args: [{ proposalId, advisorId: 'ADV-BEN' }] }),
      (e: Error) => {
        // The server's words differ ("workflow execution already completed", the test server's
        // "update … not found"); the API tells an ended day by describing it (src/api/routes.ts).
        assert.ok(e instanceof WorkflowNotFoundError, `${e.name}: ${e.message}`);
        return true;
      },
    );
    const p = await stack.t.db('proposals').where({ id: proposalId }).first();
    assert.equal(p.status, 'EXPIRED');
    const decision = await stack.t.db('approvals').where({ proposal_id: proposalId }).first();
    assert.equal(decision.decision, 'EXPIRE');
    assert.equal((await stack.t.db('orders').where({ proposal_id: proposalId })).length, 0);
  });
});
