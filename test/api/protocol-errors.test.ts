/**
 * Protocol errors are problems too (src/api/protocol-errors.ts): what Node's HTTP parser refuses
 * (bad framing, a header block too large: 431, a method HTTP does not know) is answered as
 * application/problem+json on the raw socket; a method a known path does not declare is 405 with
 * `Allow`; a GET with a body is a 400, not a 200.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { type RunningApi, buildApiApp, startApiServer } from '../../src/api/server';
import { createAdvisorToken } from '../../src/api/tokens';
import { type TestDb, createTestDb } from '../support/db';
import { assertProblem, call } from './helpers';

/** Sends raw bytes and reads the whole answer until the server closes (or 5 s pass). */
function rawRequest(url: string, bytes: string | Buffer): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 5000);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.write(bytes);
  });
}

/** The status, headers and problem body of a raw HTTP answer. */
function parseRaw(answer: string) {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = new Map(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, json: JSON.parse(body) };
}

function assertRawProblem(answer: string, status: number, where: string): void {
  const r = parseRaw(answer);
  assert.equal(r.status, status, answer);
  assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/, answer);
  assert.equal(Number(r.headers.get('content-length')), Buffer.byteLength(answer.split('\r\n\r\n')[1] ?? ''));
  assert.equal(r.json.status, status);
  assert.equal(r.json.where, where, answer);
  assert.equal(typeof r.json.title, 'string');
  assert.equal(typeof r.json.detail, 'string');
}

describe('protocol errors', () => {
  let t: TestDb;
  let api: RunningApi;
  let client: Client;
  let token: string;

  before(async () => {
    t = await createTestDb();
    await t.db('advisors').insert({ id: 'ADV-P', name: 'P', email: 'p@example.com' });
    token = (await createAdvisorToken(t.db, { advisorId: 'ADV-P', label: 'p' })).token;
    client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    api = await startApiServer({ db: t.db, client, port: 0 });
  });
  after(async () => {
    await api?.close();
    await t?.drop();
  });

  it('bad framing on a raw socket: 400 problem+json', async () => {
    // A chunked body whose chunk size is not hexadecimal.
    assertRawProblem(
      await rawRequest(
        api.url,
        'POST /api/v1/proposals/P20261124-ACC002/reject HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      ),
      400,
      'body',
    );
    // Content-Length and Transfer-Encoding together (request smuggling).
    assertRawProblem(
      await rawRequest(
        api.url,
        'POST /health HTTP/1.1\r\nHost: x\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
      ),
      400,
      'header.transfer-encoding',
    );
    // Not HTTP at all.
    const garbage = parseRaw(await rawRequest(api.url, 'hello\r\n\r\n'));
    assert.ok(garbage.status >= 400 && garbage.status < 600);
    assert.equal(garbage.headers.get('content-type'), 'application/problem+json');
  });

  it('a header block over the limit: 431 problem+json naming the headers', async () => {
    const big = `GET /health HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20 * 1024)}\r\n\r\n`;
    assertRawProblem(await rawRequest(api.url, big), 431, 'header');
  });

  it('a method HTTP does not know: 501 problem+json naming the method', async () => {
    assertRawProblem(await rawRequest(api.url, 'FROB /health HTTP/1.1\r\nHost: x\r\n\r\n'), 501, 'method');
  });

  it('an undeclared method on a known path: 405 with Allow; an unknown path stays 404 (inject)', async () => {
    const app = buildApiApp({ db: t.db, client });
    try {
      const del = await app.inject({ method: 'DELETE', url: '/api/v1/proposals/P20261124-ACC002' });
      assert.equal(del.statusCode, 405, del.body);
      assert.equal(del.headers.allow, 'GET, HEAD');
      assert.match(String(del.headers['content-type']), /^application\/problem\+json/);
      assert.equal(del.json().where, 'method');
      const get = await app.inject({ method: 'GET', url: '/api/v1/proposals/P20261124-ACC002/approve' });
      assert.equal(get.statusCode, 405);
      assert.equal(get.headers.allow, 'POST');
      const put = await app.inject({ method: 'PUT', url: '/health?x=1' });
      assert.equal(put.statusCode, 405);
      assert.equal(put.headers.allow, 'GET, HEAD');
      const nope = await app.inject({ method: 'DELETE', url: '/api/v1/nope' });
      assert.equal(nope.statusCode, 404);
      assert.equal(nope.headers.allow, undefined);
      assert.equal(nope.json().where, 'path');
    } finally {
      await app.close();
    }
  });

  it('the OpenAPI document states the rules the server enforces (history from ≤ to, reasons trimmed first)', async () => {
    const doc = (await call(api.url, 'GET', '/openapi.json')).json;
    const params = doc.paths['/api/v1/history'].get.parameters as {
      name: string;
      schema: { description?: string };
    }[];
    assert.match(params.find((p) => p.name === 'from')?.schema.description ?? '', /must not be after `to`/);
    const reason = doc.components.schemas.RejectRequest.properties.reason;
    assert.match(
      reason.description,
      /^Trimmed of leading and trailing white space first; then 1 to 2000 characters/,
    );
    assert.match(reason.description, /U\+0000/);
    // ... and the server does what it says.
    const h = await call(api.url, 'GET', '/api/v1/history?from=2026-11-25&to=2026-11-24', { token });
    assertProblem(h, 400, 'query.from');
  });

  it('a GET with a body is a 400 problem at body, not a 200', async () => {
    const me = await call(api.url, 'GET', '/api/v1/me', { token });
    assert.equal(me.status, 200, me.text);
    const withBody = await rawRequest(
      api.url,
      `GET /api/v1/me HTTP/1.1\r\nHost: x\r\nauthorization: Bearer ${token}\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}`,
    );
    assertRawProblem(withBody, 400, 'body');
    const chunked = await rawRequest(
      api.url,
      'GET /health HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
    );
    assertRawProblem(chunked, 400, 'body');
    // An empty body is no body.
    const empty = await rawRequest(
      api.url,
      'GET /health HTTP/1.1\r\nHost: x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n',
    );
    assert.equal(parseRaw(empty).status, 200, empty);
    // A POST to a GET-only route is 405, whatever its body.
    assertProblem(await call(api.url, 'POST', '/api/v1/me', { token, body: {} }), 405, 'method');
  });
});
