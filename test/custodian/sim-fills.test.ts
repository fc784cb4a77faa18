/**
 * The simulator's fill model: gradual fills (one slice per read, the last one filling the rest,
 * a cancel stopping them) and overfills (one execution beyond the quantity), straight on its state.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FillModel, SimCustodian } from '../../src/custodian/sim/state';
import { dec } from '../../src/domain/money';
import { type Stack, startStack } from '../support/harness';

const DATE = '2026-11-24';

describe('the simulator fill model: gradual fills and overfills', () => {
  let stack: Stack;
  let account: string;
  let symbol: string;
  let fractional: string;

  before(async () => {
    stack = await startStack({ asOf: DATE });
    const db = stack.t.db;
    account = (
      await db('sim.accounts').where({ average_price_account: false }).orderByRaw('cash desc').first()
    ).account_number;
    const secs = await db('sim.securities').orderBy('symbol');
    symbol = secs.find((s: { fractionable: boolean }) => !s.fractionable)?.symbol ?? secs[0].symbol;
    fractional = secs.find((s: { fractionable: boolean }) => s.fractionable)?.symbol ?? secs[0].symbol;
  });
  after(async () => stack?.close());

  /** A simulator whose first orders all fill gradually (or as `over` says), on the system clock unless given one. */
  const simWith = (over: Partial<FillModel>, clock?: () => Date) =>
    new SimCustodian(stack.t.db, { seed: 't', partialFillRate: 0, rejectRate: 0, ...over }, clock);
  const create = (sim: SimCustodian, clientOrderId: string, identifier: string, quantity: string) =>
    sim.createOrder(account, { clientOrderId, identifier, side: 'BUY', quantity, orderDate: DATE });

  it('fills a gradual order one slice per read, the last slice filling the rest', async () => {
    const sim = simWith({ gradualFillRate: 1, gradualSlices: 4 });
    const o = await create(sim, '20261124-GRAD-L1-A1', fractional, '10.00003');
    const seen = [o.filledQuantity];
    assert.equal(o.orderStatus, 'PARTIALLY_FILLED');
    let cur = o;
    for (let i = 0; i < 5; i++) {
      cur = await sim.getOrder(account, o.orderId);
      seen.push(cur.filledQuantity);
    }
    // 1/4, 2/4, 3/4 of the quantity (down to the step), then the rest; then nothing more.
    assert.deepEqual(
      seen.map((q) => dec(q).toFixed(5)),
      ['2.50000', '5.00001', '7.50002', '10.00003', '10.00003', '10.00003'],
    );
    assert.equal(cur.orderStatus, 'FILLED');
    assert.equal(cur.executions.length, 4);
    assert.equal(new Set(cur.executions.map((e) => e.executionId)).size, 4, 'unique execution ids');
  });

  it('stops filling a gradual order once it is cancelled', async () => {
    const sim = simWith({ gradualFillRate: 1, gradualSlices: 3 });
    const o = await create(sim, '20261124-GRAD-L2-A1', symbol, '9');
    assert.equal(dec(o.filledQuantity).toFixed(0), '3');
    const cancelled = await sim.cancelOrder(account, o.orderId);
    assert.equal(cancelled.orderStatus, 'CANCELED');
    const later = await sim.getOrder(account, o.orderId);
    assert.equal(dec(later.filledQuantity).toFixed(0), '3', 'no slice after the cancel');
  });

  it('a slice is due only after gradualSliceMs of the simulator clock', async () => {
    let now = Date.parse('2026-11-24T17:00:00Z');
    const sim = simWith(
      { gradualFillRate: 1, gradualSlices: 2, gradualSliceMs: 60_000 },
      () => new Date(now),
    );
    const o = await create(sim, '20261124-GRAD-L3-A1', symbol, '10');
    assert.equal((await sim.getOrder(account, o.orderId)).filledQuantity, o.filledQuantity, 'not due yet');
    now += 60_000;
    const done = await sim.getOrder(account, o.orderId);
    assert.equal(done.orderStatus, 'FILLED');
    assert.equal(dec(done.filledQuantity).toFixed(0), '10');
  });

  it('an overfill reports one execution of 1% (at least one step) beyond the quantity', async () => {
    const sim = simWith({ overfillRate: 1 });
    const whole = await create(sim, '20261124-OVER-L1-A1', symbol, '50');
    assert.equal(whole.orderStatus, 'FILLED');
    assert.equal(
      dec(whole.filledQuantity).toFixed(5),
      '51.00000',
      'one whole share more (1% of 50 is under a step)',
    );
    const frac = await create(sim, '20261124-OVER-L2-A1', fractional, '3');
    assert.equal(dec(frac.filledQuantity).toFixed(5), '3.03000', '1% of 3 in a fractionable security');
    assert.equal(frac.executions.length, 2);
  });

  it('leaves orders alone when the new kinds are off (the existing draws are unchanged)', async () => {
    const sim = simWith({});
    const o = await create(sim, '20261124-PLAIN-L1-A1', symbol, '5');
    assert.equal(o.orderStatus, 'FILLED');
    assert.equal(o.executions.length, 1);
  });
});
