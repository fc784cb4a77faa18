/**
 * The last trade date the calendar covers (2028-12-29) runs in full on the time-skipping server: its
 * window, and its confirms on the next trading day (2029-01-02, in the calendar's run-out), with the
 * trades settling that day. Being within 180 days of the coverage end, the day's memo carries the
 * calendar warning (workflow change `calendar-coverage-memo`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import { CALENDAR_COVERAGE, nextSettlementDay, nextTradingDay } from '../../src/domain/calendar';
import { calendarCoverageWarning } from '../../src/domain/calendar-coverage';
import { tradingDayWorkflowId } from '../../src/workflows/ids';
import { CALENDAR_MEMO_PATCH } from '../../src/workflows/market-calendar';
import type { TradingDayResult } from '../../src/workflows/types';
import { type DayFixture, skipToEt, timeSkippingDay } from '../support/harness';
import { recordHistories } from '../support/histories';

const ACCOUNTS = ['ACC001', 'ACC003', 'ACC005', 'ACC007'];

describe('the last covered trade date', () => {
  let day: DayFixture;

  before(async () => {
    day = await timeSkippingDay('calendar-end', { tradeDate: () => CALENDAR_COVERAGE.lastTradeDate });
  });
  after(async () => day?.close());

  it('runs in full: trades, confirms on 2029-01-02, settles on 2029-01-02, warns in the memo', async () => {
    const { env, stack, tradeDate } = day;
    assert.equal(tradeDate, '2028-12-29');
    const confirmDay = nextTradingDay(tradeDate);
    assert.equal(confirmDay, '2029-01-02');
    await skipToEt(env, tradeDate, '06:30');
    const workflowId = tradingDayWorkflowId(tradeDate);
    const handle = await env.client.workflow.start('DailyTradingDay', {
      taskQueue: 'calendar-end',
      workflowId,
      args: [{ tradeDate, accountIds: ACCOUNTS, fillPollSeconds: 300 }],
    });
    const result: TradingDayResult = await handle.result();
    assert.equal(result.status, 'COMPLETED');
    assert.deepEqual(result.failedAccounts, []);
    assert.ok(result.ordersFilled > 0, `orders filled: ${JSON.stringify(result)}`);
    assert.equal(result.confirms.matched + result.confirms.matchedWithinTolerance, result.ordersFilled);
    assert.equal(
      result.confirms.mismatched + result.confirms.unmatchedOurs + result.confirms.unmatchedTheirs,
      0,
    );

    // The custodian reported the trades in 2029-01-02's files, settling on 2029-01-02.
    const trades = await stack.t.db('custodian_trades').where({ trade_date: tradeDate });
    assert.ok(trades.length > 0);
    assert.equal(nextSettlementDay(tradeDate), '2029-01-02');
    for (const t of trades) assert.equal(String(t.settle_date).slice(0, 10), '2029-01-02');

    const memo = (await handle.describe()).memo ?? {};
    const warning = calendarCoverageWarning(tradeDate);
    assert.ok(warning);
    assert.equal(memo.calendarWarning, warning.message);
    assert.match(String(memo.calendarWarning), /coverage ends 2028-12-31, 2 days after 2028-12-29/);

    // One memo write, behind its patch marker.
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    assert.equal(events.filter((e) => e.workflowPropertiesModifiedEventAttributes).length, 1);
    const encoded = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    assert.ok(encoded.includes(CALENDAR_MEMO_PATCH));
    await recordHistories(env.client, { 'DailyTradingDay-calendar-warning': workflowId });
  });
});
