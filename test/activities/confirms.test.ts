/**
 * Next-morning confirm matching through the activity: our fills against the custodian's trade
 * file (EXT872 rows), with a price outside tolerance, a fill the custodian does not know, and a
 * custodian trade we do not know (a "DK"); and the same for a batch of accounts at once, with an
 * account that cannot be matched answered by its error while the others are stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createActivities } from '../../src/activities';
import { nextSettlementDay, nextTradingDay } from '../../src/domain/calendar';
import { type Stack, startStack } from '../support/harness';

describe('matchConfirms and matchBatchConfirms activities', () => {
  const tradeDate = '2026-12-01';
  const processDate = nextTradingDay(tradeDate);
  const settle = nextSettlementDay(tradeDate);
  let stack: Stack;

  before(async () => {
    stack = await startStack({ asOf: tradeDate });
    const db = stack.t.db;
    await db('proposals').insert({
      id: 'P20261201-ACC001',
      account_id: 'ACC001',
      trade_date: tradeDate,
      status: 'EXECUTED',
      model_id: 'M6040',
      model_version: 1,
      reasons: '[]',
      plan: '{}',
      expires_at: '2026-12-01T16:45:00Z',
    });
    const order = (leg: number, symbol: string, side: string, qty: string, px: string, custId: string) => ({
      client_order_id: `20261201-ACC001-L${leg}-A1`,
      proposal_id: 'P20261201-ACC001',
      leg_no: leg,
      attempt: 1,
      account_id: 'ACC001',
      trade_date: tradeDate,
      symbol,
      side,
      qty,
      filled_qty: qty,
      avg_price: px,
      status: 'FILLED',
      custodian_order_id: custId,
    });
    await db('orders').insert([
      order(1, 'VTI', 'SELL', '10.00000', '300.00', 'SIM-1'), // matches exactly
      order(2, 'BND', 'BUY', '20.00000', '72.00', 'SIM-2'), // custodian price 72.01: outside ±0.005
      order(3, 'VXUS', 'BUY', '5.00000', '60.00', 'SIM-3'), // custodian has no such trade
    ]);
    const trade = (
      orderId: string,
      code: string,
      symbol: string,
      qty: string,
      px: string,
      principal: string,
    ) => ({
      process_date: processDate,
      account_number: '3ZO00001',
      buy_sell_code: code,
      trade_date: tradeDate,
      order_id: orderId,
      client_order_id: null,
      exec_time_hhmm: '1201',
      cusip: '000000000',
      symbol,
      qty,
      price: px,
      settle_date: settle,
      principal,
      net_amount: principal,
    });
    await db('custodian_trades').insert([
      trade('SIM-1', 'S', 'VTI', '10.00000', '300.00', '3000.00'),
      trade('SIM-2', 'B', 'BND', '20.00000', '72.01', '1440.20'),
      trade('SIM-9', 'B', 'AGG', '3.00000', '98.00', '294.00'), // unknown to us
    ]);
  });
  after(async () => stack?.close());

  it('records MATCHED, MISMATCHED with the field, UNMATCHED_OURS and UNMATCHED_THEIRS', async () => {
    const summary = await createActivities(stack.deps).matchConfirms({ tradeDate, accountId: 'ACC001' });
    assert.deepEqual(summary, {
      matched: 1,
      matchedWithinTolerance: 0,
      mismatched: 1,
      unmatchedOurs: 1,
      unmatchedTheirs: 1,
    });
    const rows = await stack.t.db('confirm_matches').where({ trade_date: tradeDate }).orderBy('id');
    type Row = { result: string; client_order_id: string; custodian_order_id: string; diffs: string[] };
    const byResult: Record<string, Row> = Object.fromEntries(rows.map((r: Row) => [r.result, r]));
    const get = (k: string): Row => {
      const r = byResult[k];
      assert.ok(r, `a ${k} row`);
      return r;
    };
    assert.equal(get('MATCHED').custodian_order_id, 'SIM-1');
    assert.equal(get('MISMATCHED').custodian_order_id, 'SIM-2');
    assert.match(get('MISMATCHED').diffs.join(' '), /price: ours 72(\.0+)?, theirs 72\.01/);
    assert.equal(get('UNMATCHED_OURS').client_order_id, '20261201-ACC001-L3-A1');
    assert.equal(get('UNMATCHED_THEIRS').custodian_order_id, 'SIM-9');
    // Running it again (a retried activity) changes nothing.
    await createActivities(stack.deps).matchConfirms({ tradeDate, accountId: 'ACC001' });
    assert.equal((await stack.t.db('confirm_matches').where({ trade_date: tradeDate })).length, 4);
  });

  it('matches a batch in one call: the same rows as one account at a time, an unknown account answered by its error', async () => {
    const db = stack.t.db;
    const rowsOf = async () =>
      (
        await db('confirm_matches')
          .where({ trade_date: tradeDate })
          .select('account_id', 'client_order_id', 'custodian_order_id', 'result', 'diffs')
      )
        .map((r: Record<string, unknown>) => JSON.stringify(r))
        .sort();
    const perAccount = await rowsOf();
    assert.equal(perAccount.length, 4, 'the first test stored one account at a time');
    await db('confirm_matches').where({ trade_date: tradeDate }).delete();
    const act = createActivities(stack.deps);
    const out = await act.matchBatchConfirms({ tradeDate, accountIds: ['ACC001', 'ACC002', 'NOPE'] });
    assert.deepEqual(out, [
      {
        accountId: 'ACC001',
        confirms: {
          matched: 1,
          matchedWithinTolerance: 0,
          mismatched: 1,
          unmatchedOurs: 1,
          unmatchedTheirs: 1,
        },
      },
      {
        accountId: 'ACC002',
        confirms: {
          matched: 0,
          matchedWithinTolerance: 0,
          mismatched: 0,
          unmatchedOurs: 0,
          unmatchedTheirs: 0,
        },
      },
      { accountId: 'NOPE', error: 'account NOPE does not exist' },
    ]);
    assert.deepEqual(await rowsOf(), perAccount);
    // Retried: the same rows, and the break's notifications written once.
    await act.matchBatchConfirms({ tradeDate, accountIds: ['ACC001', 'ACC002'] });
    assert.deepEqual(await rowsOf(), perAccount);
    const advised = await db('notifications').where({ kind: 'ADVISOR_CONFIRM_BREAK' }).count({ n: '*' });
    assert.equal(Number(advised[0]?.n), 1);
  });
});
