/**
 * The demo day as `npm start` seeds it (src/demo/day-events.ts), on the time-skipping server with a
 * real SMTP server in-process: with the default review limit (AUTO_REVIEW_MAX_LEG_USD, $100,000)
 * and no test knob, the $400,000 wire into ACC013 makes buys above the limit, so the trading desk
 * gets the flagged-trade mail; SGOV halted through the window leaves ACC003's approved SGOV buy
 * unfilled, so its advisor gets a mail naming what is carried to tomorrow and why.
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
    result = await runDayFor(env, QUEUE, tradeDate, [CARRIED, FLAGGED]);
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
    const [carried] = mail.of('ADVISOR_NOT_FILLED', 'chloe.martin@example.com');
    assert.ok(carried, `the carried mail to ${CARRIED}'s advisor`);
    assert.match(carried.subject, new RegExp(`^${CARRIED}: `));
    const text = carried.parsed.text ?? '';
    assert.ok(
      text.includes(`${leg.side} ${leg.qty} ${HALTED} because the block order was not filled in full`),
      text,
    );
    assert.match(text, /carried/);
    assert.ok(
      (await stack.t.db('orders').where({ proposal_id: pId }).whereNot({ symbol: HALTED })).some(
        (o: { filled_qty: string }) => dec(o.filled_qty).gt(0),
      ),
      'its other legs filled',
    );
  });
});
