/**
 * Regressions found by the API fuzzer (test/fuzz/api.fuzz.test.ts): refusals that did not say
 * where. Every 4xx must name the part of the request it is about:
 * - an ops token deciding: 403 at header.authorization (the token's role);
 * - a trader deciding a manual account's proposal: 403 at path.proposalId;
 * - a trader's review with another version: 409 at body.version;
 * - the workflow's refusals: 409 at body.version (wrong version) or path.proposalId;
 * - no account day today (date left out): 404 at path.accountId.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { buildApiApp } from '../../src/api/server';
import { createAdvisorToken } from '../../src/api/tokens';
import { seedDemoData } from '../../src/demo/seed';
import { insertProposal } from '../api/helpers';
import { type TestDb, createTestDb } from '../support/db';

const DATE = '2026-11-24';

/** A workflow client whose Updates and queries throw what `next` says. */
function throwingClient(next: { error?: Error }): Client {
  return {
    withDeadline: <T>(_d: number, fn: () => Promise<T>) => fn(),
    workflow: {
      getHandle: () => ({
        async executeUpdate() {
          if (next.error) throw next.error;
          return { proposalId: 'x', decision: 'APPROVED', duplicate: false };
        },
        async query() {
          throw next.error ?? new Error('no status in this test');
        },
      }),
    },
  } as unknown as Client;
}

describe('API fuzz regressions: every refusal says where', () => {
  let t: TestDb;
  let app: ReturnType<typeof buildApiApp>;
  const next: { error?: Error } = {};
  const tok: Record<string, string> = {};
  let manual: string;
  let auto: string;

  before(async () => {
    t = await createTestDb();
    await seedDemoData(t.db, { asOf: DATE });
    app = buildApiApp({
      db: t.db,
      client: throwingClient(next),
      today: () => DATE,
      logError: () => undefined,
    });
    await app.ready();
    tok.ben = (await createAdvisorToken(t.db, { advisorId: 'ADV-BEN', label: 'ben' })).token;
    tok.ops = (await createAdvisorToken(t.db, { role: 'ops', label: 'ops' })).token;
    tok.trader = (await createAdvisorToken(t.db, { role: 'trader', label: 'trader' })).token;
    const ben: { id: string; mode: string }[] = await t.db('accounts').where({ advisor_id: 'ADV-BEN' });
    manual = await insertProposal(t.db, {
      accountId: ben.find((a) => a.mode === 'MANUAL')!.id,
      tradeDate: DATE,
    });
    auto = await insertProposal(t.db, { accountId: ben.find((a) => a.mode === 'AUTO')!.id, tradeDate: DATE });
  });

  after(async () => {
    await app?.close();
    await t?.drop();
  });

  async function post(token: string, path: string, body: unknown) {
    const res = await app.inject({
      method: 'POST',
      url: path,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    return { status: res.statusCode, json: JSON.parse(res.body) };
  }

  it('an ops token deciding is a 403 at header.authorization', async () => {
    const a = await post(tok.ops!, `/api/v1/proposals/${manual}/approve`, {});
    assert.equal(a.status, 403);
    assert.equal(a.json.where, 'header.authorization');
  });

  it("a trader deciding a manual account's proposal is a 403 at path.proposalId", async () => {
    const a = await post(tok.trader!, `/api/v1/proposals/${manual}/approve`, { note: 'looks fine' });
    assert.equal(a.status, 403);
    assert.equal(a.json.where, 'path.proposalId');
  });

  it("a trader's review of another version is a 409 at body.version", async () => {
    const a = await post(tok.trader!, `/api/v1/proposals/${auto}/approve`, { note: 'ok', version: 7 });
    assert.equal(a.status, 409);
    assert.equal(a.json.where, 'body.version');
  });

  it("the workflow's refusals name the version or the proposal", async () => {
    const cases: [Error, number, string][] = [
      [
        new WorkflowUpdateFailedError(
          'update failed',
          new Error(`proposal ${manual} is at version 2, not 1`),
        ),
        409,
        'body.version',
      ],
      [
        new WorkflowUpdateFailedError('update failed', new Error('past the approval cut-off (16:45 ET)')),
        409,
        'path.proposalId',
      ],
      [new WorkflowNotFoundError('workflow not found', 'wf', undefined), 409, 'path.proposalId'],
    ];
    for (const [error, status, where] of cases) {
      next.error = error;
      const a = await post(tok.ben!, `/api/v1/proposals/${manual}/approve`, { version: 1 });
      assert.equal(a.status, status, JSON.stringify(a.json));
      assert.equal(a.json.where, where, JSON.stringify(a.json));
    }
    next.error = undefined;
  });

  it('no account day today (no date given) is a 404 at path.accountId', async () => {
    next.error = new WorkflowNotFoundError('workflow not found', 'wf', undefined);
    const accountId = manual.split('-')[1];
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/accounts/${accountId}/status`,
      headers: { authorization: `Bearer ${tok.ben}` },
    });
    assert.equal(res.statusCode, 404, res.body);
    assert.equal(JSON.parse(res.body).where, 'path.accountId');
    next.error = undefined;
  });
});
