/**
 * The custodian client's timeouts (src/custodian/http-client.ts): an ordinary call gives up after
 * the client's timeout, the start-of-day files request waits longer (SOD_FILES_TIMEOUT_MS), since
 * the simulator answers it only once it has written every account's files.
 */
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { HttpCustodian, SOD_FILES_TIMEOUT_MS } from '../../src/custodian/http-client';

const SLOW_MS = 600;

describe('HttpCustodian timeouts', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];
  before(async () => {
    // Every answer comes after SLOW_MS, as a custodian busy writing a large morning's files.
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(
          req.url?.startsWith('/sim/v1/sod-files/') ? '{"files":["EXT871","EXT981"]}' : '{"orders":[]}',
        );
      }, SLOW_MS);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('an ordinary call fails after the client timeout', async () => {
    const client = new HttpCustodian(url, 'token-0123456789abcdef', 150);
    // The server answers 200 after SLOW_MS, so only the client's own timeout can reject the call.
    await assert.rejects(client.findOrder('A1', 'none'), (e: Error) =>
      /timeout|aborted/i.test(`${e.name} ${e.message}`),
    );
  });

  test('the start-of-day files request waits past it, for its own longer timeout', async () => {
    assert.ok(SOD_FILES_TIMEOUT_MS >= 60_000, `SOD_FILES_TIMEOUT_MS is ${SOD_FILES_TIMEOUT_MS}`);
    const client = new HttpCustodian(url, 'token-0123456789abcdef', 150);
    assert.deepEqual(await client.requestStartOfDayFiles('2026-12-04'), ['EXT871', 'EXT981']);
    assert.ok(seen.includes('POST /sim/v1/sod-files/2026-12-04'), seen.join(', '));
  });
});
