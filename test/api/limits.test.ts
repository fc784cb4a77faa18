/**
 * The advisor API's limits (docs/security.md, "Limits and timeouts"): authentication failures
 * per credential and per source without locking out valid tokens, the per-token request rate
 * (no audit rows past it), the request and idle timeouts on raw sockets, the connection cap,
 * and the API_* settings as src/config.ts reads them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { AuthFailureLimiter } from '../../src/api/rate-limit';
import { type RunningApi, startApiServer } from '../../src/api/server';
import { createAdvisorToken } from '../../src/api/tokens';
import { loadConfig } from '../../src/config';
import { seedDemoData } from '../../src/demo/seed';
import { type TestDb, createTestDb } from '../support/db';
import { assertProblem, call } from './helpers';

const DATE = '2026-11-24';
const wrongToken = () => `zoe_${randomBytes(32).toString('base64url')}`;

/** A raw socket to `url`; resolves with what it received and how long it stayed open. */
function rawSocket(
  url: string,
  send: string,
  maxWaitMs: number,
): Promise<{ closedAfterMs: number | null; received: string; socket: net.Socket }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    let received = '';
    const socket = net.connect({
      host: hostname === 'localhost' ? '127.0.0.1' : hostname,
      port: Number(port),
    });
    const timer = setTimeout(() => resolve({ closedAfterMs: null, received, socket }), maxWaitMs);
    socket.on('connect', () => socket.write(send));
    socket.on('data', (d) => {
      received += d.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closedAfterMs: Date.now() - started, received, socket });
    });
  });
}

describe('API limits', () => {
  let t: TestDb;
  let client: Client;
  let ben: string;
  let ana: string;
  let ops: string;
  const servers: RunningApi[] = [];
  const start = async (opts: Omit<Parameters<typeof startApiServer>[0], 'db' | 'client' | 'port'> = {}) => {
    const s = await startApiServer({
      db: t.db,
      client,
      port: 0,
      today: () => DATE,
      logError: () => undefined,
      ...opts,
    });
    servers.push(s);
    return s;
  };

  before(async () => {
    t = await createTestDb();
    await seedDemoData(t.db, { asOf: DATE });
    client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    ben = (await createAdvisorToken(t.db, { advisorId: 'ADV-BEN', label: 'laptop' })).token;
    ana = (await createAdvisorToken(t.db, { advisorId: 'ADV-ANA', label: 'laptop' })).token;
    ops = (await createAdvisorToken(t.db, { role: 'ops', label: 'desk' })).token;
  });
  after(async () => {
    for (const s of servers) await s.close();
    await t?.drop();
  });

  describe('authentication failures', () => {
    it('25 bad tokens from one address, then a valid token from it: 200; the bad credential stays limited', async () => {
      const api = await start(); // the defaults: 20 failures per credential a minute
      const bad = wrongToken();
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++)
        statuses.push((await call(api.url, 'GET', '/api/v1/me', { token: bad })).status);
      assert.deepEqual(statuses, [...Array(20).fill(401), ...Array(5).fill(429)]);
      const good = await call(api.url, 'GET', '/api/v1/me', { token: ben });
      assert.equal(good.status, 200, good.text);
      assert.equal(good.json.advisorId, 'ADV-BEN');
      const still = await call(api.url, 'GET', '/api/v1/me', { token: bad });
      assertProblem(still, 429, 'header.authorization');
      const retry = Number(still.headers.get('retry-after'));
      assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
      // Unauthenticated routes are not affected.
      assert.equal((await call(api.url, 'GET', '/health')).status, 200);
    });

    it('a source rotating credentials is limited as a source, and valid tokens from it still pass', async () => {
      const api = await start({ authFailureLimit: { max: 3, sourceMax: 5, windowMs: 60_000 } });
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++)
        statuses.push((await call(api.url, 'GET', '/api/v1/me', { token: wrongToken() })).status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
      assertProblem(await call(api.url, 'GET', '/api/v1/me'), 429, 'header.authorization');
      assert.equal((await call(api.url, 'GET', '/api/v1/me', { token: ana })).status, 200);
      assert.equal((await call(api.url, 'GET', '/api/v1/me', { token: ben })).status, 200);
    });

    it('behind a proxy (trustProxy: 1 hop), sources are the forwarded addresses', async () => {
      const api = await start({
        trustProxy: 1,
        authFailureLimit: { max: 100, sourceMax: 2, windowMs: 60_000 },
      });
      const from = (ip: string, token = wrongToken()) =>
        call(api.url, 'GET', '/api/v1/me', { token, headers: { 'x-forwarded-for': ip } });
      assert.equal((await from('203.0.113.7')).status, 401);
      assert.equal((await from('203.0.113.7')).status, 401);
      assert.equal((await from('203.0.113.7')).status, 429);
      assert.equal((await from('198.51.100.9')).status, 401, 'another client behind the same proxy');
    });

    it('the limiter: per credential and per source, each in its own window', () => {
      let now = 0;
      const limiter = new AuthFailureLimiter({ max: 2, sourceMax: 3, windowMs: 10_000 }, () => now);
      limiter.fail('1.2.3.4', 'Bearer a');
      limiter.fail('1.2.3.4', 'Bearer a');
      assert.equal(limiter.credentialWait('Bearer a'), 10);
      assert.equal(limiter.credentialWait('Bearer b'), 0, 'per credential');
      assert.equal(limiter.sourceWait('1.2.3.4'), 0, 'the source is under its own limit');
      limiter.fail('1.2.3.4', undefined);
      assert.equal(limiter.sourceWait('1.2.3.4'), 10);
      assert.equal(limiter.sourceWait('5.6.7.8'), 0, 'per source');
      now = 9_001;
      assert.equal(limiter.credentialWait('Bearer a'), 1);
      now = 10_000;
      assert.equal(limiter.credentialWait('Bearer a'), 0, 'a new window');
      assert.equal(limiter.sourceWait('1.2.3.4'), 0);
    });
  });

  describe('the request rate of a token', () => {
    it('past the limit: 429 with Retry-After, and nothing more is written to the audit log', async () => {
      const api = await start({ limits: { requestRate: { max: 3, windowMs: 60_000 } } });
      const audits = async () => Number((await t.db('audit_log').count({ n: '*' }).first())?.n);
      const create = (i: number) =>
        call(api.url, 'POST', '/api/v1/households', {
          token: ops,
          body: { id: `HHRATE${i}`, name: `Rate ${i}` },
        });
      const before0 = await audits();
      for (let i = 0; i < 3; i++) {
        const a = await create(i);
        assert.equal(a.status, 200, a.text);
      }
      const allowed = await audits();
      assert.ok(allowed > before0, 'the allowed requests are audited');
      for (let i = 3; i < 6; i++) {
        const a = await create(i);
        assertProblem(a, 429, 'header.authorization');
        assert.ok(Number(a.headers.get('retry-after')) >= 1);
      }
      assert.equal(await audits(), allowed, 'no audit row past the limit');
      assert.equal(
        await t.db('households').whereIn('id', ['HHRATE3', 'HHRATE4', 'HHRATE5']).first(),
        undefined,
      );
      // Another token has its own budget.
      assert.equal((await call(api.url, 'GET', '/api/v1/me', { token: ben })).status, 200);
    });
  });

  describe('timeouts and connections', () => {
    it('a request that sends 1 byte of a 100-byte body is answered 408 and closed within the request timeout', async () => {
      const api = await start({ limits: { requestTimeoutMs: 1000, connectionTimeoutMs: 60_000 } });
      const { port } = new URL(api.url);
      const r = await rawSocket(
        api.url,
        `POST /api/v1/proposals/P1/approve HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${ben}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
        6000,
      );
      r.socket.destroy();
      assert.ok(r.closedAfterMs !== null, 'the server closed the connection');
      assert.ok(r.closedAfterMs >= 900 && r.closedAfterMs < 3000, `closed after ${r.closedAfterMs} ms`);
      assert.match(r.received, /^HTTP\/1\.1 408/);
    });

    it('a connection that sends nothing is closed after the idle timeout', async () => {
      const api = await start({ limits: { connectionTimeoutMs: 500 } });
      const r = await rawSocket(api.url, '', 5000);
      r.socket.destroy();
      assert.ok(r.closedAfterMs !== null && r.closedAfterMs < 2000, `closed after ${r.closedAfterMs} ms`);
    });

    it('past maxConnections a new connection is closed unanswered; once one closes, requests pass', async () => {
      const api = await start({ limits: { maxConnections: 2 } });
      const held: net.Socket[] = [];
      for (let i = 0; i < 2; i++) {
        const s = net.connect({ host: '127.0.0.1', port: Number(new URL(api.url).port) });
        await new Promise((res) => s.once('connect', res));
        s.write('GET /health HTTP/1.1\r\nHost: x\r\n'); // headers never finished: the slot stays taken
        held.push(s);
      }
      await new Promise((res) => setTimeout(res, 100));
      const third = await rawSocket(api.url, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', 3000);
      assert.ok(third.closedAfterMs !== null, 'the third connection is closed');
      assert.equal(third.received, '', 'and never answered');
      for (const s of held) s.destroy();
      await new Promise((res) => setTimeout(res, 100));
      assert.equal((await call(api.url, 'GET', '/health')).status, 200);
    });
  });

  describe('configuration', () => {
    it('API_TRUST_PROXY takes false, true, a hop count or addresses/CIDRs; the limits have defaults', () => {
      assert.equal(loadConfig({}).API_TRUST_PROXY, false);
      assert.equal(loadConfig({ API_TRUST_PROXY: 'true' }).API_TRUST_PROXY, true);
      assert.equal(loadConfig({ API_TRUST_PROXY: '2' }).API_TRUST_PROXY, 2);
      assert.deepEqual(loadConfig({ API_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).API_TRUST_PROXY, [
        '10.0.0.0/8',
        '127.0.0.1',
        '::1',
      ]);
      assert.throws(
        () => loadConfig({ API_TRUST_PROXY: 'proxy.local' }),
        /API_TRUST_PROXY: proxy\.local is not/,
      );
      assert.throws(() => loadConfig({ API_TRUST_PROXY: '10.0.0.0/33' }), /API_TRUST_PROXY/);
      const cfg = loadConfig({ API_REQUEST_TIMEOUT_MS: '5000', API_MAX_CONNECTIONS: '10' });
      assert.equal(cfg.API_REQUEST_TIMEOUT_MS, 5000);
      assert.equal(cfg.API_MAX_CONNECTIONS, 10);
      assert.equal(cfg.API_REQUESTS_PER_MINUTE, 600);
      assert.equal(cfg.API_AUTH_FAILURES_PER_MINUTE, 20);
      assert.throws(() => loadConfig({ API_MAX_CONNECTIONS: '0' }), /API_MAX_CONNECTIONS/);
    });
  });
});
