/**
 * The simulated custodian refuses what a web page in a developer's browser could send it
 * (docs/security.md, "The simulator's token"): no token → 401 on the control and hand-written
 * client routes, a body that is not JSON → 415, a Host that is not allowed → 421; with its token,
 * JSON and an allowed Host it works. The token `npm start` makes is kept 0600 and reused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simControlToken } from '../../src/custodian/client';
import { HttpCustodian } from '../../src/custodian/http-client';
import { type RunningSim, startSimServer } from '../../src/custodian/sim/server';
import { type TestDb, createTestDb } from '../support/db';

/** A raw request (node:http, so the Host header can be anything). */
function request(
  url: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; json: { code?: string; message?: string; faults?: { errorRate: number } } }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('custodian simulator: token, JSON only, Host allow-list', () => {
  let t: TestDb;
  let sim: RunningSim;
  let dropDir: string;
  const TOKEN = 'sim-test-token-0123456789';
  const auth = { authorization: `Bearer ${TOKEN}` };
  const json = { 'content-type': 'application/json' };

  before(async () => {
    t = await createTestDb();
    dropDir = mkdtempSync(path.join(os.tmpdir(), 'zoe-guard-'));
    sim = await startSimServer({
      db: t.db,
      port: 0,
      dropDir,
      correspondent: 'ZOE',
      fillModel: { seed: 'guard', partialFillRate: 0, rejectRate: 0 },
      token: TOKEN,
      allowedHosts: ['custodian-sim.internal'],
    });
  });
  after(async () => {
    await sim?.close();
    await t?.drop();
    rmSync(dropDir, { recursive: true, force: true });
  });

  it('no token: 401 on the fault switch, halts, morning files and the hand-written order routes', async () => {
    const faults = await request(sim.url, {
      method: 'POST',
      path: '/sim/v1/faults',
      headers: json,
      body: JSON.stringify({ errorRate: 1 }),
    });
    assert.equal(faults.status, 401);
    assert.equal(faults.json.code, 'UNAUTHENTICATED');
    for (const p of ['/sim/v1/faults', '/sim/v1/halts', '/trading/v1/accounts/A1/orders?clientOrderId=x'])
      assert.equal((await request(sim.url, { path: p })).status, 401, p);
    assert.equal(
      (await request(sim.url, { method: 'POST', path: '/sim/v1/sod-files/2026-11-25' })).status,
      401,
    );
    const wrong = await request(sim.url, {
      path: '/sim/v1/faults',
      headers: { authorization: 'Bearer nope' },
    });
    assert.equal(wrong.status, 401);
    // Nothing was switched on.
    const now = await request(sim.url, { path: '/sim/v1/faults', headers: auth });
    assert.equal(now.status, 200);
    assert.equal(now.json.faults?.errorRate, 0);
  });

  it('a text/plain (or form) body is 415, even with the token, and changes nothing', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const r = await request(sim.url, {
        method: 'POST',
        path: '/sim/v1/faults',
        headers: { ...auth, 'content-type': type },
        body: JSON.stringify({ errorRate: 1 }),
      });
      assert.equal(r.status, 415, type);
      assert.equal(r.json.code, 'UNSUPPORTED_MEDIA_TYPE');
    }
    const noType = await request(sim.url, {
      method: 'POST',
      path: '/sim/v1/faults',
      headers: auth,
      body: JSON.stringify({ errorRate: 1 }),
    });
    assert.equal(noType.status, 415, 'a body without a content type');
    const now = await request(sim.url, { path: '/sim/v1/faults', headers: auth });
    assert.equal(now.json.faults?.errorRate, 0);
  });

  it('a Host that is not allowed is 421 (DNS rebinding), with the token too; configured names pass', async () => {
    const port = new URL(sim.url).port;
    for (const host of ['evil.example', `attacker.test:${port}`, '127.0.0.2'])
      assert.equal(
        (await request(sim.url, { path: '/sim/v1/faults', headers: { ...auth, host } })).status,
        421,
        host,
      );
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, 'custodian-sim.internal'])
      assert.equal(
        (await request(sim.url, { path: '/sim/v1/faults', headers: { ...auth, host } })).status,
        200,
        host,
      );
  });

  it('with the token, JSON and an allowed Host it works: faults set, the hand-written client served', async () => {
    const set = await request(sim.url, {
      method: 'POST',
      path: '/sim/v1/faults',
      headers: { ...auth, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ latencyMs: 5 }),
    });
    assert.equal(set.status, 200, JSON.stringify(set.json));
    await request(sim.url, {
      method: 'POST',
      path: '/sim/v1/faults',
      headers: { ...auth, ...json },
      body: '{"latencyMs":0}',
    });
    assert.equal(await new HttpCustodian(sim.url, TOKEN).findOrder('A1', 'none'), undefined);
    await assert.rejects(
      new HttpCustodian(sim.url, 'another-token-0123456789').findOrder('A1', 'none'),
      (e) => {
        assert.equal((e as { status?: number }).status, 401);
        return true;
      },
    );
    assert.equal((await request(sim.url, { path: '/health' })).status, 200, '/health needs no token');
  });

  it("npm start's token: made once under DATA_DIR/custodian, mode 0600, the same on the next start", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zoe-simtok-'));
    try {
      const a = simControlToken(dir);
      assert.match(a, /^simtok_[A-Za-z0-9_-]{32}$/);
      assert.equal(statSync(path.join(dir, 'sim-token')).mode & 0o777, 0o600);
      assert.equal(simControlToken(dir), a);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
