/**
 * A batch's booking through the activity (since `batch-books-fills`): every approved proposal of
 * the batch booked in one call, each in its own transaction; a fully filled one EXECUTED, a part
 * filled one PARTIALLY_EXECUTED and carried, one the blocks never took NotTraded (NOT_RELEASED),
 * one the book does not know answered by its error while the others are stored; and a repeated
 * call books nothing twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Decimal from 'decimal.js';
import { createActivities } from '../../src/activities';
import { type Stack, startStack } from '../support/harness';

describe('bookBatchFills activity', () => {
  const tradeDate = '2026-12-01';
  let stack: Stack;
  const proposal = (accountId: string) => ({
    id: `P20261201-${accountId}`,
    account_id: accountId,
    trade_date: tradeDate,
    status: 'RELEASED',
    model_id: 'M6040',
    model_version: 1,
    reasons: '[]',
    plan: '{}',
    expires_at: '2026-12-01T16:45:00Z',
  });
  const leg = (accountId: string, qty: string) => ({
    proposal_id: `P20261201-${accountId}`,
    leg_no: 1,
    symbol: 'VTI',
    side: 'BUY',
    qty,
    est_price: '300.000000',
    est_notional: new Decimal(qty).times(300).toFixed(2),
    reasons: '[]',
  });
  const order = (accountId: string, qty: string, filled: string, status: string) => ({
    client_order_id: `20261201-${accountId}-L1-AL`,
    proposal_id: `P20261201-${accountId}`,
    leg_no: 1,
    attempt: 1,
    account_id: accountId,
    trade_date: tradeDate,
    symbol: 'VTI',
    side: 'BUY',
    qty,
    filled_qty: filled,
    avg_price: '300.000000',
    status,
  });
  const refs = [
    { accountId: 'ACC001', proposalId: 'P20261201-ACC001' },
    { accountId: 'ACC002', proposalId: 'P20261201-ACC002' },
    { accountId: 'ACC003', proposalId: 'P20261201-ACC003' },
    { accountId: 'ACC004', proposalId: 'P20261201-NOSUCH' },
  ];
  const vti = async (accountId: string) =>
    new Decimal(
      (await stack.t.db('positions').where({ account_id: accountId, symbol: 'VTI' }).first())?.qty ?? '0',
    );
  const cash = async (accountId: string) =>
    new Decimal((await stack.t.db('cash_balances').where({ account_id: accountId }).first())?.amount ?? '0');

  before(async () => {
    stack = await startStack({ asOf: tradeDate });
    const db = stack.t.db;
    await db('proposals').insert([
      proposal('ACC001'),
      proposal('ACC002'),
      { ...proposal('ACC003'), status: 'APPROVED' },
    ]);
    await db('proposal_legs').insert([
      leg('ACC001', '10.00000'),
      leg('ACC002', '10.00000'),
      leg('ACC003', '4.00000'),
    ]);
    await db('orders').insert([
      order('ACC001', '10.00000', '10.00000', 'FILLED'),
      order('ACC002', '10.00000', '4.00000', 'CANCELED'),
    ]);
  });
  after(async () => stack?.close());

  it('books each proposal once, answers the unknown one by its error, and a repeat changes nothing', async () => {
    const acts = createActivities(stack.deps);
    const before1 = { vti: await vti('ACC001'), cash: await cash('ACC001') };
    const before2 = { vti: await vti('ACC002'), cash: await cash('ACC002') };
    const out = await acts.bookBatchFills({ tradeDate, proposals: refs });
    const by = new Map(out.map((r) => [r.accountId, r]));
    assert.equal(out.length, 4);
    assert.deepEqual(
      {
        stage: by.get('ACC001')?.stage,
        filled: by.get('ACC001')?.stage && (by.get('ACC001') as { filledOrders: number }).filledOrders,
      },
      { stage: 'Traded', filled: 1 },
    );
    const acc2 = by.get('ACC002');
    assert.equal(acc2?.stage, 'Traded');
    assert.match(acc2?.stage ? (acc2.note ?? '') : '', /1 leg\(s\) not fully filled/);
    assert.equal(by.get('ACC003')?.stage, 'NotTraded');
    assert.match(by.get('ACC004')?.error ?? '', /not found/);

    const db = stack.t.db;
    const status = async (id: string) => (await db('proposals').where({ id }).first())?.status;
    assert.equal(await status('P20261201-ACC001'), 'EXECUTED');
    assert.equal(await status('P20261201-ACC002'), 'PARTIALLY_EXECUTED');
    assert.equal(await status('P20261201-ACC003'), 'FAILED');
    assert.ok((await vti('ACC001')).minus(before1.vti).eq(10));
    assert.ok(before1.cash.minus(await cash('ACC001')).eq(3000));
    assert.ok((await vti('ACC002')).minus(before2.vti).eq(4));
    assert.ok(before2.cash.minus(await cash('ACC002')).eq(1200));
    const audits = await db('audit_log').where({ entity_id: 'P20261201-ACC003' }).pluck('action');
    assert.ok(audits.includes('NOT_RELEASED'), `audits of ACC003: ${audits.join(', ')}`);

    const again = await acts.bookBatchFills({ tradeDate, proposals: refs.slice(0, 3) });
    assert.deepEqual(
      again.map((r) => r.stage),
      ['Traded', 'Traded', 'NotTraded'],
    );
    assert.ok((await vti('ACC001')).minus(before1.vti).eq(10), 'booked once');
    assert.ok(before2.cash.minus(await cash('ACC002')).eq(1200), 'booked once');
    const notReleased = await db('audit_log').where({
      entity_id: 'P20261201-ACC003',
      action: 'NOT_RELEASED',
    });
    assert.equal(notReleased.length, 1);
  });
});
