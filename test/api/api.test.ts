/**
 * The advisor API without a workflow: tokens (hashed, revocable), authentication (its rate limits:
 * limits.test.ts), advisor scoping of the read routes, validation (every bad input a 4xx problem naming
 * where, never a 5xx), the OpenAPI document and the page.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Client, Connection } from '@temporalio/client';
import fc from 'fast-check';
import { ROUTES } from '../../src/api/routes';
import { History, Me, Proposal, ProposalList } from '../../src/api/schemas';
import { type RunningApi, startApiServer } from '../../src/api/server';
import {
  TOKEN_RE,
  createAdvisorToken,
  listTokens,
  revokeToken,
  rotateToken,
  verifyToken,
} from '../../src/api/tokens';
import { seedDemoData } from '../../src/demo/seed';
import { type TestDb, createTestDb } from '../support/db';
import { assertProblem, assertShape, call, insertProposal } from './helpers';

const DATE = '2026-11-24';

describe('advisor API (no workflow needed)', () => {
  let t: TestDb;
  let api: RunningApi;
  let client: Client;
  const tok: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let ownPending: string;
  let otherPending: string;

  before(async () => {
    t = await createTestDb();
    await seedDemoData(t.db, { asOf: DATE });
    // Temporal is deliberately unreachable here: no route in this file may need it, except
    // the one test that proves an unreachable Temporal is a 503/504 and not a 4xx or a hang.
    client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    api = await startApiServer({
      db: t.db,
      client,
      port: 0,
      today: () => DATE,
      workflowTimeoutMs: 1500,
      authFailureLimit: { max: 10_000, windowMs: 60_000 },
      limits: { requestRate: { max: 1_000_000, windowMs: 60_000 } },
      logError: () => undefined,
    });
    for (const [name, owner] of [
      ['ben', { advisorId: 'ADV-BEN', label: 'ben laptop' }],
      ['ana', { advisorId: 'ADV-ANA', label: 'ana laptop' }],
      ['ops', { role: 'ops' as const, label: 'ops desk' }],
      ['trader', { role: 'trader' as const, label: 'trading desk' }],
      ['revoked', { advisorId: 'ADV-BEN', label: 'old phone' }],
    ] as const) {
      const created = await createAdvisorToken(t.db, owner);
      tok[name] = created.token;
      ids[name] = created.id;
    }
    await revokeToken(t.db, ids.revoked!);

    ownPending = await insertProposal(t.db, {
      accountId: 'ACC002',
      tradeDate: DATE,
      reasons: [
        'DRIFT VTI: 66.10% vs target 60.00% (band ±5 pp)',
        { code: 'TAX', message: 'losses harvested first', details: {} },
      ],
      plan: { action: 'TRADE', tax: { realizedST: '12.50', realizedLT: '-40.00', estTax: '-3.10' } },
    });
    otherPending = await insertProposal(t.db, { accountId: 'ACC004', tradeDate: DATE });
    await insertProposal(t.db, {
      accountId: 'ACC002',
      tradeDate: '2026-11-23',
      status: 'REJECTED',
      decision: { decision: 'REJECT', actor: 'ADV-BEN', via: 'update', note: 'client asked to wait' },
    });
    await insertProposal(t.db, {
      accountId: 'ACC008',
      tradeDate: '2026-11-20',
      status: 'EXPIRED',
      decision: { decision: 'EXPIRE', actor: 'system', via: 'timer', note: 'not approved by the cut-off' },
    });
    await insertProposal(t.db, {
      accountId: 'ACC004',
      tradeDate: '2026-11-23',
      status: 'EXECUTED',
      decision: { decision: 'APPROVE', actor: 'ADV-ANA', via: 'update' },
    });
  });

  after(async () => {
    await api?.close();
    await client?.connection.close().catch(() => undefined);
    await t?.drop();
  });

  describe('tokens', () => {
    it('are shown once and stored only as a SHA-256 hash', async () => {
      assert.match(tok.ben!, TOKEN_RE);
      const row = await t.db('api_tokens').where({ id: ids.ben }).first();
      assert.equal(row.token_hash, createHash('sha256').update(tok.ben!).digest('hex'));
      assert.ok(!JSON.stringify(row).includes(tok.ben!.slice(8)), 'the plain token is nowhere in the row');
      assert.equal(row.role, 'advisor');
      assert.equal(row.advisor_id, 'ADV-BEN');
      assert.equal(row.token_prefix, tok.ben!.slice(0, 8));
    });

    it('are listed without hashes, revocable once, and audited', async () => {
      const list = await listTokens(t.db);
      assert.equal(list.length, 5);
      assert.ok(list.every((x) => !('token_hash' in x) && !JSON.stringify(x).includes(tok.ben!)));
      const revoked = list.find((x) => x.id === ids.revoked)!;
      assert.ok(revoked.revokedAt);
      assert.equal((await listTokens(t.db, { activeOnly: true })).length, 4);
      const again = await revokeToken(t.db, ids.revoked!);
      assert.equal(again.alreadyRevoked, true);
      await assert.rejects(revokeToken(t.db, 'tok_nope'), /no token tok_nope/);
      const audit = await t.db('audit_log').where({ entity: 'api_token' });
      assert.equal(audit.filter((a: { action: string }) => a.action === 'API_TOKEN_CREATED').length, 5);
      assert.equal(audit.filter((a: { action: string }) => a.action === 'API_TOKEN_REVOKED').length, 1);
    });

    it('refuse an unknown advisor, a bad role or an empty label', async () => {
      await assert.rejects(createAdvisorToken(t.db, { advisorId: 'ADV-NOBODY', label: 'x' }), /no advisor/);
      await assert.rejects(
        createAdvisorToken(t.db, { role: 'admin' as 'ops', label: 'x' }),
        /role must be ops or trader/,
      );
      await assert.rejects(createAdvisorToken(t.db, { advisorId: 'ADV-BEN', label: '  ' }), /label/);
    });

    it('rotate: a new demo token revokes the previous one with the same label', async () => {
      const first = await rotateToken(t.db, { advisorId: 'ADV-CHLOE', label: 'demo' });
      const second = await rotateToken(t.db, { advisorId: 'ADV-CHLOE', label: 'demo' });
      assert.deepEqual(second.revoked, [first.id]);
      assert.equal(await verifyToken(t.db, first.token), undefined);
      assert.equal((await verifyToken(t.db, second.token))?.advisorId, 'ADV-CHLOE');
      await revokeToken(t.db, second.id);
    });
  });

  describe('authentication', () => {
    it('no token, a malformed header, an unknown or a revoked token: 401 problem naming the header', async () => {
      const cases: [string, Record<string, string>][] = [
        ['none', {}],
        ['basic', { authorization: 'Basic dXNlcjpwYXNz' }],
        ['empty bearer', { authorization: 'Bearer ' }],
        ['not a token', { authorization: 'Bearer hello' }],
        ['unknown', { authorization: `Bearer zoe_${'A'.repeat(43)}` }],
        ['revoked', { authorization: `Bearer ${tok.revoked}` }],
      ];
      for (const [name, headers] of cases) {
        const a = await call(api.url, 'GET', '/api/v1/proposals', { headers });
        assertProblem(a, 401, 'header.authorization');
        assert.match(a.headers.get('www-authenticate') ?? '', /^Bearer realm="zoe"/, name);
      }
    });

    it('a valid token: 200, and /me says who', async () => {
      const me = await call(api.url, 'GET', '/api/v1/me', { token: tok.ben });
      assert.equal(me.status, 200);
      assertShape(Me, me.json);
      assert.equal(me.json.advisorId, 'ADV-BEN');
      assert.equal(me.json.scope, 'own accounts');
      assert.deepEqual(
        me.json.accounts.map((x: { id: string }) => x.id),
        ['ACC002', 'ACC005', 'ACC008', 'ACC011', 'ACC014', 'ACC017', 'ACC020'],
      );
      const ops = await call(api.url, 'GET', '/api/v1/me', { token: tok.ops });
      assert.equal(ops.json.role, 'ops');
      assert.equal(ops.json.scope, 'all accounts');
      const row = await t.db('api_tokens').where({ id: ids.ben }).first();
      assert.ok(row.last_used_at, 'the token is marked used');
    });
  });

  describe('reads, scoped to the advisor', () => {
    it('pending proposals: an advisor sees their own only, with legs, reasons, tax estimate and deadline', async () => {
      const a = await call(api.url, 'GET', '/api/v1/proposals', { token: tok.ben });
      assert.equal(a.status, 200);
      assertShape(ProposalList, a.json);
      assert.deepEqual(
        a.json.proposals.map((p: { id: string }) => p.id),
        [ownPending],
      );
      const p = a.json.proposals[0];
      assert.equal(p.accountId, 'ACC002');
      assert.equal(p.deadline, '2026-11-24T16:45:00.000Z');
      assert.deepEqual(p.reasons, [
        { code: 'DRIFT', message: 'DRIFT VTI: 66.10% vs target 60.00% (band ±5 pp)' },
        { code: 'TAX', message: 'losses harvested first' },
      ]);
      assert.deepEqual(p.taxEstimate, {
        realizedShortTerm: '12.50',
        realizedLongTerm: '-40.00',
        estimatedTax: '-3.10',
      });
      assert.equal(p.legs.length, 2);
      assert.deepEqual(p.legs[0], {
        legNo: 1,
        symbol: 'VTI',
        side: 'SELL',
        qty: '3.00000',
        estPrice: '250.000000',
        estNotional: '750.00',
        reasons: [{ code: 'REBALANCE', message: 'REBALANCE VTI to target' }],
      });
      assert.equal(p.sellNotional, '750.00');
      assert.equal(p.buyNotional, '725.00');
      assert.equal(p.decision, null);

      const ana = await call(api.url, 'GET', '/api/v1/proposals', { token: tok.ana });
      assert.deepEqual(
        ana.json.proposals.map((x: { id: string }) => x.id),
        [otherPending],
      );
      assert.equal(ana.json.proposals[0].taxEstimate, null);
    });

    it('ops and trader tokens see every advisor; an advisor cannot ask for another advisor', async () => {
      for (const who of ['ops', 'trader']) {
        const all = await call(api.url, 'GET', '/api/v1/proposals', { token: tok[who] });
        assert.deepEqual(all.json.proposals.map((x: { id: string }) => x.id).sort(), [
          ownPending,
          otherPending,
        ]);
        const ana = await call(api.url, 'GET', '/api/v1/proposals?advisorId=ADV-ANA', { token: tok[who] });
        assert.deepEqual(
          ana.json.proposals.map((x: { id: string }) => x.id),
          [otherPending],
        );
      }
      assertProblem(
        await call(api.url, 'GET', '/api/v1/proposals?advisorId=ADV-ANA', { token: tok.ben }),
        403,
        'query.advisorId',
      );
      const own = await call(api.url, 'GET', '/api/v1/proposals?advisorId=ADV-BEN&date=2026-11-24', {
        token: tok.ben,
      });
      assert.equal(own.json.proposals.length, 1);
      const none = await call(api.url, 'GET', '/api/v1/proposals?date=2026-11-23', { token: tok.ben });
      assert.equal(none.json.proposals.length, 0);
    });

    it("one proposal: own 200; another advisor's is 404 exactly like one that does not exist", async () => {
      const own = await call(api.url, 'GET', `/api/v1/proposals/${ownPending}`, { token: tok.ben });
      assert.equal(own.status, 200);
      assertShape(Proposal, own.json);
      const other = await call(api.url, 'GET', `/api/v1/proposals/${otherPending}`, { token: tok.ben });
      assertProblem(other, 404, 'path.proposalId');
      const missing = await call(api.url, 'GET', '/api/v1/proposals/P20261124-ACC999', { token: tok.ben });
      assertProblem(missing, 404, 'path.proposalId');
      assert.equal(
        other.json.detail.replace(otherPending, 'X'),
        missing.json.detail.replace('P20261124-ACC999', 'X'),
      );
      assert.equal(
        (await call(api.url, 'GET', `/api/v1/proposals/${otherPending}`, { token: tok.ops })).status,
        200,
      );
    });

    it('history: past proposals with their decisions, newest first, paged, scoped', async () => {
      const a = await call(api.url, 'GET', '/api/v1/history', { token: tok.ben });
      assert.equal(a.status, 200);
      assertShape(History, a.json);
      assert.equal(a.json.total, 3);
      assert.deepEqual(
        a.json.items.map((x: { id: string }) => x.id),
        [ownPending, 'P20261123-ACC002', 'P20261120-ACC008'],
      );
      assert.equal(a.json.items[0].decision, null);
      assert.deepEqual(a.json.items[1].decision, {
        decision: 'REJECTED',
        actor: 'ADV-BEN',
        via: 'update',
        note: 'client asked to wait',
        decidedAt: '2026-11-23T15:00:00.000Z',
      });
      assert.equal(a.json.items[2].decision.decision, 'EXPIRED');
      const page = await call(api.url, 'GET', '/api/v1/history?limit=1&offset=1', { token: tok.ben });
      assert.deepEqual(
        page.json.items.map((x: { id: string }) => x.id),
        ['P20261123-ACC002'],
      );
      assert.equal(page.json.total, 3);
      const range = await call(api.url, 'GET', '/api/v1/history?from=2026-11-21&to=2026-11-23', {
        token: tok.ben,
      });
      assert.deepEqual(
        range.json.items.map((x: { id: string }) => x.id),
        ['P20261123-ACC002'],
      );
      const acct = await call(api.url, 'GET', '/api/v1/history?accountId=ACC008', { token: tok.ben });
      assert.equal(acct.json.total, 1);
      assertProblem(
        await call(api.url, 'GET', '/api/v1/history?accountId=ACC004', { token: tok.ben }),
        404,
        'query.accountId',
      );
      const ops = await call(api.url, 'GET', '/api/v1/history', { token: tok.ops });
      assert.equal(ops.json.total, 5);
    });

    it("account status: another advisor's account is 404 without asking Temporal", async () => {
      assertProblem(
        await call(api.url, 'GET', '/api/v1/accounts/ACC004/status', { token: tok.ben }),
        404,
        'path.accountId',
      );
      assertProblem(
        await call(api.url, 'GET', '/api/v1/accounts/ACC999/status', { token: tok.ops }),
        404,
        'path.accountId',
      );
    });

    it('decisions: ops may not decide; a trader may not decide a manual account; others are 404', async () => {
      assertProblem(
        await call(api.url, 'POST', `/api/v1/proposals/${ownPending}/approve`, { token: tok.ops }),
        403,
      );
      assertProblem(
        await call(api.url, 'POST', `/api/v1/proposals/${ownPending}/reject`, {
          token: tok.trader,
          body: { reason: 'no' },
        }),
        403,
      );
      assertProblem(
        await call(api.url, 'POST', `/api/v1/proposals/${otherPending}/approve`, { token: tok.ben }),
        404,
      );
      assertProblem(
        await call(api.url, 'POST', `/api/v1/proposals/${otherPending}/reject`, {
          token: tok.ben,
          body: { reason: 'no' },
        }),
        404,
      );
    });

    it('an unreachable Temporal is a 503/504 problem, not a caller mistake', async () => {
      const a = await call(api.url, 'POST', `/api/v1/proposals/${ownPending}/approve`, { token: tok.ben });
      assert.ok(a.status === 503 || a.status === 504, `${a.status} ${a.text}`);
      assert.match(a.headers.get('content-type') ?? '', /problem\+json/);
    });
  });

  describe('validation: 4xx problems naming where, never a 5xx', () => {
    const approve = (id = ownPending) => `/api/v1/proposals/${id}/approve`;
    const reject = (id = ownPending) => `/api/v1/proposals/${id}/reject`;

    it('bad path parameters', async () => {
      for (const [path, where] of [
        ['/api/v1/proposals/not-a-proposal', 'path.proposalId'],
        ['/api/v1/proposals/P2026-ACC002/approve', 'path.proposalId'],
        [`/api/v1/proposals/P20261124-${'A'.repeat(31)}`, 'path.proposalId'],
        ['/api/v1/proposals/P20261124-ACC%20002', 'path.proposalId'],
        ['/api/v1/accounts/ACC%2F002/status', 'path.accountId'],
        ['/api/v1/accounts/%3Cscript%3E/status', 'path.accountId'],
      ] as const) {
        const method = path.endsWith('/approve') ? 'POST' : 'GET';
        assertProblem(await call(api.url, method, path, { token: tok.ben }), 400, where);
      }
      assertProblem(await call(api.url, 'GET', '/api/v1/proposals/%E0%A4%A', { token: tok.ben }), 400);
      assertProblem(
        await call(api.url, 'GET', `/api/v1/proposals/${'P'.repeat(500)}`, { token: tok.ben }),
        414,
        'path',
      );
    });

    it('bad query strings: wrong dates, unknown parameters, repeated parameters, bad numbers', async () => {
      for (const [path, where] of [
        ['/api/v1/proposals?date=24-11-2026', 'query.date'],
        ['/api/v1/proposals?date=2026-02-30', 'query.date'],
        ['/api/v1/proposals?advisor=ADV-BEN', 'query.advisor'],
        ['/api/v1/proposals?date=2026-11-24&date=2026-11-25', 'query.date'],
        ['/api/v1/history?limit=0', 'query.limit'],
        ['/api/v1/history?limit=abc', 'query.limit'],
        ['/api/v1/history?limit=1000', 'query.limit'],
        ['/api/v1/history?offset=-1', 'query.offset'],
        ['/api/v1/history?from=2026-11-24&to=2026-11-01', 'query.from'],
        ['/api/v1/accounts/ACC002/status?date=tomorrow', 'query.date'],
        ['/api/v1/me?x=1', 'query.x'],
      ] as const) {
        assertProblem(await call(api.url, 'GET', path, { token: tok.ben }), 400, where);
      }
    });

    it('bad bodies: malformed JSON, wrong types, unknown fields, missing reason, huge, not JSON', async () => {
      const cases: [
        string,
        string,
        { body?: unknown; raw?: string; headers?: Record<string, string> },
        number,
        string,
      ][] = [
        ['malformed', approve(), { raw: '{"note": ' }, 400, 'body'],
        ['trailing garbage', approve(), { raw: '{} x' }, 400, 'body'],
        ['array', approve(), { body: [] }, 400, 'body'],
        ['null', approve(), { raw: 'null' }, 400, 'body'],
        ['string', approve(), { body: 'approve' }, 400, 'body'],
        ['old advisorId field', approve(), { body: { advisorId: 'ADV-BEN' } }, 400, 'body.advisorId'],
        ['proto key', approve(), { raw: '{"__proto__": {"x": 1}}' }, 400, 'body.__proto__'],
        ['version as string', approve(), { body: { version: '1' } }, 400, 'body.version'],
        ['version zero', approve(), { body: { version: 0 } }, 400, 'body.version'],
        ['note too long', approve(), { body: { note: 'n'.repeat(2001) } }, 400, 'body.note'],
        ['no reason', reject(), { body: {} }, 400, 'body.reason'],
        ['no body at all', reject(), {}, 400, 'body'],
        ['blank reason', reject(), { body: { reason: '   ' } }, 400, 'body.reason'],
        ['reason a number', reject(), { body: { reason: 42 } }, 400, 'body.reason'],
        ['unknown field', reject(), { body: { reason: 'x', advisorId: 'ADV-BEN' } }, 400, 'body.advisorId'],
        ['huge', reject(), { body: { reason: 'r'.repeat(100_000) } }, 413, 'body'],
        [
          'text/plain',
          reject(),
          { raw: 'reason=x', headers: { 'content-type': 'text/plain' } },
          415,
          'header.content-type',
        ],
        [
          'form',
          reject(),
          { raw: 'reason=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
          415,
          'header.content-type',
        ],
        ['POST to a GET-only route', '/api/v1/proposals', { body: {} }, 405, 'method'],
      ];
      for (const [name, path, opts, status, where] of cases) {
        const a = await call(api.url, 'POST', path, { token: tok.ben, ...opts });
        assert.equal(a.status, status, `${name}: ${a.text}`);
        assertProblem(a, status, where);
      }
      const missing = await call(api.url, 'POST', reject(), { token: tok.ben, body: {} });
      assert.match(missing.json.detail, /a rejection needs a reason/);
    });

    it('auth comes before validation: a bad body without a token is 401', async () => {
      assertProblem(await call(api.url, 'POST', approve(), { raw: '{oops' }), 401);
    });

    it('unknown routes are 404 problems; an undeclared method of a known path is 405 with Allow', async () => {
      assertProblem(await call(api.url, 'GET', '/api/v2/proposals', { token: tok.ben }), 404, 'path');
      const del = await call(api.url, 'DELETE', `/api/v1/proposals/${ownPending}`, { token: tok.ben });
      assertProblem(del, 405, 'method');
      assert.equal(del.headers.get('allow'), 'GET, HEAD');
      assertProblem(
        await call(api.url, 'POST', `/api/v1/proposals/${ownPending}/cancel`, { token: tok.ben }),
        404,
        'path',
      );
    });

    it('200 random bodies for approve and reject: every answer is a 4xx', async () => {
      // A proposal that does not exist: whatever passes validation ends as a 404, never at Temporal.
      const id = 'P20261124-ACC999';
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.jsonValue(),
            fc.record({ reason: fc.jsonValue(), version: fc.jsonValue() }, { requiredKeys: [] }),
            fc.record({ note: fc.string(), extra: fc.jsonValue() }, { requiredKeys: [] }),
          ),
          fc.constantFrom('approve', 'reject'),
          async (body, action) => {
            const a = await call(api.url, 'POST', `/api/v1/proposals/${id}/${action}`, {
              token: tok.ben,
              body,
            });
            assert.ok(
              a.status >= 400 && a.status < 500,
              `${a.status} for ${JSON.stringify(body)}: ${a.text}`,
            );
            assert.match(a.headers.get('content-type') ?? '', /problem\+json/);
          },
        ),
        { numRuns: 200, seed: 5 },
      );
      const raw = await fc.sample(fc.string({ maxLength: 64 }), { numRuns: 50, seed: 7 });
      for (const text of raw) {
        const a = await call(api.url, 'POST', `/api/v1/proposals/${id}/reject`, {
          token: tok.ben,
          raw: text,
        });
        assert.ok(a.status >= 400 && a.status < 500, `${a.status} for ${JSON.stringify(text)}`);
      }
    });
  });

  describe('OpenAPI and the page', () => {
    it('/openapi.json is a valid OpenAPI 3 document listing every route', async () => {
      const a = await call(api.url, 'GET', '/openapi.json');
      assert.equal(a.status, 200);
      const doc = a.json;
      assert.match(doc.openapi, /^3\.0\./);
      const result = await new Validator().validate(doc);
      assert.equal(result.valid, true, JSON.stringify(result.errors));
      for (const r of ROUTES) {
        const op = doc.paths[r.path]?.[r.method];
        assert.ok(op, `${r.method} ${r.path} is documented`);
        assert.deepEqual(op.security, [{ bearerAuth: [] }]);
        for (const s of ['200', '400', '401', '429']) assert.ok(op.responses[s], `${r.path} documents ${s}`);
        if (r.body) assert.ok(op.requestBody.content['application/json'].schema);
      }
      for (const p of ['/', '/app.js', '/health', '/openapi.json'])
        assert.ok(doc.paths[p]?.get, `${p} is documented`);
      const reject = doc.paths['/api/v1/proposals/{proposalId}/reject'].post;
      assert.equal(reject.parameters[0].name, 'proposalId');
      assert.equal(reject.parameters[0].in, 'path');
      assert.ok(doc.components.schemas.Proposal);
      assert.ok(doc.components.schemas.Problem);
      assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
      // Every documented path and method is a route the server answers (not a 404 "is not a route").
      for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
        for (const method of Object.keys(ops)) {
          const concrete = path.replace('{proposalId}', ownPending).replace('{accountId}', 'ACC002');
          const a2 = await call(api.url, method.toUpperCase(), concrete);
          assert.ok(!(a2.status === 404 && /is not a route/.test(a2.text)), `${method} ${path}`);
        }
      }
    });

    it('/ serves the page with a strict CSP, /app.js its script, /health stays', async () => {
      const page = await call(api.url, 'GET', '/');
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.match(page.text, /<form id="signin-form">/);
      const js = await call(api.url, 'GET', '/app.js');
      assert.equal(js.status, 200);
      assert.match(js.headers.get('content-type') ?? '', /javascript/);
      assert.ok(!/innerHTML/.test(js.text), 'the page never writes API values as HTML');
      const health = await call(api.url, 'GET', '/health');
      assert.deepEqual(health.json, { ok: true });
    });
  });
});
