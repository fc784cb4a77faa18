/**
 * The trust boundary to Temporal (docs/security.md): every decision is recorded with the channel
 * it really came through and the principal that channel authenticated. With a signing key on the
 * worker and the API (a cluster), an Update or Signal sent straight through Temporal (unsigned,
 * forged, or signed for another account day) is refused and audited, and the account is not
 * approved; the API's signed decision is taken, via API with its token. Without a key (dev), a
 * decision sent straight through Temporal is taken and recorded via TEMPORAL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { type RunningApi, startApiServer } from '../../src/api/server';
import { createAdvisorToken } from '../../src/api/tokens';
import { dayClock, etToUtc, nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { decisionOrigin } from '../../src/domain/decision-signature';
import { accountDayWorkflowId } from '../../src/workflows/ids';
import { approveSignal, approveUpdate, statusQuery } from '../../src/workflows/messages';
import { call } from '../api/helpers';
import { type Stack, startStack, workerFor } from '../support/harness';
import { timeSkippingEnv } from '../support/temporal';

/** An Update failure whose cause (the workflow's refusal) matches `re`. */
const refusedWith = (re: RegExp) => (e: Error & { cause?: Error }) => {
  assert.match(e.cause?.message ?? e.message, re);
  return true;
};

const KEY = 'k'.repeat(16) + '0123456789abcdef0123456789';
const SIGNED = 'signed-decisions';
const DEV = 'unsigned-decisions';

describe('decisions: the channel and principal recorded, signed decisions on a cluster (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let workers: Worker[];
  let runs: Promise<void>[];
  let api: RunningApi;
  let tradeDate: string;
  let benToken: string;
  let benTokenId: string;
  const pid = (accountId: string) => `P${tradeDate.replaceAll('-', '')}-${accountId}`;
  const handle = (accountId: string) =>
    env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, accountId));

  async function stageOf(accountId: string, stages: string[], ms = 60_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        const s = await handle(accountId).query(statusQuery);
        if (stages.includes(s.stage)) return s.stage;
      } catch {
        // not started yet
      }
      if (Date.now() > deadline) throw new Error(`${accountId} never reached ${stages.join('/')}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  before(async () => {
    env = await timeSkippingEnv();
    tradeDate = nextTradingDay(utcToEtDate(new Date(await env.currentTimeMs()).toISOString()));
    stack = await startStack({ asOf: tradeDate });
    // One worker with the key (a cluster's), one without (dev), on their own task queues.
    workers = [
      await workerFor(env, stack, SIGNED, { decisionSigningKey: KEY }),
      await workerFor(env, stack, DEV),
    ];
    runs = workers.map((w) => w.run());
    const ben = await createAdvisorToken(stack.t.db, { advisorId: 'ADV-BEN', label: 'ben' });
    benToken = ben.token;
    benTokenId = ben.id;
    api = await startApiServer({
      db: stack.t.db,
      client: env.client,
      port: 0,
      today: () => tradeDate,
      decisionSigningKey: KEY,
      logError: () => undefined,
    });
    const start = Date.parse(etToUtc(tradeDate, '06:30'));
    const now = await env.currentTimeMs();
    if (start > now) await env.sleep(start - now);
    await stack.deps.custodian.requestStartOfDayFiles(tradeDate);
    const { createActivities } = await import('../../src/activities');
    await createActivities(stack.deps).ingestMorningFiles({ processDate: tradeDate });
    const clock = dayClock(tradeDate);
    // Ben's manual accounts ACC002 and ACC008 on the cluster's worker; Ana's ACC004 on dev's.
    for (const [accountId, advisorId, queue] of [
      ['ACC002', 'ADV-BEN', SIGNED],
      ['ACC008', 'ADV-BEN', SIGNED],
      ['ACC004', 'ADV-ANA', DEV],
    ] as const) {
      await env.client.workflow.start('AccountDay', {
        taskQueue: queue,
        workflowId: accountDayWorkflowId(tradeDate, accountId),
        args: [{ accountId, advisorId, mode: 'MANUAL', tradeDate, clock, fillPollSeconds: 60 }],
      });
    }
    for (const a of ['ACC002', 'ACC008', 'ACC004']) await stageOf(a, ['AwaitingApproval']);
  });

  after(async () => {
    await api?.close();
    for (const w of workers ?? []) w.shutdown();
    await Promise.all((runs ?? []).map((r) => r.catch(() => undefined)));
    await stack?.close();
    await env?.teardown();
  });

  it('with a key: forged Updates and Signals sent straight to Temporal are refused, audited, never applied', async () => {
    const h = handle('ACC008');
    const proposalId = pid('ACC008');
    // Unsigned, as anyone who reaches the Temporal frontend could send it.
    await assert.rejects(
      h.executeUpdate(approveUpdate, { args: [{ proposalId, advisorId: 'ADV-BEN' }] }),
      refusedWith(/not signed/),
    );
    // Claiming to be the API, with a made-up signature.
    const forged = {
      via: 'API' as const,
      principal: 'tok_forged (ADV-BEN)',
      at: new Date().toISOString(),
      nonce: '00112233445566778899aabb',
      signature: 'ab'.repeat(32),
    };
    await assert.rejects(
      h.executeUpdate(approveUpdate, { args: [{ proposalId, advisorId: 'ADV-BEN', origin: forged }] }),
      refusedWith(/signature does not verify/),
    );
    // A real signature, but for another account day (replayed onto this one).
    const elsewhere = decisionOrigin(
      {
        workflowId: accountDayWorkflowId(tradeDate, 'ACC002'),
        proposalId,
        decision: 'APPROVE',
        actor: 'ADV-BEN',
        note: undefined,
      },
      { via: 'API', principal: 'tok_x (ADV-BEN)' },
      KEY,
    );
    await assert.rejects(
      h.executeUpdate(approveUpdate, { args: [{ proposalId, advisorId: 'ADV-BEN', origin: elsewhere }] }),
      refusedWith(/signature does not verify/),
    );
    // And as a Signal (the Temporal UI's "Send a Signal").
    await h.signal(approveSignal, { proposalId, advisorId: 'ADV-BEN' });
    for (let i = 0; ; i++) {
      const s = await h.query(statusQuery);
      if (s.refusedMessages.some((m) => m.name === 'approveSignal' && /not signed/.test(m.reason))) break;
      if (i > 200) assert.fail(`the signal was not refused: ${JSON.stringify(s.refusedMessages)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const s = await h.query(statusQuery);
    assert.equal(s.stage, 'AwaitingApproval', 'not approved');
    assert.equal(s.decision, undefined);
    assert.equal(await stack.t.db('approvals').where({ proposal_id: proposalId }).first(), undefined);
    assert.equal(
      (await stack.t.db('proposals').where({ id: proposalId }).first()).status,
      'PENDING_APPROVAL',
    );
    const refused = await stack.t
      .db('audit_log')
      .where({ action: 'DECISION_REFUSED', entity_id: proposalId })
      .orderBy('id');
    assert.equal(refused.length, 4, 'each refusal is audited');
    assert.match(refused[1].details.reason, /does not verify/);
    assert.equal(refused[1].details.claimedVia, 'API');
  });

  it('with a key: the API signs, the decision is recorded via API with the token that made it', async () => {
    const r = await call(api.url, 'POST', `/api/v1/proposals/${pid('ACC002')}/approve`, {
      token: benToken,
      body: { note: 'fine' },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.decision, 'APPROVED');
    const approval = await stack.t
      .db('approvals')
      .where({ proposal_id: pid('ACC002') })
      .first();
    assert.equal(approval.via, 'API');
    assert.equal(approval.actor, 'ADV-BEN');
    const audit = await stack.t
      .db('audit_log')
      .where({ action: 'PROPOSAL_APPROVED', entity_id: pid('ACC002') })
      .first();
    assert.equal(audit.details.via, 'API');
    assert.match(audit.details.principal, new RegExp(`^${benTokenId} \\(ADV-BEN\\)$`));
    const s = await handle('ACC002').query(statusQuery);
    assert.equal(s.decision?.via, 'API');
    assert.match(s.decision?.principal ?? '', new RegExp(benTokenId));
  });

  it('without a key (dev): a decision sent straight through Temporal is taken, recorded via TEMPORAL', async () => {
    const r = await handle('ACC004').executeUpdate(approveUpdate, {
      args: [{ proposalId: pid('ACC004'), advisorId: 'ADV-ANA' }],
    });
    assert.equal(r.decision, 'APPROVED');
    const approval = await stack.t
      .db('approvals')
      .where({ proposal_id: pid('ACC004') })
      .first();
    assert.equal(approval.via, 'TEMPORAL');
    assert.notEqual(approval.via, 'API');
    assert.equal((await handle('ACC004').query(statusQuery)).decision?.via, 'TEMPORAL');
  });
});
