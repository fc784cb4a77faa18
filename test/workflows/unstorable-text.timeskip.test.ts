/**
 * Text PostgreSQL cannot store (U+0000, an unpaired UTF-16 surrogate) never reaches an account's
 * day, on the time-skipping server: the API refuses it with a 400 naming the field and records
 * nothing; a message sent straight to the workflow (as from the Temporal UI or CLI) is refused by
 * the Update's validator, or kept among the refused messages when it is a signal; the account is
 * never Failed and a proper decision afterwards goes through and is recorded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { type RunningApi, startApiServer } from '../../src/api/server';
import { createAdvisorToken } from '../../src/api/tokens';
import { dayClock, etToUtc, nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { accountDayWorkflowId } from '../../src/workflows/ids';
import {
  approveUpdate,
  rejectSignal,
  rejectUpdate,
  skipTodaySignal,
  statusQuery,
} from '../../src/workflows/messages';
import { assertProblem, call } from '../api/helpers';
import { type Stack, startStack, workerFor } from '../support/harness';
import { timeSkippingEnv } from '../support/temporal';

const QUEUE = 'unstorable-text-test';
const ACCOUNTS = [
  { accountId: 'ACC002', advisorId: 'ADV-BEN', mode: 'MANUAL' as const },
  { accountId: 'ACC008', advisorId: 'ADV-BEN', mode: 'MANUAL' as const },
];

async function rejectsWith(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { cause?: Error }) => {
    assert.match(`${e.message} ${e.cause?.message ?? ''}`, re);
    return true;
  });
}

describe('text PostgreSQL cannot store, refused at every door of an account day', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let worker: Worker;
  let run: Promise<void>;
  let api: RunningApi;
  let tradeDate: string;
  let token: string;
  const pid = (accountId: string) => `P${tradeDate.replaceAll('-', '')}-${accountId}`;
  const handle = (accountId: string) =>
    env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, accountId));

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await probe().catch(() => undefined);
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** What the book holds about the decision of a proposal: approvals rows and its status. */
  async function recorded(accountId: string) {
    const db = stack.t.db;
    const approvals = await db('approvals').where({ proposal_id: pid(accountId) });
    const proposal = await db('proposals')
      .where({ id: pid(accountId) })
      .first();
    return { approvals: approvals.length, status: proposal?.status as string | undefined };
  }

  before(async () => {
    env = await timeSkippingEnv();
    tradeDate = nextTradingDay(utcToEtDate(new Date(await env.currentTimeMs()).toISOString()));
    const clock = dayClock(tradeDate);
    stack = await startStack({ asOf: tradeDate });
    worker = await workerFor(env, stack, QUEUE);
    run = worker.run();
    token = (await createAdvisorToken(stack.t.db, { advisorId: 'ADV-BEN', label: 'ben' })).token;
    api = await startApiServer({ db: stack.t.db, client: env.client, port: 0, today: () => tradeDate });

    const start = Date.parse(etToUtc(tradeDate, '06:30'));
    const now = await env.currentTimeMs();
    if (start > now) await env.sleep(start - now);
    await stack.deps.custodian.requestStartOfDayFiles(tradeDate);
    const { createActivities } = await import('../../src/activities');
    await createActivities(stack.deps).ingestMorningFiles({ processDate: tradeDate });
    for (const a of ACCOUNTS) {
      await env.client.workflow.start('AccountDay', {
        taskQueue: QUEUE,
        workflowId: accountDayWorkflowId(tradeDate, a.accountId),
        args: [{ ...a, tradeDate, clock, fillPollSeconds: 60 }],
      });
    }
    for (const a of ACCOUNTS) {
      await waitFor(`${a.accountId} awaiting approval`, async () => {
        const s = await handle(a.accountId).query(statusQuery);
        return s.stage === 'AwaitingApproval' ? s : undefined;
      });
    }
  });

  after(async () => {
    await api?.close();
    worker?.shutdown();
    await run?.catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  it('the API: a NUL in a reject reason or a lone surrogate in a note is a 400 naming the field; nothing recorded', async () => {
    const reject = await call(api.url, 'POST', `/api/v1/proposals/${pid('ACC002')}/reject`, {
      token,
      body: { reason: 'client\u0000 says no' },
    });
    assertProblem(reject, 400, 'body.reason');
    assert.match(reject.json.detail, /body\.reason: must not contain U\+0000 \(NUL\).*\(character 7\)/);
    const approve = await call(api.url, 'POST', `/api/v1/proposals/${pid('ACC002')}/approve`, {
      token,
      body: { note: 'ok \ud800' },
    });
    assertProblem(approve, 400, 'body.note');
    assert.match(approve.json.detail, /unpaired UTF-16 surrogate \(U\+D800\)/);
    const s = await handle('ACC002').query(statusQuery);
    assert.equal(s.stage, 'AwaitingApproval');
    assert.equal(s.decision, undefined);
    assert.deepEqual(await recorded('ACC002'), { approvals: 0, status: 'PENDING_APPROVAL' });
  });

  it('straight to the workflow: the Update validator refuses it, a signal is kept as refused, the account is not Failed', async () => {
    const h = handle('ACC008');
    const proposalId = pid('ACC008');
    await rejectsWith(
      h.executeUpdate(rejectUpdate, {
        args: [{ proposalId, advisorId: 'ADV-BEN', reason: 'bad\u0000reason' }],
      }),
      /invalid reject message: reason: must not contain U\+0000 \(NUL\)/,
    );
    await rejectsWith(
      h.executeUpdate(approveUpdate, { args: [{ proposalId, advisorId: 'ADV-BEN', note: '\udc00' }] }),
      /invalid approve message: note: must not contain an unpaired UTF-16 surrogate/,
    );
    await h.signal(rejectSignal, { proposalId, advisorId: 'ADV-BEN', reason: 'x\u0000' });
    await h.signal(skipTodaySignal, { by: 'ops\u0000', note: 'skip it' });
    const s = await waitFor('the refused signals in the status', async () => {
      const st = await h.query(statusQuery);
      return st.refusedMessages.length >= 2 ? st : undefined;
    });
    assert.deepEqual(
      s.refusedMessages.map((m) => m.name),
      ['rejectSignal', 'skipToday'],
    );
    assert.match(s.refusedMessages[0]!.reason, /reason: must not contain U\+0000/);
    assert.match(s.refusedMessages[1]!.reason, /by: must not contain U\+0000/);
    assert.equal(s.stage, 'AwaitingApproval', 'not Failed, not Skipped');
    assert.equal(s.decision, undefined);
    assert.deepEqual(await recorded('ACC008'), { approvals: 0, status: 'PENDING_APPROVAL' });

    // A proper decision afterwards is taken and recorded.
    const ok = await call(api.url, 'POST', `/api/v1/proposals/${proposalId}/reject`, {
      token,
      body: { reason: '  client says no  ' },
    });
    assert.equal(ok.status, 200, ok.text);
    await waitFor('ACC008 rejected in the book', async () => {
      const r = await recorded('ACC008');
      return r.status === 'REJECTED' && r.approvals === 1 ? r : undefined;
    });
    const after = await h.query(statusQuery);
    assert.notEqual(after.stage, 'Failed');
    assert.equal(after.decision?.note, 'client says no', 'the reason is kept trimmed');
  });
});
