/**
 * The day's buy blocks do not wait for a halted sell (docs/domain.md §8.6), on the time-skipping
 * server against the simulator:
 * - one account sells a security halted through the window: its sell block stays open and is
 *   carried, but the buy blocks start at the buy deadline (30 minutes into the window) and fill,
 *   another account's buy included;
 * - the account whose sell is halted and whose own cash does not cover its buys: its buys are
 *   scaled to its cash and the sells already allocated (audited BUY_SCALED_TO_CASH naming the open
 *   sell), and its cash is not negative once the day is booked;
 * - a day without a halt still runs the sells first and the buys once they have ended, before the
 *   deadline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { buyDeadline, dayClock } from '../../src/domain/calendar';
import { type Dec, ZERO, dec } from '../../src/domain/money';
import { accountDayWorkflowId, blockOrderWorkflowId, tradingDayWorkflowId } from '../../src/workflows/ids';
import { statusQuery } from '../../src/workflows/messages';
import type { TradingDayResult } from '../../src/workflows/types';
import { resultOrDiagnose } from '../support/block-day';
import { type DayFixture, type Stack, skipToEt, timeSkippingDay } from '../support/harness';
import { recordHistories } from '../support/histories';

/** The auto accounts of the demo book but ACC011 (its deliberate break) and ACC013 (its wire is flagged). */
const ACCOUNTS = ['ACC001', 'ACC003', 'ACC005', 'ACC007', 'ACC009', 'ACC015', 'ACC017', 'ACC019'];
/** Where an account's day stands once review is over (approved: its batch books it after the blocks; or it will not trade). */
const SETTLED = new Set(['Approved', 'NoAction', 'Skipped', 'ReconBreak', 'AwaitingZoeReview']);

interface Leg {
  account_id: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  qty: string;
  est_notional: string;
}

interface BlockRow {
  id: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  status: string;
  requested_qty: string;
  filled_qty: string;
  note: string | null;
}

const sum = (xs: Dec[]): Dec => xs.reduce((a, x) => a.plus(x), ZERO);

/** Starts the day from 06:30 ET and waits (real time: the server stands still) until every account has been reviewed. */
async function startDay(f: DayFixture, taskQueue: string): Promise<{ result: Promise<TradingDayResult> }> {
  await skipToEt(f.env, f.tradeDate, '06:30');
  const handle = await f.env.client.workflow.start('DailyTradingDay', {
    taskQueue,
    workflowId: tradingDayWorkflowId(f.tradeDate),
    args: [{ tradeDate: f.tradeDate, accountIds: ACCOUNTS, fillPollSeconds: 300 }],
  });
  const until = Date.now() + 120_000;
  for (;;) {
    const stages = await Promise.all(
      ACCOUNTS.map((a) =>
        f.env.client.workflow
          .getHandle(accountDayWorkflowId(f.tradeDate, a))
          .query(statusQuery)
          .then((s) => s.stage as string)
          .catch(() => 'not started'),
      ),
    );
    if (stages.every((s) => SETTLED.has(s))) break;
    if (Date.now() > until) throw new Error(`accounts not reviewed in 120 s: ${stages.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { result: handle.result() as Promise<TradingDayResult> };
}

/** The approved legs of the day. */
async function approved(stack: Stack, tradeDate: string): Promise<Leg[]> {
  return stack.t
    .db('proposal_legs as l')
    .join('proposals as p', 'p.id', 'l.proposal_id')
    .where({ 'p.trade_date': tradeDate, 'p.status': 'APPROVED' })
    .where('l.qty', '>', 0)
    .orderBy(['p.account_id', 'l.leg_no'])
    .select('p.account_id', 'l.symbol', 'l.side', 'l.qty', 'l.est_notional');
}

/** An account's cash for its buys: the book's cash less pending withdrawals. */
async function ownCash(stack: Stack, accountId: string): Promise<Dec> {
  const db = stack.t.db;
  const cash = await db('cash_balances').where({ account_id: accountId }).first();
  const out = await db('cash_flows')
    .where({ account_id: accountId })
    .whereIn('status', ['PENDING', 'SENT'])
    .where('amount', '<', 0)
    .sum({ out: 'amount' })
    .first();
  return dec(cash?.amount ?? '0').plus(dec(out?.out ?? '0'));
}

/** When a block's workflow started and closed (the time-skipping server's clock). */
async function blockTimes(env: TestWorkflowEnvironment, tradeDate: string, b: BlockRow) {
  const d = await env.client.workflow.getHandle(blockOrderWorkflowId(tradeDate, b.symbol, b.side)).describe();
  assert.ok(d.closeTime, `${b.id} ended`);
  return { start: d.startTime.getTime(), close: d.closeTime.getTime() };
}

/**
 * A sell to halt, an account it leaves short of cash for its buys, and another account buying
 * something else: the halted security H is sold by account `short`, whose cash plus its other
 * sells does not cover its buys (in securities other than H), and `buyer` buys a security other
 * than H and does not sell H.
 */
function pickHalt(
  legs: Leg[],
  cash: Map<string, Dec>,
): { halted: string; short: string; buyer: string } | undefined {
  const of = (a: string, side: 'BUY' | 'SELL', pred: (l: Leg) => boolean = () => true) =>
    legs.filter((l) => l.account_id === a && l.side === side && pred(l));
  const accounts = [...new Set(legs.map((l) => l.account_id))].sort();
  const sold = [...new Set(legs.filter((l) => l.side === 'SELL').map((l) => l.symbol))].sort();
  for (const halted of sold)
    for (const short of accounts) {
      if (of(short, 'SELL', (l) => l.symbol === halted).length === 0) continue;
      const buys = of(short, 'BUY', (l) => l.symbol !== halted);
      if (buys.length === 0 || of(short, 'BUY', (l) => l.symbol === halted).length > 0) continue;
      const funded = (cash.get(short) ?? ZERO).plus(
        sum(of(short, 'SELL', (l) => l.symbol !== halted).map((l) => dec(l.est_notional))),
      );
      const planned = sum(buys.map((l) => dec(l.est_notional)));
      if (!funded.gt(0) || !funded.lt(planned.times('0.95'))) continue;
      const buyer = accounts.find(
        (a) =>
          a !== short &&
          of(a, 'BUY', (l) => l.symbol !== halted).length > 0 &&
          of(a, 'SELL', (l) => l.symbol === halted).length === 0,
      );
      if (buyer) return { halted, short, buyer };
    }
  return undefined;
}

describe('a sell halted through the window does not hold the buys', () => {
  let day: DayFixture;
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let tradeDate: string;
  let result: TradingDayResult;
  let pick: { halted: string; short: string; buyer: string };
  let legs: Leg[];
  const cash = new Map<string, Dec>();

  before(async () => {
    day = await timeSkippingDay('deadline-test');
    ({ env, stack, tradeDate } = day);
  });
  after(async () => day?.close());

  it('runs the day with one sold security halted through the window', async () => {
    const running = await startDay(day, 'deadline-test');
    legs = await approved(stack, tradeDate);
    for (const a of new Set(legs.map((l) => l.account_id))) cash.set(a, await ownCash(stack, a));
    const found = pickHalt(legs, cash);
    assert.ok(
      found,
      `a sell leaving its account short, and another buyer: ${legs.map((l) => `${l.account_id} ${l.side} ${l.symbol} ${l.est_notional}`).join('; ')}; cash ${[...cash].map(([a, c]) => `${a} ${c.toFixed(2)}`).join(', ')}`,
    );
    pick = found;
    // The time-skipping server does not move while nothing awaits the result: halt it now, before 12:00.
    await stack.sim.sim.setHalt({ symbol: pick.halted, reason: 'LULD' });
    result = await resultOrDiagnose(env, stack, tradeDate, running.result, { accounts: ACCOUNTS });
    assert.equal(result.status, 'COMPLETED');
    assert.deepEqual(result.failedAccounts, []);
    assert.deepEqual(result.blocks?.failed, []);
    await recordHistories(env.client, {
      'DailyTradingDay-sell-halted-buys-at-deadline': tradingDayWorkflowId(tradeDate),
    });
  });

  it('starts the buys at the deadline, beside the open sell, and they fill before the close', async () => {
    const db = stack.t.db;
    const clock = dayClock(tradeDate);
    const deadline = Date.parse(buyDeadline(clock));
    const blocks: BlockRow[] = await db('blocks').where({ trade_date: tradeDate });
    const haltedSell = blocks.find((b) => b.symbol === pick.halted && b.side === 'SELL');
    assert.ok(haltedSell);
    // The halted sell: held through the window, cancelled at the close, carried.
    const sellOrders = await db('block_orders').where({ block_id: haltedSell.id });
    assert.equal(sellOrders.length, 1);
    assert.equal(sellOrders[0].status, 'CANCELED');
    assert.match(haltedSell.note ?? '', /carried to the next day/);
    const sellAt = await blockTimes(env, tradeDate, haltedSell);
    assert.ok(sellAt.close >= Date.parse(clock.windowClose), 'the halted sell ran to the close');

    const buys = blocks.filter((b) => b.side === 'BUY' && b.symbol !== pick.halted);
    assert.ok(buys.length > 0);
    for (const b of buys) {
      // Filled, not carried: on the old order the buys went out only after the halted sell, at the close.
      assert.equal(b.status, 'ALLOCATED', b.id);
      assert.ok(dec(b.filled_qty).gt(0), `${b.id} filled`);
      assert.equal(dec(b.filled_qty).toFixed(5), dec(b.requested_qty).toFixed(5), `${b.id} filled in full`);
      const at = await blockTimes(env, tradeDate, b);
      assert.ok(at.start >= deadline, `${b.id} started at the deadline, not before`);
      assert.ok(
        at.start < deadline + 5 * 60_000,
        `${b.id} started at the deadline: ${new Date(at.start).toISOString()}`,
      );
      assert.ok(at.close < Date.parse(clock.windowClose), `${b.id} ended before the window closed`);
    }
    // The other account's buys filled in full, nothing carried.
    const bought = await db('orders').where({ trade_date: tradeDate, account_id: pick.buyer, side: 'BUY' });
    assert.ok(bought.length > 0);
    for (const o of bought.filter((o: { symbol: string }) => o.symbol !== pick.halted)) {
      assert.equal(o.status, 'FILLED', `${pick.buyer} ${o.symbol}`);
      assert.equal(dec(o.filled_qty).toFixed(5), dec(o.qty).toFixed(5));
    }
    const prepared = await db('audit_log').where({ action: 'BUYS_PREPARED', entity_id: tradeDate });
    assert.equal(prepared.length, 1, 'the buys were prepared once');
    assert.ok(prepared[0].details.openSells.includes(pick.halted), JSON.stringify(prepared[0].details));
  });

  it('scales the short account’s buys to its own cash and allocated sells, names the open sell, never negative cash', async () => {
    const db = stack.t.db;
    const { short, halted } = pick;
    const pId = `P${tradeDate.replaceAll('-', '')}-${short}`;
    const scaled = await db('audit_log').where({ action: 'BUY_SCALED_TO_CASH', entity_id: pId });
    const buyBlocks: BlockRow[] = await db('blocks').where({ trade_date: tradeDate, side: 'BUY' });
    const lines = await db('allocations as a')
      .join('blocks as b', 'b.id', 'a.block_id')
      .where({ 'b.trade_date': tradeDate, 'b.side': 'BUY', 'a.account_id': short })
      .select('a.*', 'b.symbol');
    assert.equal(scaled.length, lines.length, `every buy line of ${short} scaled and audited`);
    for (const s of scaled) {
      assert.deepEqual(s.details.openSells, [halted], `${short}'s audit names its open sell`);
      assert.ok(dec(s.details.factor).lt(1));
      assert.ok(dec(s.details.now).lt(dec(s.details.requested)), JSON.stringify(s.details));
    }
    assert.ok(buyBlocks.length > 0);
    // What it was funded with: its cash and the sells allocated before the buys started (not the halted one).
    const sells = await db('allocations as a')
      .join('blocks as b', 'b.id', 'a.block_id')
      .where({ 'b.trade_date': tradeDate, 'b.side': 'SELL', 'a.account_id': short })
      .select('a.qty', 'a.price', 'b.symbol');
    const proceeds = sum(
      sells.map((s: { qty: string; price: string | null }) => dec(s.qty).times(dec(s.price ?? '0'))),
    );
    assert.ok(
      sells.some((s: { symbol: string; qty: string }) => s.symbol === halted && dec(s.qty).isZero()),
      'the halted sell brought nothing',
    );
    const spent = sum(
      lines.map((l: { qty: string; price: string | null }) => dec(l.qty).times(dec(l.price ?? '0'))),
    );
    const funded = (cash.get(short) ?? ZERO).plus(proceeds);
    assert.ok(spent.gt(0), `${short} bought some`);
    assert.ok(spent.lte(funded), `${short} spent ${spent.toFixed(2)} of ${funded.toFixed(2)}`);
    const orders = await db('orders').where({ proposal_id: pId, side: 'BUY' });
    for (const o of orders) assert.equal(o.reject_reason, 'SCALED_TO_CASH', `${short} ${o.symbol}`);
    // Booked: no account's cash below zero.
    const booked = await db('orders')
      .where({ trade_date: tradeDate, booked: false })
      .where('filled_qty', '>', 0);
    assert.equal(booked.length, 0, 'every fill booked');
    for (const c of await db('cash_balances').whereIn('account_id', ACCOUNTS))
      assert.ok(dec(c.amount).gte(0), `${c.account_id} cash ${c.amount}`);
    assert.ok((await ownCash(stack, short)).gte(0));
  });
});

describe('a day without a halt', () => {
  let day: DayFixture;
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let tradeDate: string;

  before(async () => {
    day = await timeSkippingDay('sells-first-test');
    ({ env, stack, tradeDate } = day);
  });
  after(async () => day?.close());

  it('runs the sells first and starts the buys once they have ended, before the deadline', async () => {
    const running = await startDay(day, 'sells-first-test');
    const r = await resultOrDiagnose(env, stack, tradeDate, running.result, { accounts: ACCOUNTS });
    assert.equal(r.status, 'COMPLETED');
    assert.equal(r.blocks?.carried, 0);
    const db = stack.t.db;
    const blocks: BlockRow[] = await db('blocks').where({ trade_date: tradeDate });
    const sells = blocks.filter((b) => b.side === 'SELL');
    const buys = blocks.filter((b) => b.side === 'BUY');
    assert.ok(sells.length > 0 && buys.length > 0, 'the day sells and buys');
    const lastSell = Math.max(
      ...(await Promise.all(sells.map((b) => blockTimes(env, tradeDate, b)))).map((t) => t.close),
    );
    const deadline = Date.parse(buyDeadline(dayClock(tradeDate)));
    assert.ok(lastSell < deadline, 'the sells ended before the deadline');
    for (const b of buys) {
      const at = await blockTimes(env, tradeDate, b);
      assert.ok(at.start >= lastSell, `${b.id} started after the last sell ended`);
      assert.ok(at.start < deadline, `${b.id} did not wait for the deadline`);
      assert.equal(dec(b.filled_qty).toFixed(5), dec(b.requested_qty).toFixed(5), `${b.id} filled in full`);
    }
    const [prepared] = await db('audit_log').where({ action: 'BUYS_PREPARED', entity_id: tradeDate });
    assert.deepEqual(prepared?.details.openSells, [], 'no sell open when the buys started');
    assert.equal((await db('audit_log').where({ action: 'BUY_SCALED_TO_CASH' })).length, 0);
  });
});
