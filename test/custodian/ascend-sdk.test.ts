/**
 * Apex's official TypeScript SDK (`@apexfintechsolutions/ascend-sdk`) against the simulator:
 * the service-account token flow (RS256 JWT verified with the configured public key), the
 * order routes in Ascend's own JSON (create, get, list, cancel) and the port on top of it,
 * `AscendCustodian`: decimal strings, a partial fill cancelled asynchronously, duplicate client
 * order ids, and every way a request can be unauthenticated.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Apexascend } from '@apexfintechsolutions/ascend-sdk';
import {
  AscendCustodian,
  type AscendCustodianOptions,
  orderDateFromClientOrderId,
} from '../../src/custodian/ascend-client';
import { CustodianHttpError, HttpCustodian } from '../../src/custodian/http-client';
import { type RunningSim, startSimServer } from '../../src/custodian/sim/server';
import { lotsAsOf } from '../../src/custodian/sim/sod';
import { nextTradingDay } from '../../src/domain/calendar';
import { dec } from '../../src/domain/money';
import { type Stack, startStack } from '../support/harness';

const DATE = '2026-11-24';
const DAY = '20261124';
const API_KEY = 'sim-test-api-key-0123456789';
const SERVICE_ACCOUNT = 'zoe-trading';
const ORG = 'correspondents/01HZOE00000000000000000000';
const TOKEN_PATH = '/iam/v1/serviceAccounts:generateAccessToken';

const pair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
const keys = pair();
const otherKeys = pair();

/** A JWS as the SDK's token hook makes it, signed by hand with node:crypto. */
function jws(
  privateKeyPem: string,
  payload: Record<string, unknown> = {},
  alg = 'RS256',
  at = new Date(),
): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const h = enc({ alg, typ: 'JWT' });
  const p = enc({
    iss: 'issuer',
    sub: 'subject',
    name: SERVICE_ACCOUNT,
    organization: ORG,
    datetime: at.toISOString(),
    iat: Math.floor(at.getTime() / 1000),
    ...payload,
  });
  return `${h}.${p}.${sign('sha256', Buffer.from(`${h}.${p}`), privateKeyPem).toString('base64url')}`;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

/** An SDK error carrying this HTTP status whose message matches `re`. */
function sdkError(status: number, re: RegExp) {
  return (e: Error & { httpMeta?: { response: Response } }) => {
    assert.equal(e.httpMeta?.response.status, status, e.message);
    assert.match(e.message, re);
    return true;
  };
}

describe('the official Ascend SDK against the simulator', () => {
  let stack: Stack;
  let sim: RunningSim;
  let account: string;
  let symbol: string;

  const custodian = (over: Partial<AscendCustodianOptions> = {}) =>
    new AscendCustodian({
      serverURL: sim.url,
      apiKey: API_KEY,
      serviceAccount: { name: SERVICE_ACCOUNT, organization: ORG, privateKeyPem: keys.privateKey },
      orderDateOf: orderDateFromClientOrderId,
      simulatorToken: sim.token,
      ...over,
    });
  const sdk = (privateKey = keys.privateKey) =>
    new Apexascend({
      serverURL: sim.url,
      security: {
        apiKey: API_KEY,
        serviceAccountCreds: { privateKey, name: SERVICE_ACCOUNT, organization: ORG, type: 'serviceAccount' },
      },
      retryConfig: { strategy: 'none' },
    });
  const order = (clientOrderId: string, quantity = '10', side: 'BUY' | 'SELL' = 'BUY') => ({
    clientOrderId,
    accountNumber: account,
    symbol,
    side,
    quantity,
    orderDate: DATE,
  });
  const rows = async (clientOrderId: string) =>
    Number(
      (await stack.t.db('sim.orders').where({ client_order_id: clientOrderId }).count({ n: '*' }))[0]?.n,
    );

  before(async () => {
    stack = await startStack({ asOf: DATE, partialFillRate: 1 });
    sim = await startSimServer({
      db: stack.t.db,
      port: 0,
      dropDir: stack.dropDir,
      correspondent: 'ZOE',
      // Every first attempt fills 40–79% and stops; attempt 2+ fills in full.
      fillModel: { seed: 'test', partialFillRate: 1, rejectRate: 0 },
      auth: {
        apiKey: API_KEY,
        serviceAccounts: [{ name: SERVICE_ACCOUNT, organization: ORG, publicKeyPem: keys.publicKey }],
      },
    });
    const rich = await stack.t.db('sim.accounts').orderByRaw('cash desc').first();
    account = rich.account_number;
    const cheapest = await stack.t
      .db('sim.prices')
      .where('date', '<=', DATE)
      .whereIn('symbol', stack.t.db('sim.securities').select('symbol'))
      .orderByRaw('close asc')
      .first();
    symbol = cheapest.symbol;
    assert.ok(dec(rich.cash).gt(dec(cheapest.close).times(100)), 'the account can pay for the test orders');
  });

  after(async () => {
    await sim?.close();
    await stack?.close();
  });

  it('createOrder: a partial fill comes back as a CustodianOrder of decimal strings; GetOrder in Ascend JSON', async () => {
    const o = await custodian().createOrder(order(`${DAY}-SDK1-L1-A1`));
    assert.equal(o.orderStatus, 'PARTIALLY_FILLED');
    assert.equal(o.clientOrderId, `${DAY}-SDK1-L1-A1`);
    assert.equal(o.accountId, account);
    assert.equal(o.identifier, symbol);
    assert.equal(o.orderDate, DATE);
    assert.equal(o.orderRejectedReason, null);
    for (const v of [o.quantity, o.filledQuantity, o.averagePrice]) assert.equal(typeof v, 'string');
    assert.ok(dec(o.quantity).eq(10));
    assert.ok(dec(o.filledQuantity).gte(4) && dec(o.filledQuantity).lt(8), o.filledQuantity);
    assert.match(
      o.averagePrice ?? '',
      /^\d+\.\d{2}(\d{2})?$/,
      'Apex rounds average prices to 2 dp (4 below $1)',
    );
    assert.equal(o.executions.length, 1);
    const [e] = o.executions;
    assert.ok(e && dec(e.quantity).eq(dec(o.filledQuantity)));
    assert.equal(typeof e?.price, 'string');
    assert.ok(e && !Number.isNaN(Date.parse(e.executedTime)));
    assert.ok(e?.executionId.startsWith(o.orderId), 'derived from the order (SDK 1.8.5 drops execution_id)');

    // The SDK's own model of the same order, as the simulator serves it.
    const res = await sdk().orders.getOrder(account, o.orderId);
    const a = res.order;
    assert.ok(a);
    assert.equal(a.name, `accounts/${account}/orders/${o.orderId}`);
    assert.equal(a.quantity?.value, o.quantity);
    assert.equal(a.filledQuantity?.value, o.filledQuantity);
    assert.deepEqual(a.orderDate, { year: 2026, month: 11, day: 24 });
    assert.equal(a.orderStatus, 'PARTIALLY_FILLED');
    assert.equal(a.open, true);
    assert.equal(a.averagePrices?.[0]?.type, 'PRICE_PER_UNIT');
    assert.equal(a.averagePrices?.[0]?.price?.value, o.averagePrice);
    assert.equal(a.executions?.[0]?.quantity?.value, e?.quantity);
    assert.ok(a.createTime instanceof Date);
    const tokens = await stack.t.db('sim.access_tokens').where({ service_account: SERVICE_ACCOUNT });
    assert.ok(tokens.length >= 1, 'tokens are kept (hashed) in PostgreSQL');
    assert.ok(tokens.every((t: { token_hash: string }) => /^[0-9a-f]{64}$/.test(t.token_hash)));
  });

  it('findOrder by client order id: one GetOrder when known, ListAccountOrders by date or paged otherwise', async () => {
    const made = [];
    for (const n of [1, 2, 3]) made.push(await custodian().createOrder(order(`${DAY}-SDK2-L${n}-A1`, '3')));
    const wanted = made[1];
    assert.ok(wanted);
    for (const c of [custodian(), custodian({ orderDateOf: undefined })]) {
      const found = await c.findOrder(account, wanted.clientOrderId);
      assert.deepEqual(found, wanted);
      assert.equal(await c.findOrder(account, `${DAY}-NOPE-L1-A1`), undefined);
    }
    const c = custodian();
    await c.createOrder(order(`${DAY}-SDK2-L4-A1`, '3'));
    assert.equal((await c.findOrder(account, `${DAY}-SDK2-L4-A1`))?.clientOrderId, `${DAY}-SDK2-L4-A1`);

    // The list itself: CEL filter on open and order_date, newest first, page tokens.
    const s = sdk();
    const filter = `open && order_date >= date('${DATE}')`;
    const p1 = (await s.orders.listAccountOrders(account, filter, 2)).listAccountOrdersResponse;
    assert.equal(p1?.orders?.length, 2);
    assert.ok(p1?.nextPageToken);
    assert.equal(p1?.orders?.[0]?.clientOrderId, `${DAY}-SDK2-L4-A1`, 'newest first');
    const p2 = (await s.orders.listAccountOrders(account, filter, 2, p1.nextPageToken))
      .listAccountOrdersResponse;
    assert.ok((p2?.orders?.length ?? 0) >= 1);
    const ids = [...(p1.orders ?? []), ...(p2?.orders ?? [])].map((o) => o.orderId);
    assert.equal(new Set(ids).size, ids.length, 'pages do not overlap');
    assert.ok([...(p1.orders ?? []), ...(p2?.orders ?? [])].every((o) => o.open === true));
    const closed = (await s.orders.listAccountOrders(account, '!open')).listAccountOrdersResponse;
    assert.ok((closed?.orders ?? []).every((o) => o.open === false));
    await assert.rejects(
      s.orders.listAccountOrders(account, 'open', 2, p1.nextPageToken),
      sdkError(400, /another filter/),
    );
    await assert.rejects(
      s.orders.listAccountOrders(account, `client_order_id == '${wanted.clientOrderId}'`),
      sdkError(400, /filters on `open` and `order_date` only/),
    );
  });

  it('cancelOrder of a partially filled order: PENDING_CANCEL, then CANCELED with its fill final', async () => {
    const c = custodian();
    const o = await c.createOrder(order(`${DAY}-SDK3-L1-A1`));
    assert.equal(o.orderStatus, 'PARTIALLY_FILLED');

    const res = await sdk().orders.cancelOrder(
      { name: `accounts/${account}/orders/${o.orderId}` },
      account,
      o.orderId,
    );
    assert.equal(res.order?.orderStatus, 'PENDING_CANCEL', 'Apex acknowledges cancels asynchronously');
    assert.equal(res.order?.open, true);
    const after = await c.findOrder(account, o.clientOrderId);
    assert.equal(after?.orderStatus, 'CANCELED');
    assert.equal(after?.filledQuantity, o.filledQuantity);
    assert.deepEqual(after?.executions, o.executions);

    // Cancelling again: the SDK sees FAILED_PRECONDITION; the port treats it as done.
    await assert.rejects(
      sdk().orders.cancelOrder({ name: `accounts/${account}/orders/${o.orderId}` }, account, o.orderId),
      (e: Error & { httpMeta?: { response: Response }; code?: number }) => {
        assert.equal(e.httpMeta?.response.status, 400);
        assert.equal(e.code, 9);
        assert.match(e.message, /ORDER_ALREADY_CANCELED/);
        return true;
      },
    );
    await c.cancelOrder(account, o.orderId);

    // Through the port from the start; a filled order (attempt 2 fills in full) is too late.
    const p = await c.createOrder(order(`${DAY}-SDK3-L2-A1`));
    await c.cancelOrder(account, p.orderId);
    assert.equal((await c.findOrder(account, p.clientOrderId))?.orderStatus, 'CANCELED');
    const filled = await c.createOrder(order(`${DAY}-SDK3-L3-A2`));
    assert.equal(filled.orderStatus, 'FILLED');
    await c.cancelOrder(account, filled.orderId);
    assert.equal((await c.findOrder(account, filled.clientOrderId))?.orderStatus, 'FILLED');
    await assert.rejects(
      sdk().orders.cancelOrder(
        { name: `accounts/${account}/orders/${filled.orderId}` },
        account,
        filled.orderId,
      ),
      sdkError(400, /TOO_LATE_TO_CANCEL/),
    );
    await assert.rejects(
      sdk().orders.cancelOrder({ name: `accounts/${account}/orders/OTHER` }, account, filled.orderId),
      sdkError(400, /does not match the path/),
    );
    await assert.rejects(c.cancelOrder(account, 'SIM-NOPE'), (e: CustodianHttpError) => {
      assert.equal(e.status, 404);
      assert.equal(e.code, 'CANCELLATION_UNKNOWN_ORDER');
      return true;
    });
  });

  it('a duplicate clientOrderId: the same order again answers the existing one, other terms are refused', async () => {
    const id = `${DAY}-SDK4-L1-A1`;
    const c = custodian();
    const first = await c.createOrder(order(id));
    const again = await custodian().createOrder(order(id));
    assert.equal(
      again.orderId,
      first.orderId,
      'Ascend: "if the request is a duplicate, returns the existing order"',
    );
    assert.equal(await rows(id), 1);

    await assert.rejects(c.createOrder(order(id, '11')), (e: CustodianHttpError) => {
      assert.ok(e instanceof CustodianHttpError);
      assert.equal(e.status, 409);
      assert.equal(e.code, 'ALREADY_EXISTS');
      assert.match(e.message, new RegExp(`client_order_id ${id} is already used by order ${first.orderId}`));
      return true;
    });
    await assert.rejects(c.createOrder(order(id, '10', 'SELL')), (e: CustodianHttpError) => e.status === 409);
    assert.equal(await rows(id), 1, 'nothing new at the custodian');
    // The raw SDK sees the google.rpc Status: ALREADY_EXISTS (6).
    await assert.rejects(
      sdk().orders.createOrder(
        {
          assetType: 'EQUITY' as never,
          clientOrderId: id,
          identifier: symbol,
          identifierType: 'SYMBOL' as never,
          side: 'BUY' as never,
          orderType: 'MARKET' as never,
          timeInForce: 'DAY' as never,
          quantity: { value: '12' },
          orderDate: { year: 2026, month: 11, day: 24 },
        },
        account,
      ),
      (e: Error & { httpMeta?: { response: Response }; code?: number }) =>
        e.httpMeta?.response.status === 409 && e.code === 6,
    );
  });

  it('create payloads the simulator cannot play are refused with INVALID_ARGUMENT naming the field', async () => {
    const base = {
      assetType: 'EQUITY' as never,
      clientOrderId: `${DAY}-SDK5-L1-A1`,
      identifier: symbol,
      identifierType: 'SYMBOL' as never,
      side: 'BUY' as never,
      orderType: 'MARKET' as never,
      timeInForce: 'DAY' as never,
      quantity: { value: '1' },
      orderDate: { year: 2026, month: 11, day: 24 },
    };
    const s = sdk();
    await assert.rejects(
      s.orders.createOrder({ ...base, orderType: 'LIMIT' as never }, account),
      sdkError(400, /order_type: the simulator fills MARKET orders only/),
    );
    await assert.rejects(
      s.orders.createOrder({ ...base, quantity: undefined, notionalValue: { value: '100' } }, account),
      sdkError(400, /notional_value: notional orders are not simulated/),
    );
    await assert.rejects(
      s.orders.createOrder({ ...base, quantity: { value: '1.123456' } }, account),
      sdkError(400, /quantity.value: equity quantities have at most 5 decimals/),
    );
    await assert.rejects(
      s.orders.createOrder({ ...base, orderDate: { year: 2026, month: 2, day: 30 } }, account),
      sdkError(400, /2026-02-30 is not a calendar date/),
    );
    await assert.rejects(s.orders.createOrder(base, 'NO-SUCH-ACCOUNT'), sdkError(404, /does not exist/));
    assert.equal(await rows(`${DAY}-SDK5-L1-A1`), 0);
  });

  it('a sell allocation carries lot matching instructions; the lot file closes those lots, not the oldest', async () => {
    const db = stack.t.db;
    // A holding of the account with at least two lots: close the newest, which FIFO would not.
    const lots: { lot_id: string; symbol: string; open_date: string; qty: string; unit_cost: string }[] =
      await db('sim.lots').where({ account_number: account }).orderBy(['symbol', 'open_date', 'lot_id']);
    const bySymbol = new Map<string, typeof lots>();
    for (const l of lots) bySymbol.set(l.symbol, [...(bySymbol.get(l.symbol) ?? []), l]);
    const [sym, held] = [...bySymbol.entries()].find(
      ([, ls]) => ls.length >= 2 && ls[0]!.open_date < ls.at(-1)!.open_date,
    )!;
    const newest = held.at(-1)!;
    const oldest = held[0]!;
    const qty = dec(newest.qty).div(2).toDecimalPlaces(0, 1).toFixed(0);
    assert.ok(dec(qty).gt(0));
    const price = (
      await db('sim.prices').where({ symbol: sym }).where('date', '<=', DATE).orderBy('date', 'desc').first()
    ).close;
    const c = custodian();
    const booked = await c.allocate({
      clientOrderId: `${DAY}-LOTS-L1-AL`,
      fromAccountNumber: 'ZOEAVG01',
      toAccountNumber: account,
      symbol: sym,
      side: 'SELL',
      quantity: qty,
      price,
      tradeDate: DATE,
      lots: [{ lotId: newest.lot_id, openDate: newest.open_date, unitCost: newest.unit_cost, qty }],
    });
    assert.equal(booked.duplicate, false);
    const row = await db('sim.orders')
      .where({ client_order_id: `${DAY}-LOTS-L1-AL` })
      .first();
    assert.equal(row.lot_matching.length, 1);
    const [m] = row.lot_matching;
    assert.equal(m.id, newest.lot_id);
    assert.equal(m.tradeDate, newest.open_date);
    assert.equal(dec(m.quantity).toFixed(5), dec(qty).toFixed(5));
    assert.equal(dec(m.price).toFixed(6), dec(newest.unit_cost).toFixed(6));
    const after = await lotsAsOf(db, nextTradingDay(DATE));
    const open = (id: string) =>
      after.find((l) => l.accountNumber === account && l.lotId === id)?.qty.toFixed(5);
    assert.equal(open(newest.lot_id), dec(newest.qty).minus(dec(qty)).toFixed(5), 'the named lot was closed');
    assert.equal(open(oldest.lot_id), dec(oldest.qty).toFixed(5), 'the oldest lot is untouched');

    // A lot instruction that names no lot is refused, naming the field; nothing is booked.
    await assert.rejects(
      sdk().tradeAllocation.createTradeAllocation(
        {
          assetType: 'EQUITY' as never,
          brokerCapacity: 'AGENCY' as never,
          clientOrderId: `${DAY}-LOTS-L2-AL`,
          executionTime: new Date(`${DATE}T20:00:00Z`),
          fromAccountId: 'ZOEAVG01',
          toAccountId: account,
          identifier: sym,
          identifierType: 'SYMBOL' as never,
          toSide: 'SELL' as never,
          quantity: { value: '1' },
          price: { value: price },
          sourceApplication: 'test',
          lotMatchingInstructions: [{ quantity: { value: '1' } }],
        },
        'ZOEAVG01',
      ),
      sdkError(400, /lotMatchingInstructions.0: a lot matching instruction needs the lot id/),
    );
    assert.equal(await rows(`${DAY}-LOTS-L2-AL`), 0);
  });

  it('auth: a JWT signed with another key, or stale, or with another alg, gets no token', async () => {
    // Through the SDK and the port: the token hook fails, no order reaches the simulator.
    await assert.rejects(
      custodian({
        serviceAccount: { name: SERVICE_ACCOUNT, organization: ORG, privateKeyPem: otherKeys.privateKey },
      }).createOrder(order(`${DAY}-SDK6-L1-A1`)),
      (e: CustodianHttpError) => {
        assert.ok(e instanceof CustodianHttpError);
        assert.equal(e.status, 401);
        assert.equal(e.code, 'TOKEN_REFUSED');
        return true;
      },
    );
    await assert.rejects(sdk(otherKeys.privateKey).orders.listAccountOrders(account), /status: 401/);
    assert.equal(await rows(`${DAY}-SDK6-L1-A1`), 0);

    // The endpoint itself, with the clear JSON error the SDK does not show.
    const url = `${sim.url}${TOKEN_PATH}`;
    const key = { 'x-api-key': API_KEY };
    const ok = await post(url, { jws: jws(keys.privateKey) }, key);
    assert.equal(ok.status, 200);
    assert.equal(ok.json.token_type, 'Bearer');
    assert.equal(ok.json.expires_in, 900);
    assert.equal(typeof ok.json.access_token, 'string');
    const refused: [Record<string, unknown>, Record<string, string>, RegExp][] = [
      [
        { jws: jws(otherKeys.privateKey) },
        key,
        /signature does not verify with the public key .*zoe-trading/,
      ],
      [{ jws: jws(keys.privateKey, {}, 'HS256') }, key, /alg must be RS256, got "HS256"/],
      [
        { jws: jws(keys.privateKey, {}, 'RS256', new Date(Date.now() - 10 * 60_000)) },
        key,
        /outside the accepted window/,
      ],
      [
        { jws: jws(keys.privateKey, { name: 'someone-else' }) },
        key,
        /unknown service account "someone-else"/,
      ],
      [{ jws: `${jws(keys.privateKey).slice(0, -4)}AAAA` }, key, /signature does not verify/],
      [{ jws: 'not-a-jwt' }, key, /malformed JWS/],
      [{ jws: jws(keys.privateKey) }, { 'x-api-key': 'wrong' }, /unknown x-api-key/],
      [{ jws: jws(keys.privateKey) }, {}, /missing x-api-key/],
    ];
    for (const [body, headers, re] of refused) {
      const r = await post(url, body, headers);
      assert.equal(r.status, 401, JSON.stringify(r.json));
      assert.equal(r.json.code, 16, 'UNAUTHENTICATED');
      assert.match(String(r.json.message), re);
    }
    const bad = await post(url, { token: 'x' }, key);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, 3);
  });

  it('auth: order routes refuse a missing, unknown or expired token (401, JSON); the port gets a new one', async () => {
    const list = `${sim.url}/trading/v1/accounts/${account}/orders`;
    const missing = await get(list, { 'x-api-key': API_KEY });
    assert.equal(missing.status, 401);
    assert.equal(missing.json.code, 16);
    assert.match(String(missing.json.message), /missing access token: send Authorization: Bearer/);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer /);
    const unknown = await get(list, { 'x-api-key': API_KEY, authorization: 'Bearer not-a-token' });
    assert.equal(unknown.status, 401);
    assert.match(String(unknown.json.message), /unknown access token/);
    const noKey = await get(list, { authorization: 'Bearer not-a-token' });
    assert.equal(noKey.status, 401);
    assert.match(String(noKey.json.message), /missing x-api-key/);

    const token = String(
      (await post(`${sim.url}${TOKEN_PATH}`, { jws: jws(keys.privateKey) }, { 'x-api-key': API_KEY })).json
        .access_token,
    );
    const auth = { 'x-api-key': API_KEY, authorization: `Bearer ${token}` };
    assert.equal((await get(list, auth)).status, 200);
    const expire = () =>
      stack.t.db('sim.access_tokens').update({ expires_at: stack.t.db.raw("now() - interval '1 second'") });
    await expire();
    const expired = await get(list, auth);
    assert.equal(expired.status, 401);
    assert.match(String(expired.json.message), /access token expired at .*get a new one from POST \/iam\/v1/);

    // The SDK keeps its token (it believes it has an hour): an expired one is refused...
    const s = sdk();
    await s.orders.listAccountOrders(account);
    await expire();
    await assert.rejects(s.orders.listAccountOrders(account), sdkError(401, /access token expired/));
    // ...and the port answers a 401 with a fresh token and one retry.
    const c = custodian();
    const o = await c.createOrder(order(`${DAY}-SDK7-L1-A1`));
    await expire();
    assert.equal((await c.findOrder(account, o.clientOrderId))?.orderId, o.orderId);
    const live = await stack.t
      .db('sim.access_tokens')
      .where('expires_at', '>', stack.t.db.fn.now())
      .count({ n: '*' });
    assert.equal(Number(live[0]?.n), 1, 'one new live token');
  });

  it('the hand-written client keeps its routes on the same simulator; legacyRoutes: false closes them', async () => {
    const legacy = new HttpCustodian(sim.url, sim.token);
    const o = await legacy.createOrder(order(`${DAY}-SDK8-L1-A1`));
    assert.equal(o.orderStatus, 'PARTIALLY_FILLED');
    assert.deepEqual(await legacy.findOrder(account, o.clientOrderId), o);
    // The same order read through the SDK.
    assert.deepEqual(
      { ...(await custodian().findOrder(account, o.clientOrderId)), executions: [] },
      { ...o, executions: [] },
    );
    await assert.rejects(
      legacy.createOrder(order(`${DAY}-SDK8-L1-A1`)),
      (e: CustodianHttpError) => e.status === 409,
    );

    const closed = await startSimServer({
      db: stack.t.db,
      port: 0,
      dropDir: stack.dropDir,
      correspondent: 'ZOE',
      fillModel: { seed: 'test', partialFillRate: 1, rejectRate: 0 },
      auth: {
        apiKey: API_KEY,
        serviceAccounts: [{ name: SERVICE_ACCOUNT, organization: ORG, publicKeyPem: keys.publicKey }],
      },
      legacyRoutes: false,
    });
    const open = await startSimServer({
      db: stack.t.db,
      port: 0,
      dropDir: stack.dropDir,
      correspondent: 'ZOE',
      fillModel: { seed: 'test', partialFillRate: 1, rejectRate: 0 },
    });
    try {
      await assert.rejects(
        new HttpCustodian(closed.url, closed.token).findOrder(account, o.clientOrderId),
        (e: CustodianHttpError) => {
          assert.equal(e.status, 401);
          return true;
        },
      );
      assert.equal(
        (await custodian({ serverURL: closed.url }).findOrder(account, o.clientOrderId))?.orderId,
        o.orderId,
      );
      const noAuth = await post(
        `${open.url}${TOKEN_PATH}`,
        { jws: jws(keys.privateKey) },
        { 'x-api-key': API_KEY },
      );
      assert.equal(noAuth.status, 501);
      assert.match(String(noAuth.json.message), /started without service accounts/);
    } finally {
      await closed.close();
      await open.close();
    }
  });

  it('requestStartOfDayFiles stays a plain HTTP call to the simulator', async () => {
    const files = await custodian().requestStartOfDayFiles('2026-11-25');
    assert.ok(files.length >= 3);
    for (const f of files) assert.ok(existsSync(path.isAbsolute(f) ? f : path.join(stack.dropDir, f)), f);
    await assert.rejects(custodian().requestStartOfDayFiles('25/11/2026'), /YYYY-MM-DD/);
  });
});
