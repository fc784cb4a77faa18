/**
 * The advisor API against live account days on Temporal's time-skipping server: the
 * authorization matrix (every route × own account / another advisor's / no token / revoked
 * token / ops role / trader role), approve and reject as workflow Updates, duplicates,
 * refusals with the workflow's reason, approval after the cut-off, and a finished day.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { AccountStatus, DecisionResponse, History, Me, Proposal, ProposalList } from '../../src/api/schemas';
import { type RunningApi, startApiServer } from '../../src/api/server';
import { createAdvisorToken, revokeToken } from '../../src/api/tokens';
import { type DayClock, dayClock, etToUtc, nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { accountDayWorkflowId } from '../../src/workflows/ids';
import { statusQuery } from '../../src/workflows/messages';
import type { Mode } from '../../src/workflows/types';
import { type Stack, startStack, workerFor } from '../support/harness';
import { timeSkippingEnv } from '../support/temporal';
import { type Answer, assertProblem, assertShape, call } from './helpers';

const QUEUE = 'api-test';
// ACC002 and ACC008: Ben's manual accounts; ACC004: Ana's manual account; ACC001: Ana's auto account.
const ACCOUNTS: { accountId: string; advisorId: string; mode: Mode }[] = [
  { accountId: 'ACC002', advisorId: 'ADV-BEN', mode: 'MANUAL' },
  { accountId: 'ACC008', advisorId: 'ADV-BEN', mode: 'MANUAL' },
  { accountId: 'ACC004', advisorId: 'ADV-ANA', mode: 'MANUAL' },
  { accountId: 'ACC001', advisorId: 'ADV-ANA', mode: 'AUTO' },
];

type Who = 'own' | 'other' | 'none' | 'revoked' | 'ops' | 'trader';
const WHO: Who[] = ['own', 'other', 'none', 'revoked', 'ops', 'trader'];

describe('advisor API on live account days (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let worker: Worker;
  let run: Promise<void>;
  let api: RunningApi;
  let tradeDate: string;
  let clock: DayClock;
  const tok: Record<string, string> = {};
  const pid = (accountId: string) => `P${tradeDate.replaceAll('-', '')}-${accountId}`;

  async function statusOf(accountId: string) {
    return env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, accountId)).query(statusQuery);
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        const v = await probe();
        if (v !== undefined) return v;
      } catch {
        // not there yet
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  const waitForStage = (accountId: string, stages: string[]) =>
    waitFor(`${accountId} in ${stages.join('/')}`, async () => {
      const s = await statusOf(accountId);
      return stages.includes(s.stage) ? s.stage : undefined;
    });

  before(async () => {
    env = await timeSkippingEnv();
    tradeDate = nextTradingDay(utcToEtDate(new Date(await env.currentTimeMs()).toISOString()));
    clock = dayClock(tradeDate);
    stack = await startStack({ asOf: tradeDate });
    worker = await workerFor(env, stack, QUEUE);
    run = worker.run();
    const db = stack.t.db;
    tok.own = (await createAdvisorToken(db, { advisorId: 'ADV-BEN', label: 'ben' })).token;
    tok.other = (await createAdvisorToken(db, { advisorId: 'ADV-ANA', label: 'ana' })).token;
    tok.ops = (await createAdvisorToken(db, { role: 'ops', label: 'ops desk' })).token;
    tok.trader = (await createAdvisorToken(db, { role: 'trader', label: 'desk' })).token;
    const old = await createAdvisorToken(db, { advisorId: 'ADV-BEN', label: 'lost phone' });
    await revokeToken(db, old.id);
    tok.revoked = old.token;
    api = await startApiServer({
      db,
      client: env.client,
      port: 0,
      today: () => tradeDate,
      authFailureLimit: { max: 1000, windowMs: 60_000 },
      limits: { requestRate: { max: 1_000_000, windowMs: 60_000 } },
    });

    // 06:30 ET on the trade date: the morning files, then one account day per account.
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
    for (const a of ['ACC002', 'ACC008', 'ACC004']) await waitForStage(a, ['AwaitingApproval']);
    await waitForStage('ACC001', ['Approved']);
  });

  after(async () => {
    await api?.close();
    worker?.shutdown();
    await run?.catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  it('authorization matrix: every route × own / other advisor / no token / revoked / ops / trader', async () => {
    interface Cell {
      route: string;
      who: Who;
      expect: number;
      send(): Promise<Answer>;
      check?(a: Answer): void;
    }
    const as = (who: Who) =>
      who === 'none' ? undefined : who === 'own' || who === 'other' ? tok.own : tok[who];
    const cells: Cell[] = [];
    const add = (
      route: string,
      expect: Record<Who, number>,
      req: (who: Who) => { method: string; path: string; body?: unknown },
      check?: (who: Who, a: Answer) => void,
    ) => {
      for (const who of WHO) {
        const r = req(who);
        cells.push({
          route,
          who,
          expect: expect[who],
          send: () => call(api.url, r.method, r.path, { token: as(who), body: r.body }),
          check: check ? (a) => check(who, a) : undefined,
        });
      }
    };
    const other = (who: Who, own: string, others: string) => (who === 'other' ? others : own);

    add(
      'GET /api/v1/me',
      { own: 200, other: 200, none: 401, revoked: 401, ops: 200, trader: 200 },
      () => ({
        method: 'GET',
        path: '/api/v1/me',
      }),
      (_who, a) => a.status === 200 && assertShape(Me, a.json),
    );
    add(
      'GET /api/v1/proposals',
      { own: 200, other: 403, none: 401, revoked: 401, ops: 200, trader: 200 },
      (who) => ({ method: 'GET', path: `/api/v1/proposals${who === 'other' ? '?advisorId=ADV-ANA' : ''}` }),
      (who, a) => {
        if (a.status !== 200) return;
        assertShape(ProposalList, a.json);
        const ids = a.json.proposals.map((p: { id: string }) => p.id).sort();
        if (who === 'own') assert.deepEqual(ids, [pid('ACC002'), pid('ACC008')], 'Ben sees his own only');
        else
          assert.deepEqual(
            ids,
            [pid('ACC002'), pid('ACC004'), pid('ACC008')],
            `${who} sees every pending one`,
          );
      },
    );
    add(
      'GET /api/v1/proposals/{id}',
      { own: 200, other: 404, none: 401, revoked: 401, ops: 200, trader: 200 },
      (who) => ({ method: 'GET', path: `/api/v1/proposals/${other(who, pid('ACC002'), pid('ACC004'))}` }),
      (_who, a) => a.status === 200 && assertShape(Proposal, a.json),
    );
    add(
      'GET /api/v1/accounts/{id}/status',
      { own: 200, other: 404, none: 401, revoked: 401, ops: 200, trader: 200 },
      (who) => ({ method: 'GET', path: `/api/v1/accounts/${other(who, 'ACC002', 'ACC004')}/status` }),
      (_who, a) => {
        if (a.status !== 200) return;
        assertShape(AccountStatus, a.json);
        assert.equal(a.json.stage, 'AwaitingApproval');
        assert.equal(a.json.tradeDate, tradeDate, 'today by default');
      },
    );
    add(
      'GET /api/v1/history',
      { own: 200, other: 404, none: 401, revoked: 401, ops: 200, trader: 200 },
      (who) => ({ method: 'GET', path: `/api/v1/history?accountId=${other(who, 'ACC002', 'ACC004')}` }),
      (_who, a) => a.status === 200 && assertShape(History, a.json),
    );
    // Decisions last: the own-account cell changes the day. The trader cell is 403: manual accounts.
    add(
      'POST /api/v1/proposals/{id}/approve',
      { own: 200, other: 404, none: 401, revoked: 401, ops: 403, trader: 403 },
      (who) => ({
        method: 'POST',
        path: `/api/v1/proposals/${other(who, pid('ACC002'), pid('ACC004'))}/approve`,
      }),
      (who, a) => {
        if (who !== 'own') return;
        assertShape(DecisionResponse, a.json);
        assert.deepEqual(a.json, {
          proposalId: pid('ACC002'),
          accountId: 'ACC002',
          decision: 'APPROVED',
          duplicate: false,
        });
      },
    );
    add(
      'POST /api/v1/proposals/{id}/reject',
      { own: 200, other: 404, none: 401, revoked: 401, ops: 403, trader: 403 },
      (who) => ({
        method: 'POST',
        path: `/api/v1/proposals/${other(who, pid('ACC008'), pid('ACC004'))}/reject`,
        body: { reason: 'the client wants to keep the cash for now' },
      }),
      (who, a) => {
        if (who !== 'own') return;
        assert.deepEqual(a.json, {
          proposalId: pid('ACC008'),
          accountId: 'ACC008',
          decision: 'REJECTED',
          duplicate: false,
        });
      },
    );
    const ordered = [
      ...cells.filter((c) => !(c.who === 'own' && c.route.startsWith('POST'))),
      ...cells.filter((c) => c.who === 'own' && c.route.startsWith('POST')),
    ];

    const got: string[] = [];
    const want: string[] = [];
    for (const c of ordered) {
      const a = await c.send();
      got.push(`${c.route} × ${c.who}: ${a.status}`);
      want.push(`${c.route} × ${c.who}: ${c.expect}`);
      if (a.status >= 400)
        assert.match(a.headers.get('content-type') ?? '', /problem\+json/, `${c.route} × ${c.who}`);
      if (a.status === c.expect) c.check?.(a);
    }
    assert.deepEqual(got, want);
  });

  it('decisions reach the workflow and the book, with who and through what', async () => {
    const s2 = await waitFor('ACC002 decision recorded', async () => {
      const s = await statusOf('ACC002');
      return s.decision ? s : undefined;
    });
    assert.equal(s2.decision?.decision, 'APPROVED');
    assert.equal(s2.decision?.by, 'ADV-BEN');
    await waitFor('ACC008 rejected in the book', async () => {
      const p = await stack.t
        .db('proposals')
        .where({ id: pid('ACC008') })
        .first();
      return p.status === 'REJECTED' ? p : undefined;
    });
    const h = await call(api.url, 'GET', '/api/v1/history', { token: tok.own });
    const byId = Object.fromEntries(h.json.items.map((i: { id: string }) => [i.id, i]));
    assert.equal(byId[pid('ACC008')].decision.decision, 'REJECTED');
    assert.equal(byId[pid('ACC008')].decision.note, 'the client wants to keep the cash for now');
    assert.equal(byId[pid('ACC008')].decision.actor, 'ADV-BEN');
    const pending = await call(api.url, 'GET', '/api/v1/proposals', { token: tok.own });
    assert.deepEqual(pending.json.proposals, [], 'nothing left for Ben');
    const audit = await stack.t.db('audit_log').where({ action: 'API_APPROVE', entity_id: pid('ACC002') });
    assert.equal(audit.length, 1);
    assert.equal(audit[0].actor, 'ADV-BEN');
    assert.equal(audit[0].details.via, 'api');
    assert.match(audit[0].details.tokenId, /^tok_/);
  });

  it('duplicates are harmless; contradicting or stale decisions are 409 with the workflow reason', async () => {
    const again = await call(api.url, 'POST', `/api/v1/proposals/${pid('ACC002')}/approve`, {
      token: tok.own,
      body: { note: 'clicked twice' },
    });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.duplicate, true);
    // ACC008's day ended with its rejection (the v7 patch): the book answers for it.
    const rejectedDay = env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, 'ACC008'));
    await waitFor('ACC008 day ended at its rejection', async () =>
      (await rejectedDay.describe()).status.name === 'COMPLETED' ? true : undefined,
    );
    const rejectAgain = await call(api.url, 'POST', `/api/v1/proposals/${pid('ACC008')}/reject`, {
      token: tok.own,
      body: { reason: 'still no' },
    });
    assert.equal(rejectAgain.json.duplicate, true);
    const approveRejected = await call(api.url, 'POST', `/api/v1/proposals/${pid('ACC008')}/approve`, {
      token: tok.own,
    });
    assertProblem(approveRejected, 409);
    assert.match(approveRejected.json.detail, /proposal was already rejected \(by ADV-BEN at /);
    const fromBook = await stack.t.db('audit_log').where({ action: 'API_REJECT', entity_id: pid('ACC008') });
    assert.ok(
      fromBook.some((r) => r.details.from === 'book' && r.details.duplicate === true),
      JSON.stringify(fromBook.map((r) => r.details)),
    );

    const contradict = await call(api.url, 'POST', `/api/v1/proposals/${pid('ACC002')}/reject`, {
      token: tok.own,
      body: { reason: 'changed my mind' },
    });
    assertProblem(contradict, 409);
    assert.match(contradict.json.detail, /proposal was already approved/);

    const stale = await call(api.url, 'POST', `/api/v1/proposals/${pid('ACC004')}/approve`, {
      token: tok.other,
      body: { version: 2 },
    });
    assertProblem(stale, 409);
    assert.equal(stale.json.title, 'Wrong proposal version');
    assert.match(stale.json.detail, /is at version 1, not 2/);

    // A trader reviews auto accounts (the zoeReview Update, with a note); ACC001 was approved by
    // auto-review already, so approving is a duplicate and rejecting contradicts it.
    assertProblem(
      await call(api.url, 'POST', `/api/v1/proposals/${pid('ACC001')}/approve`, { token: tok.trader }),
      400,
      'body.note',
    );
    const trader = await call(api.url, 'POST', `/api/v1/proposals/${pid('ACC001')}/approve`, {
      token: tok.trader,
      body: { note: 'checked the flagged legs' },
    });
    assert.equal(trader.status, 200, trader.text);
    assert.equal(trader.json.duplicate, true);
    const traderReject = await call(api.url, 'POST', `/api/v1/proposals/${pid('ACC001')}/reject`, {
      token: tok.trader,
      body: { reason: 'too much turnover' },
    });
    assertProblem(traderReject, 409);
    assert.match(traderReject.json.detail, /proposal was already approved/);
    // An advisor cannot decide an auto account through the advisor route: the workflow refuses.
    const anaAuto = await call(api.url, 'POST', `/api/v1/proposals/${pid('ACC001')}/approve`, {
      token: tok.other,
    });
    assertProblem(anaAuto, 409);
    assert.match(anaAuto.json.detail, /rebalances automatically/);
    // Ben cannot see Ana's auto account at all.
    assertProblem(
      await call(api.url, 'POST', `/api/v1/proposals/${pid('ACC001')}/approve`, { token: tok.own }),
      404,
    );
  });

  it('an approval after the cut-off is 409 with the cut-off in the detail', async () => {
    await env.sleep(Date.parse(clock.approvalCutoff) - (await env.currentTimeMs()) + 60_000);
    await waitForStage('ACC004', ['Expired']);
    const late = await call(api.url, 'POST', `/api/v1/proposals/${pid('ACC004')}/approve`, {
      token: tok.other,
    });
    assertProblem(late, 409);
    assert.equal(late.json.title, 'Past the approval cut-off');
    assert.ok(late.json.detail.includes(clock.approvalCutoff), late.json.detail);
    const lateReject = await call(api.url, 'POST', `/api/v1/proposals/${pid('ACC004')}/reject`, {
      token: tok.other,
      body: { reason: 'too late anyway' },
    });
    assertProblem(lateReject, 409);
    assert.match(lateReject.json.detail, /approval cut-off \(.+\) has passed/);
    const p = await waitFor('ACC004 expired in the book', async () => {
      const a = await call(api.url, 'GET', `/api/v1/proposals/${pid('ACC004')}`, { token: tok.other });
      return a.json.status === 'EXPIRED' ? a.json : undefined;
    });
    assert.equal(p.decision.decision, 'EXPIRED');
  });

  it('a finished day answers from the book (an expired proposal: past the cut-off); its status can still be read', async () => {
    await env.sleep(Date.parse(clock.windowClose) - (await env.currentTimeMs()) + 60_000);
    const handle = env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, 'ACC004'));
    await waitFor('ACC004 closed', async () =>
      (await handle.describe()).status.name === 'COMPLETED' ? true : undefined,
    );
    const a = await call(api.url, 'POST', `/api/v1/proposals/${pid('ACC004')}/approve`, { token: tok.other });
    assertProblem(a, 409);
    assert.equal(a.json.title, 'Past the approval cut-off');
    assert.ok(a.json.detail.includes(clock.approvalCutoff), a.json.detail);
    const s = await call(api.url, 'GET', `/api/v1/accounts/ACC004/status?date=${tradeDate}`, {
      token: tok.other,
    });
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.stage, 'Expired');
    const none = await call(api.url, 'GET', '/api/v1/accounts/ACC004/status?date=2026-01-05', {
      token: tok.other,
    });
    assertProblem(none, 404, 'query.date');
  });
});
