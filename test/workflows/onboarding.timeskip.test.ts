/**
 * Onboarding from the custodian (issue #13 item 5), on the time-skipping server: an account opened
 * at the simulated custodian only (POST /sim/v1/accounts) appears in day 1's morning files. The
 * book adopts it as PENDING_SETUP with the custodian's positions, lots and cash (audited with the
 * file and line of each), it is not a break, its day shows Stage="PendingSetup" and it does not
 * trade; `GET /api/v1/onboarding` lists it for ops. Ops set it up through the configuration API
 * (advisor, model, mode, registration): it is ACTIVE from the next day, and on day 2 it reconciles
 * with no break and trades (its first scan on the model: MODEL_CHANGE).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { buildApiApp } from '../../src/api/server';
import { createAdvisorToken } from '../../src/api/tokens';
import { nextTradingDay } from '../../src/domain/calendar';
import { dec } from '../../src/domain/money';
import { accountDayWorkflowId } from '../../src/workflows/ids';
import { SA } from '../../src/workflows/search-attributes';
import { type DayFixture, runDayFor, runDayOnFreshServer, timeSkippingDay } from '../support/harness';

const NUMBER = '3ZO00950';
const OTHER = 'ACC003'; // an auto account of the demo book with a deposit: it trades on day 1

describe('onboarding from the custodian', () => {
  let day: DayFixture;
  let tradeDate: string;
  let nextDay: string;
  const taskQueue = 'onboarding';

  before(async () => {
    day = await timeSkippingDay(taskQueue);
    tradeDate = day.tradeDate;
    nextDay = nextTradingDay(tradeDate);
  });
  after(async () => day?.close());

  it('a new custodian account is adopted PENDING_SETUP, not a break, does not trade; set up by ops, it trades the next day', async () => {
    const db = day.stack.t.db;
    const open = await fetch(`${day.stack.sim.url}/sim/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${day.stack.sim.token}` },
      body: JSON.stringify({
        accountNumber: NUMBER,
        cash: '12000.00',
        repCode: 'R77',
        lots: [
          { lotId: 'C950-1', symbol: 'BND', openDate: '2024-03-04', qty: '150', unitCost: '71.250000' },
          { lotId: 'C950-2', symbol: 'VTI', openDate: '2025-06-02', qty: '8', unitCost: '262.100000' },
          { lotId: 'C950-3', symbol: 'VTI', openDate: '2025-09-15', qty: '4', unitCost: '281.400000' },
        ],
      }),
    });
    assert.equal(open.status, 201, await open.text());
    const refused = await fetch(`${day.stack.sim.url}/sim/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${day.stack.sim.token}` },
      body: JSON.stringify({ accountNumber: NUMBER }),
    });
    assert.equal(refused.status, 409, 'the same number twice is refused');
    assert.equal(await db('accounts').where({ custodian_account_number: NUMBER }).first(), undefined);

    // Day 1: the account appears in the morning's files.
    const day1 = await runDayFor(day.env, taskQueue, tradeDate, [OTHER, NUMBER]);
    assert.equal(day1.status, 'COMPLETED');
    assert.deepEqual(day1.failedAccounts, []);
    assert.equal(day1.byStage.PendingSetup, 1, JSON.stringify(day1.byStage));

    const acct = await db('accounts').where({ custodian_account_number: NUMBER }).first();
    assert.ok(acct, 'the account was adopted');
    assert.equal(acct.id, NUMBER);
    assert.equal(acct.status, 'PENDING_SETUP');
    assert.equal(acct.onboarded_on, tradeDate);
    assert.equal(acct.advisor_id, null, 'no advisor has rep code R77: none until ops assign one');
    assert.equal(acct.model_id, null);
    assert.equal(acct.mode, null);
    const positions = await db('positions').where({ account_id: NUMBER }).orderBy('symbol');
    assert.deepEqual(
      positions.map((p: { symbol: string; qty: string }) => [p.symbol, dec(p.qty).toString()]),
      [
        ['BND', '150'],
        ['VTI', '12'],
      ],
    );
    const lots = await db('tax_lots').where({ account_id: NUMBER }).orderBy('id');
    assert.deepEqual(
      lots.map((l: { id: string; source: string; unit_cost: string }) => [
        l.id,
        l.source,
        dec(l.unit_cost).toString(),
      ]),
      [
        ['C950-1', 'CUSTODIAN', '71.25'],
        ['C950-2', 'CUSTODIAN', '262.1'],
        ['C950-3', 'CUSTODIAN', '281.4'],
      ],
    );
    assert.equal((await db('cash_balances').where({ account_id: NUMBER }).first()).amount, '12000.00');

    // Audited: where each position, lot and the cash came from.
    const onboarded = await db('audit_log').where({ action: 'ACCOUNT_ONBOARDED', entity_id: NUMBER });
    assert.equal(onboarded.length, 1);
    const { details } = onboarded[0];
    assert.equal(details.via, 'custodian');
    for (const p of details.after.positions) {
      assert.match(p.file, /^EXT871_ZOE_\d{8}\.csv$/);
      assert.ok(Number.isInteger(p.line) && p.line > 0, JSON.stringify(p));
    }
    assert.equal(details.after.lots.length, 3);
    for (const l of details.after.lots) {
      assert.match(l.file, /^EXT_TAXLOT_ZOE_\d{8}\./);
      assert.ok(Number.isInteger(l.line) && l.line > 1, `after the header line: ${JSON.stringify(l)}`);
    }
    assert.match(details.after.cash.file, /^EXT981_ZOE_\d{8}\./);
    assert.equal(details.after.repCode, 'R77');
    assert.deepEqual(details.after.notAdopted, []);

    // Not a break, not traded; the Temporal UI shows it waiting for ops.
    assert.deepEqual(await db('breaks').where({ account_id: NUMBER }), []);
    assert.equal(await db('proposals').where({ account_id: NUMBER }).first(), undefined);
    assert.equal(await db('orders').where({ account_id: NUMBER }).first(), undefined);
    assert.ok(
      (await db('orders').where({ trade_date: tradeDate, account_id: OTHER })).length > 0,
      'the other account traded as usual',
    );
    const described = await day.env.client.workflow
      .getHandle(accountDayWorkflowId(tradeDate, NUMBER))
      .describe();
    assert.equal(described.typedSearchAttributes.get(SA.Stage), 'PendingSetup');
    assert.equal(described.typedSearchAttributes.get(SA.AccountId), NUMBER);

    // Ops list it and set it up through the configuration API.
    const app = buildApiApp({
      db,
      client: {} as Client,
      today: () => tradeDate,
      authFailureLimit: { max: 10_000, windowMs: 60_000 },
      logError: (m, e) => console.error(m, e),
    });
    await app.ready();
    try {
      const ops = (await createAdvisorToken(db, { role: 'ops', label: 'onboarding-desk' })).token;
      const send = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
        const res = await app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${ops}`, 'content-type': 'application/json' },
          ...(body ? { payload: JSON.stringify(body) } : {}),
        });
        return { status: res.statusCode, json: JSON.parse(res.body) };
      };
      const list = await send('GET', '/api/v1/onboarding');
      assert.equal(list.status, 200, JSON.stringify(list.json));
      const mine = list.json.accounts.find((a: { id: string }) => a.id === NUMBER);
      assert.ok(mine, JSON.stringify(list.json));
      assert.equal(mine.onboardedOn, tradeDate);
      assert.equal(mine.positions, 2);
      assert.equal(mine.lots, 3);
      assert.equal(mine.cash, '12000.00');
      assert.deepEqual(mine.missing, ['advisorId', 'modelId', 'mode']);

      const set = await send('POST', `/api/v1/accounts/${NUMBER}/settings`, {
        advisorId: 'ADV-BEN',
        householdId: 'HH002',
        registration: 'ROTH',
        modelId: 'M6040',
        mode: 'AUTO',
      });
      assert.equal(set.status, 200, JSON.stringify(set.json));
      assert.equal(set.json.account.status, 'ACTIVE');
      assert.equal(set.json.effect.appliesFrom, nextDay, 'its day today is over: it trades from tomorrow');
      const after1 = await send('GET', '/api/v1/onboarding');
      assert.equal(
        after1.json.accounts.find((a: { id: string }) => a.id === NUMBER),
        undefined,
        'set up: no longer listed',
      );
    } finally {
      await app.close();
    }
    const activated = await db('audit_log').where({ action: 'ACCOUNT_ACTIVATED', entity_id: NUMBER }).first();
    assert.equal(activated?.actor, 'ops:onboarding-desk');

    // Day 2: it reconciles against the custodian with no break and trades to its model.
    const day2 = await runDayOnFreshServer(day.stack, `${taskQueue}-2`, nextDay, [NUMBER]);
    assert.equal(day2.status, 'COMPLETED');
    assert.deepEqual(day2.failedAccounts, []);
    assert.equal(day2.byStage.PendingSetup, undefined, JSON.stringify(day2.byStage));
    assert.deepEqual(await db('breaks').where({ account_id: NUMBER }), [], 'book = custodian');
    const proposal = await db('proposals').where({ trade_date: nextDay, account_id: NUMBER }).first();
    assert.ok(proposal, 'it proposed trades on its first day set up');
    assert.ok(
      proposal.reasons.some((r: { code: string }) => r.code === 'MODEL_CHANGE'),
      JSON.stringify(proposal.reasons),
    );
    const orders = await db('orders').where({ trade_date: nextDay, account_id: NUMBER });
    assert.ok(
      orders.length > 0 && orders.some((o: { filled_qty: string }) => dec(o.filled_qty).gt(0)),
      `it traded: ${JSON.stringify(day2.byStage)}`,
    );
  });
});
