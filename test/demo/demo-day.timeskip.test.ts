/**
 * The demo day as `npm start` seeds it (src/demo/day-events.ts), on the time-skipping server with a
 * real SMTP server in-process: with the default review limit (AUTO_REVIEW_MAX_LEG_USD, $100,000)
 * and no test knob, the $400,000 wire into ACC013 makes buys above the limit, so the trading desk
 * gets the flagged-trade mail; SGOV halted through the window leaves ACC003's approved SGOV buy
 * unfilled, so its advisor gets a mail naming what is carried to tomorrow and why. As on the demo
 * day of 2026-12-02, SGOV is also sold that day (here ACC009 moves from 30/70 to 60/40, which has
 * no SGOV): that sell stays open to the close and is carried, and the day's buys do not wait for it
 * (they start at the buy deadline, docs/domain.md §8.6), so the buys in other securities fill.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { DEMO_DAY_EVENTS } from '../../src/demo/day-events';
import { nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { dec } from '../../src/domain/money';
import type { TradingDayResult } from '../../src/workflows/types';
import { type Stack, runDayFor, startStack, workerFor } from '../support/harness';
import { type TestMail, mailFor } from '../support/mail';
import { timeSkippingEnv } from '../support/temporal';

const QUEUE = 'demo-day-test';
const FLAGGED = DEMO_DAY_EVENTS.largeDeposit.accountId; // ACC013, ADV-ANA, M6040, auto
const CARRIED = 'ACC003'; // ADV-CHLOE, M3070 (holds SGOV), auto, invests its $25,000 deposit
const HALTED = DEMO_DAY_EVENTS.halt.symbol;
const SELLS_HALTED = 'ACC009'; // ADV-CHLOE, M3070 (holds SGOV), auto, IRA; moved to M6040 for the test

describe('the demo day sends the flagged-trade and the carried-trade mail', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let mail: TestMail;
  let worker: Worker;
  let run: Promise<void>;
  let tradeDate: string;
  let result: TradingDayResult;

  before(async () => {
    env = await timeSkippingEnv();
    tradeDate = nextTradingDay(utcToEtDate(new Date(await env.currentTimeMs()).toISOString()));
    stack = await startStack({ asOf: tradeDate, demoDayEvents: true });
    // A model change (as the configuration API makes it): the next scan rebalances ACC009 fully,
    // selling its SGOV into the halt.
    await stack.t
      .db('accounts')
      .where({ id: SELLS_HALTED })
      .update({ model_id: 'M6040', last_traded_model_version: null });
    mail = await mailFor(stack);
    assert.equal(stack.deps.policy, undefined, 'the default review limit, as npm start has it');
    worker = await workerFor(env, stack, QUEUE);
    run = worker.run();
  });
  after(async () => {
    await mail?.close();
    worker?.shutdown();
    await run?.catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  it('runs the demo day', async () => {
    result = await runDayFor(env, QUEUE, tradeDate, [CARRIED, FLAGGED, SELLS_HALTED]);
    assert.equal(result.status, 'COMPLETED');
    assert.deepEqual(result.failedAccounts, []);
    await mail.drained();
  });

  it('the trading desk gets the flagged trade: the wire’s buys are above the review limit', async () => {
    const flow = await stack.t
      .db('cash_flows')
      .where({ account_id: FLAGGED, effective_date: tradeDate })
      .first();
    assert.ok(flow && dec(flow.amount).eq(DEMO_DAY_EVENTS.largeDeposit.amountIn), 'the wire was posted');
    const p = await stack.t.db('proposals').where({ trade_date: tradeDate, account_id: FLAGGED }).first();
    assert.ok(p, 'ACC013 invests the wire');
    const legs = await stack.t.db('proposal_legs').where({ proposal_id: p.id });
    assert.ok(
      legs.some((l: { est_notional: string }) => dec(l.est_notional).gt(100_000)),
      'a leg above $100,000',
    );
    const [review] = mail.of('TRADER_REVIEW_NEEDED', 'trading@zoe.test');
    assert.ok(review, 'the flagged-trade mail to trading');
    assert.match(review.subject, new RegExp(`^Flagged trade: ${FLAGGED} `));
    assert.match(review.parsed.text ?? '', /above|limit|exceeds/i);
    // No trader approved it: it expired at the cut-off and traded nothing.
    assert.equal((await stack.t.db('proposals').where({ id: p.id }).first()).status, 'EXPIRED');
  });

  it('the advisor hears what is carried and why: the halted symbol did not fill', async () => {
    const pId = `P${tradeDate.replaceAll('-', '')}-${CARRIED}`;
    const leg = await stack.t.db('proposal_legs').where({ proposal_id: pId, symbol: HALTED }).first();
    assert.ok(leg, `${CARRIED} buys ${HALTED}`);
    const orders = await stack.t.db('orders').where({ proposal_id: pId, symbol: HALTED });
    assert.ok(orders.length > 0);
    for (const o of orders) {
      assert.equal(o.reject_reason, 'BLOCK_NOT_FILLED');
      assert.ok(dec(o.filled_qty).isZero());
    }
    const carried = mail
      .of('ADVISOR_NOT_FILLED', 'chloe.martin@example.com')
      .find((m) => m.subject.startsWith(`${CARRIED}: `));
    assert.ok(carried, `the carried mail to ${CARRIED}'s advisor`);
    assert.match(carried.subject, new RegExp(`^${CARRIED}: `));
    const text = carried.parsed.text ?? '';
    assert.ok(
      text.includes(`${leg.side} ${leg.qty} ${HALTED} because the block order was not filled in full`),
      text,
    );
    assert.match(text, /carried/);
    const others = await stack.t.db('orders').where({ proposal_id: pId }).whereNot({ symbol: HALTED });
    assert.ok(others.length > 0);
    for (const o of others)
      assert.equal(dec(o.filled_qty).toFixed(5), dec(o.qty).toFixed(5), `its ${o.side} ${o.symbol} filled`);
  });

  it('a sell in the halted symbol is carried, and the day’s other buys do not wait for it: they fill', async () => {
    const db = stack.t.db;
    const pId = `P${tradeDate.replaceAll('-', '')}-${SELLS_HALTED}`;
    const [sell] = await db('orders').where({ proposal_id: pId, symbol: HALTED, side: 'SELL' });
    assert.ok(sell, `${SELLS_HALTED} sells ${HALTED}`);
    assert.equal(sell.reject_reason, 'BLOCK_NOT_FILLED');
    assert.ok(dec(sell.filled_qty).isZero());
    // Every buy of the day in another security filled (in full, or as far as its account's cash went).
    const buys = await db('orders')
      .where({ trade_date: tradeDate, side: 'BUY' })
      .whereNot({ symbol: HALTED });
    assert.ok(buys.length > 0);
    for (const o of buys) {
      assert.ok(dec(o.filled_qty).gt(0), `${o.account_id} BUY ${o.symbol} filled`);
      assert.ok(
        o.reject_reason === null || o.reject_reason === 'SCALED_TO_CASH',
        `${o.account_id} ${o.symbol}`,
      );
    }
    assert.ok(result.blocks && result.blocks.filled > 0);
    // The account whose SGOV sell was open when the buys started: its buys were funded without it.
    for (const a of await db('audit_log').where({ action: 'BUY_SCALED_TO_CASH', entity_id: pId }))
      assert.deepEqual(a.details.openSells, [HALTED]);
    for (const c of await db('cash_balances').whereIn('account_id', [CARRIED, SELLS_HALTED]))
      assert.ok(dec(c.amount).gte(0), `${c.account_id} cash ${c.amount}`);
  });
});
