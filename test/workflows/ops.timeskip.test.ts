/**
 * The people in the loop, on the time-skipping server: ops unstick accounts with signals
 * (resolveBreak, skipToday, retry), a Zoe trader reviews an auto account's flagged trades,
 * the advisor notification survives a failing notifier and is delivered exactly once, and a
 * malformed message is refused with its reason.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import type { Notification } from '../../src/activities/notifier';
import { type DayClock, dayClock, etToUtc, nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { createTradingWorker } from '../../src/workers/worker';
import { accountDayWorkflowId } from '../../src/workflows/ids';
import {
  approveUpdate,
  resolveBreakSignal,
  retrySignal,
  skipTodaySignal,
  statusQuery,
  zoeReviewUpdate,
} from '../../src/workflows/messages';
import type { AccountDayResult } from '../../src/workflows/types';
import { type Stack, startStack } from '../support/harness';
import { recordHistories } from '../support/histories';
import { timeSkippingEnv } from '../support/temporal';

async function rejectsWith(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { cause?: Error }) => {
    assert.match(`${e.message} ${e.cause?.message ?? ''}`, re);
    return true;
  });
}

describe('ops, trader review and notifications', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let worker: Worker;
  let run: Promise<void>;
  let tradeDate: string;
  let clock: DayClock;
  let notifierFailures = 2;
  const delivered: Notification[] = [];

  before(async () => {
    env = await timeSkippingEnv();
    tradeDate = nextTradingDay(utcToEtDate(new Date(await env.currentTimeMs()).toISOString()));
    clock = dayClock(tradeDate);
    stack = await startStack({ asOf: tradeDate });
    // A notifier that fails twice for ADV-BEN (ACC002's advisor), then works; a low auto-approval
    // limit so ACC001 is flagged.
    stack.deps.notifier = async (n) => {
      if (n.kind === 'ADVISOR_APPROVAL_NEEDED' && n.recipient === 'ADV-BEN' && notifierFailures > 0) {
        notifierFailures--;
        throw new Error('webhook down');
      }
      delivered.push(n);
    };
    stack.deps.policy = { autoReviewMaxLegUsd: '1000' };
    worker = await createTradingWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: 'ops-test',
      deps: stack.deps,
    });
    run = worker.run();
    const start = Date.parse(etToUtc(tradeDate, '06:30'));
    const now = await env.currentTimeMs();
    if (start > now) await env.sleep(start - now);
  });
  after(async () => {
    worker?.shutdown();
    await run?.catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  const startAccount = (accountId: string, mode: 'AUTO' | 'MANUAL', advisorId: string) =>
    env.client.workflow.start('AccountDay', {
      taskQueue: 'ops-test',
      workflowId: accountDayWorkflowId(tradeDate, accountId),
      args: [{ accountId, advisorId, mode, tradeDate, clock, fillPollSeconds: 600 }],
    });

  async function stageOf(accountId: string, stages: string[]) {
    const h = env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, accountId));
    for (let i = 0; i < 600; i++) {
      const s = await h.query(statusQuery).catch(() => undefined);
      if (s && stages.includes(s.stage)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${accountId} never reached ${stages.join('/')}`);
  }

  it('retry: a step that failed for a missing file re-runs once ops fix it', async () => {
    // No file set ingested yet: reconciliation fails for a reason retrying cannot fix.
    await startAccount('ACC006', 'MANUAL', 'ADV-CHLOE');
    const failed = await stageOf('ACC006', ['Failed']);
    assert.match(failed.lastError ?? '', /no positions file \(EXT871\) ingested/);
    await createActivities(stack.deps).ingestMorningFiles({ processDate: tradeDate });
    await env.client.workflow
      .getHandle(accountDayWorkflowId(tradeDate, 'ACC006'))
      .signal(retrySignal, { by: 'ops-jane' });
    const after = await stageOf('ACC006', ['NoAction', 'AwaitingApproval']);
    assert.equal(after.lastError, undefined);
  });

  it('resolveBreak: a held account continues after ops resolve its breaks', async () => {
    await startAccount('ACC011', 'AUTO', 'ADV-BEN');
    const held = await stageOf('ACC011', ['ReconBreak']);
    assert.equal(held.breaks, 1);
    const h = env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, 'ACC011'));
    await h.signal(resolveBreakSignal, {
      by: 'ops-jane',
      note: 'DRIP fraction booked late at the custodian',
    });
    await stageOf('ACC011', ['Scanning', 'NoAction', 'AwaitingZoeReview', 'Approved']);
    const b = await stack.t.db('breaks').where({ account_id: 'ACC011', trade_date: tradeDate }).first();
    assert.equal(b.status, 'RESOLVED_MANUAL');
    assert.equal(b.resolved_by, 'ops-jane');
    assert.equal(b.symbol, 'BND');
    const audit = await stack.t.db('audit_log').where({ action: 'BREAKS_RESOLVED', entity_id: 'ACC011' });
    assert.equal(audit.length, 1);
  });

  it('zoeReview: an auto account with flagged trades waits for a trader, not the advisor', async () => {
    await startAccount('ACC001', 'AUTO', 'ADV-ANA');
    const s = await stageOf('ACC001', ['AwaitingZoeReview']);
    assert.ok(s.proposal!.flags.length > 0);
    assert.match(s.proposal!.flags[0]!, /above the auto-approval limit \$1000\.00/);
    const h = env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, 'ACC001'));
    await rejectsWith(
      h.executeUpdate(approveUpdate, { args: [{ proposalId: s.proposal!.id, advisorId: 'ADV-ANA' }] }),
      /rebalances automatically: flagged trades are decided by a Zoe trader/,
    );
    await rejectsWith(
      h.executeUpdate(zoeReviewUpdate, {
        args: [{ proposalId: s.proposal!.id, trader: 'trader-kim', decision: 'APPROVE', note: '' }],
      }),
      /note: a review needs a note/,
    );
    const r = await h.executeUpdate(zoeReviewUpdate, {
      args: [
        {
          proposalId: s.proposal!.id,
          trader: 'trader-kim',
          decision: 'APPROVE',
          note: 'sizes checked against targets',
        },
      ],
    });
    assert.equal(r.decision, 'APPROVED');
    await stageOf('ACC001', ['Approved']);
    const approval = await stack.t.db('approvals').where({ proposal_id: s.proposal!.id }).first();
    assert.equal(approval.actor, 'trader-kim');
    assert.equal(approval.via, 'TEMPORAL', 'sent straight through Temporal, not through the API');
    const notes = await stack.t.db('notifications').where({ idempotency_key: `review:${s.proposal!.id}` });
    assert.equal(notes.length, 1);
    assert.equal(notes[0].status, 'SENT');
  });

  it('skipToday and the notification outbox: notified once despite failures; skipped with the proposal expired', async () => {
    await startAccount('ACC002', 'MANUAL', 'ADV-BEN');
    const s = await stageOf('ACC002', ['AwaitingApproval']);
    // The notifier failed twice and then delivered: exactly one delivery, three attempts.
    const key = `notify:${s.proposal!.id}`;
    for (let i = 0; i < 300; i++) {
      const r = await stack.t.db('notifications').where({ idempotency_key: key }).first();
      if (r?.status === 'SENT') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const sent = delivered.filter(
      (n) => n.kind === 'ADVISOR_APPROVAL_NEEDED' && n.payload.proposalId === s.proposal!.id,
    );
    assert.equal(sent.length, 1);
    const row = await stack.t
      .db('notifications')
      .where({ idempotency_key: `notify:${s.proposal!.id}` })
      .first();
    assert.equal(row.status, 'SENT');
    assert.equal(row.attempts, 3);
    // Running the activity again (as a retry would) sends nothing more.
    await createActivities(stack.deps).notifyAdvisor({
      proposalId: s.proposal!.id,
      advisorId: 'ADV-BEN',
      deadline: clock.approvalCutoff,
    });
    assert.equal(delivered.filter((n) => n.payload.proposalId === s.proposal!.id).length, 1);

    const h = env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, 'ACC002'));
    await h.signal(skipTodaySignal, { by: 42 } as unknown as { by: string }); // malformed: refused
    await h.signal(skipTodaySignal, { by: 'ops-jane', note: 'client on the phone with the advisor' });
    const result: AccountDayResult = await h.result();
    assert.equal(result.stage, 'Skipped');
    const final = await h.query(statusQuery);
    assert.ok(
      final.refusedMessages.some((m) => m.name === 'skipToday' && /by: Expected string/.test(m.reason)),
    );
    const p = await stack.t.db('proposals').where({ id: s.proposal!.id }).first();
    assert.equal(p.status, 'EXPIRED');
    await recordHistories(env.client, {
      'AccountDay-ops-skipped': accountDayWorkflowId(tradeDate, 'ACC002'),
      'AccountDay-ops-retried-after-failure': accountDayWorkflowId(tradeDate, 'ACC006'),
    });
    assert.equal((await stack.t.db('orders').where({ proposal_id: s.proposal!.id })).length, 0);
  });
});
