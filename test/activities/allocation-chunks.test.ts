/**
 * allocateBlock books a block's lines at the custodian a few at a time (deps.allocationConcurrency)
 * and records them in the book a chunk at a time (ALLOCATION_CHUNK): a custodian failure in the
 * middle of a chunk leaves what it had booked recorded, and the retry books only the rest, each
 * line once at the custodian and once in the book.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { ALLOCATION_CHUNK } from '../../src/activities/allocation';
import type { CustodianPort } from '../../src/custodian/port';
import { dec } from '../../src/domain/money';
import { type Stack, startStack } from '../support/harness';

const tradeDate = '2026-12-02';

function run<A, R>(env: MockActivityEnvironment, fn: (a: A) => Promise<R>, a: A): Promise<R> {
  return env.run(fn, a) as Promise<R>;
}

describe('allocateBlock in chunks', () => {
  let stack: Stack;
  const env = new MockActivityEnvironment();

  before(async () => {
    stack = await startStack({ asOf: tradeDate, accounts: 70 });
  });
  after(async () => stack?.close());

  it('books a few lines at a time, keeps what a failed chunk booked, and books each line once', async () => {
    const db = stack.t.db;
    const holders: { account_id: string }[] = await db('positions')
      .where({ symbol: 'VTI' })
      .where('qty', '>=', 2)
      .orderBy('account_id')
      .select('account_id');
    assert.ok(holders.length > ALLOCATION_CHUNK, `more lines than a chunk (${holders.length})`);
    const px = (await db('prices').where({ symbol: 'VTI' }).orderBy('date', 'desc').first()).close;
    for (const { account_id } of holders) {
      const id = `P${tradeDate.replaceAll('-', '')}-${account_id}`;
      await db('proposals').insert({
        id,
        account_id,
        trade_date: tradeDate,
        status: 'APPROVED',
        model_id: 'M6040',
        model_version: 1,
        reasons: '[]',
        plan: '{}',
        expires_at: `${tradeDate}T16:45:00Z`,
      });
      await db('proposal_legs').insert({
        proposal_id: id,
        leg_no: 1,
        symbol: 'VTI',
        side: 'SELL',
        qty: '1.00000',
        est_price: px,
        est_notional: dec(px).toFixed(2),
        reasons: '[]',
      });
    }
    // The custodian as the workers see it, counting the bookings in flight; the first booking of
    // one account of the second chunk fails as an outage would.
    const failing = holders[ALLOCATION_CHUNK + 2]!.account_id;
    const real = stack.deps.custodian;
    let inFlight = 0;
    let maxInFlight = 0;
    const calls: string[] = [];
    let failed = false;
    const custodian: CustodianPort = Object.create(real);
    custodian.allocate = async (req) => {
      calls.push(req.clientOrderId);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await new Promise((r) => setTimeout(r, 5));
        if (!failed && req.clientOrderId.includes(failing)) {
          failed = true;
          throw new Error('custodian unavailable (503)');
        }
        return await real.allocate(req);
      } finally {
        inFlight--;
      }
    };
    const act = createActivities({ ...stack.deps, custodian, allocationConcurrency: 3 });

    const [block] = await run(env, act.buildBlocks, { tradeDate });
    assert.equal(block?.accounts, holders.length);
    const order = await run(env, act.submitBlockOrder, { blockId: block!.blockId, attempt: 1 });
    assert.equal(order?.status, 'FILLED');

    await assert.rejects(run(env, act.allocateBlock, { blockId: block!.blockId }), /custodian unavailable/);
    assert.equal(maxInFlight, 3, 'three bookings in flight at once, never more');
    const lines: { account_id: string; status: string }[] = await db('allocations').where({
      block_id: block!.blockId,
    });
    const failedLine = lines.find((l) => l.account_id === failing);
    assert.equal(failedLine?.status, 'STATEMENT', 'the failed line is left to the retry');
    assert.equal(
      lines.filter((l) => l.status === 'ALLOCATED').length,
      holders.length - 1,
      'every other line, in both chunks, is booked and recorded',
    );
    assert.equal(calls.length, holders.length);

    const result = await run(env, act.allocateBlock, { blockId: block!.blockId });
    assert.equal(result.allocated, holders.length);
    assert.deepEqual(
      calls.slice(holders.length),
      [calls.find((c) => c.includes(failing))],
      'the retry books only the failed line',
    );
    const orders: { n: string }[] = await db('orders').where({ trade_date: tradeDate }).count('* as n');
    assert.equal(Number(orders[0]!.n), holders.length, 'one order per line in the book');
    const atSim: { n: string }[] = await db('sim.allocations').count('* as n');
    assert.equal(Number(atSim[0]!.n), holders.length, 'one allocation per line at the custodian');
    const executions: { n: string }[] = await db('executions').count('* as n');
    assert.equal(Number(executions[0]!.n), holders.length);
  });
});
