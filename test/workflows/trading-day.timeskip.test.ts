/**
 * A whole DailyTradingDay on Temporal's time-skipping test server: from 06:30 ET through
 * the approval cut-off, the 12:00–14:00 window (every first order fills partly, so every
 * leg's residual is cancelled and re-sent once) and the next morning's confirm matching.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { nextTradingDay } from '../../src/domain/calendar';
import { dec } from '../../src/domain/money';
import {
  accountBatchWorkflowId,
  accountDayWorkflowId,
  blockOrderWorkflowId,
  tradingDayWorkflowId,
} from '../../src/workflows/ids';
import { CALENDAR_MEMO_PATCH } from '../../src/workflows/market-calendar';
import { approveUpdate, rejectUpdate, resolveBreakSignal, statusQuery } from '../../src/workflows/messages';
import type { TradingDayResult } from '../../src/workflows/types';
import { type DayFixture, type Stack, skipToEt, timeSkippingDay } from '../support/harness';
import { recordHistories } from '../support/histories';

const ACCOUNTS = ['ACC001', 'ACC002', 'ACC004', 'ACC005', 'ACC011'];

async function waitForStage(
  env: TestWorkflowEnvironment,
  workflowId: string,
  stages: string[],
): Promise<string> {
  const deadline = Date.now() + 120_000;
  let last = 'not started';
  for (;;) {
    try {
      const s = await env.client.workflow.getHandle(workflowId).query(statusQuery);
      if (stages.includes(s.stage)) return s.stage;
      last = `${s.stage}${s.lastError ? ` (${s.lastError})` : ''}`;
    } catch (e) {
      last = `not queryable: ${(e as Error).message}`;
    }
    if (Date.now() > deadline)
      throw new Error(`${workflowId} never reached ${stages.join('/')}; last: ${last}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Asserts a rejection whose message, or its cause's message, matches `re`. */
async function rejectsWith(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { cause?: Error }) => {
    const text = `${e.message} ${e.cause?.message ?? ''}`;
    assert.match(text, re);
    return true;
  });
}

describe('DailyTradingDay on the time-skipping server', () => {
  let day: DayFixture;
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let tradeDate: string;

  before(async () => {
    day = await timeSkippingDay('day-test', { partialFillRate: 1 });
    ({ env, stack, tradeDate } = day);
  });
  after(async () => day?.close());

  it('reconciles, proposes, takes approvals, trades with a residual retry and matches confirms', async () => {
    // Start at 06:30 ET on the trade date.
    await skipToEt(env, tradeDate, '06:30');

    const lotsBefore = new Map(
      (await stack.t.db('tax_lots').select('id', 'qty')).map((l: { id: string; qty: string }) => [
        l.id,
        dec(l.qty),
      ]),
    );
    const handle = await env.client.workflow.start('DailyTradingDay', {
      taskQueue: 'day-test',
      workflowId: tradingDayWorkflowId(tradeDate),
      args: [{ tradeDate, accountIds: ACCOUNTS, fillPollSeconds: 300, batchSize: 2 }],
    });
    const manualApprove = accountDayWorkflowId(tradeDate, 'ACC002');
    const manualReject = accountDayWorkflowId(tradeDate, 'ACC004');
    assert.equal(await waitForStage(env, manualApprove, ['AwaitingApproval']), 'AwaitingApproval');
    assert.equal(await waitForStage(env, manualReject, ['AwaitingApproval']), 'AwaitingApproval');
    assert.equal(
      await waitForStage(env, accountDayWorkflowId(tradeDate, 'ACC011'), ['ReconBreak']),
      'ReconBreak',
    );

    const pending = await env.client.workflow.getHandle(manualApprove).query(statusQuery);
    assert.ok(pending.proposal, 'a proposal is open');
    // Wrong advisor and missing reason are refused by the validators, with the reason.
    await rejectsWith(
      env.client.workflow.getHandle(manualApprove).executeUpdate(approveUpdate, {
        args: [{ proposalId: pending.proposal.id, advisorId: 'ADV-CHLOE' }],
      }),
      /advisor ADV-CHLOE does not manage account ACC002/,
    );
    const approved = await env.client.workflow.getHandle(manualApprove).executeUpdate(approveUpdate, {
      args: [{ proposalId: pending.proposal.id, advisorId: 'ADV-BEN', note: 'ok' }],
    });
    assert.deepEqual(approved, { proposalId: pending.proposal.id, decision: 'APPROVED', duplicate: false });
    // Approved, the day has ended (since `batch-books-fills`: its batch books it): a repeat cannot
    // reach it and changes nothing; the API answers it from the book (src/api/closed-day.ts).
    await assert.rejects(
      env.client.workflow.getHandle(manualApprove).executeUpdate(approveUpdate, {
        args: [{ proposalId: pending.proposal.id, advisorId: 'ADV-BEN' }],
      }),
    );
    assert.equal((await env.client.workflow.getHandle(manualApprove).query(statusQuery)).stage, 'Approved');

    const rejecting = await env.client.workflow.getHandle(manualReject).query(statusQuery);
    await rejectsWith(
      env.client.workflow.getHandle(manualReject).executeUpdate(rejectUpdate, {
        args: [{ proposalId: rejecting.proposal!.id, advisorId: 'ADV-ANA', reason: '' }],
      }),
      /invalid reject message: reason: a rejection needs a reason/,
    );
    await env.client.workflow.getHandle(manualReject).executeUpdate(rejectUpdate, {
      args: [{ proposalId: rejecting.proposal!.id, advisorId: 'ADV-ANA', reason: 'client asked to wait' }],
    });

    const result: TradingDayResult = await handle.result();
    assert.equal(result.status, 'COMPLETED');
    assert.equal(result.accounts, ACCOUNTS.length);
    // 5 accounts in batches of 2: account-batch/{date}/0, /1 and /2, each completed; no /3.
    for (const n of [0, 1, 2]) {
      const d = await env.client.workflow.getHandle(accountBatchWorkflowId(tradeDate, n)).describe();
      assert.equal(d.status.name, 'COMPLETED');
    }
    await assert.rejects(env.client.workflow.getHandle(accountBatchWorkflowId(tradeDate, 3)).describe());
    assert.deepEqual(result.failedAccounts, []);
    assert.equal(result.byStage.Confirmed, 2, JSON.stringify(result.byStage)); // ACC001 (auto) and ACC002 (approved)
    assert.equal(result.byStage.Rejected, 1);
    assert.equal(result.byStage.Skipped, 1); // ACC011: break never resolved, held and skipped at the cut-off

    const db = stack.t.db;
    const proposals = await db('proposals').where({ trade_date: tradeDate }).orderBy('account_id');
    const status = Object.fromEntries(
      proposals.map((p: { account_id: string; status: string }) => [p.account_id, p.status]),
    );
    const dump = JSON.stringify(
      await db('orders')
        .where({ account_id: 'ACC001' })
        .select('client_order_id', 'status', 'qty', 'filled_qty', 'reject_reason'),
    );
    assert.equal(status.ACC001, 'EXECUTED', dump);
    assert.equal(status.ACC002, 'EXECUTED');
    assert.equal(status.ACC004, 'REJECTED');
    assert.equal(status.ACC011, undefined, 'a held account proposes nothing');
    assert.equal(
      (await db('orders').where({ account_id: 'ACC004' })).length,
      0,
      'no orders for a rejected proposal',
    );

    // Block orders: one block per (symbol, side) with the approved legs as its allocation
    // statement; attempt 1 partly filled then cancelled, attempt 2 for the residual, filled;
    // the fill allocated in full at the block's average price, each account getting its leg.
    const blocks = await db('blocks').where({ trade_date: tradeDate }).orderBy('id');
    const legsApproved = await db('proposal_legs as l')
      .join('proposals as p', 'p.id', 'l.proposal_id')
      .where({ 'p.trade_date': tradeDate })
      .whereIn('p.account_id', ['ACC001', 'ACC002'])
      .select('l.symbol', 'l.side', 'l.qty', 'p.account_id', 'l.leg_no', 'l.proposal_id');
    assert.ok(legsApproved.length > 0);
    const keys = new Set(legsApproved.map((l: { symbol: string; side: string }) => `${l.symbol}/${l.side}`));
    assert.equal(blocks.length, keys.size, 'one block per symbol and side');
    for (const b of blocks) {
      assert.equal(b.status, 'ALLOCATED');
      const mine = legsApproved.filter(
        (l: { symbol: string; side: string }) => l.symbol === b.symbol && l.side === b.side,
      );
      const requested = mine.reduce(
        (a: ReturnType<typeof dec>, l: { qty: string }) => a.plus(dec(l.qty)),
        dec('0'),
      );
      assert.equal(dec(b.requested_qty).toFixed(5), requested.toFixed(5), `${b.id}: statement = Σ legs`);
      const orders = await db('block_orders').where({ block_id: b.id }).orderBy('attempt');
      assert.equal(orders.length, 2, `${b.id}: a first order and one residual retry`);
      assert.equal(orders[0].status, 'CANCELED');
      assert.ok(dec(orders[0].filled_qty).gt(0) && dec(orders[0].filled_qty).lt(requested));
      assert.equal(orders[1].status, 'FILLED');
      assert.equal(dec(orders[1].qty).toFixed(5), requested.minus(dec(orders[0].filled_qty)).toFixed(5));
      assert.equal(dec(b.filled_qty).toFixed(5), requested.toFixed(5), `${b.id} filled in full`);
      const allocs = await db('allocations').where({ block_id: b.id });
      assert.equal(allocs.length, new Set(mine.map((l: { account_id: string }) => l.account_id)).size);
      const allocated = allocs.reduce(
        (a: ReturnType<typeof dec>, x: { qty: string }) => a.plus(dec(x.qty)),
        dec('0'),
      );
      assert.equal(allocated.toFixed(5), dec(b.filled_qty).toFixed(5), `${b.id}: Σ allocations = filled`);
      for (const a of allocs) {
        assert.ok(dec(a.qty).lte(dec(a.requested_qty)), 'allocated ≤ requested');
        assert.equal(
          dec(a.price).toFixed(6),
          dec(b.avg_price).toFixed(6),
          'every account gets the average price',
        );
      }
    }
    // Each account leg: one order in the book for its share, filled at the block's price.
    for (const l of legsApproved) {
      const orders = await db('orders').where({ proposal_id: l.proposal_id, leg_no: l.leg_no });
      assert.equal(orders.length, 1);
      assert.equal(orders[0].status, 'FILLED');
      assert.equal(dec(orders[0].filled_qty).toFixed(5), dec(l.qty).toFixed(5));
    }
    // No per-account orders at the custodian: block orders in the average-price account only.
    const direct = await db('sim.orders')
      .whereNot({ account_number: 'ZOEAVG01' })
      .whereNot({ planned_outcome: 'ALLOCATION' });
    assert.equal(direct.length, 0);
    const avg = await db('sim.positions').where({ account_number: 'ZOEAVG01' });
    assert.ok(
      avg.every((p: { qty: string }) => dec(p.qty).isZero()),
      'the average-price account is flat after allocation',
    );
    // Sells relieved exactly the lots the engine chose (specific lots, in its order).
    let instructedSells = 0;
    for (const acct of ['ACC001', 'ACC002']) {
      const sells = await db('proposal_legs').where({
        proposal_id: `P${tradeDate.replaceAll('-', '')}-${acct}`,
        side: 'SELL',
      });
      for (const leg of sells) {
        const lots = leg.lots as { lotId: string; qty: string }[];
        assert.equal(
          lots.reduce((a, l) => a.plus(dec(l.qty)), dec('0')).toFixed(5),
          dec(leg.qty).toFixed(5),
          'lot instructions cover the leg',
        );
        for (const l of lots) {
          const now = await db('tax_lots').where({ id: l.lotId }).first();
          assert.equal(
            dec(now.qty).toFixed(5),
            lotsBefore.get(l.lotId)!.minus(dec(l.qty)).toFixed(5),
            `lot ${l.lotId} relieved`,
          );
          instructedSells++;
        }
      }
    }
    assert.ok(instructedSells > 0, 'at least one sell with lot instructions');
    // Exactly one order per client order id at the custodian (no duplicates).
    const simDupes = await db.raw('SELECT client_order_id FROM sim.orders GROUP BY 1 HAVING count(*) > 1');
    assert.equal(simDupes.rows.length, 0);

    // Next morning: every filled order matched against the custodian's trade file.
    const matches = await db('confirm_matches').where({ trade_date: tradeDate });
    const filledOrders = await db('orders').where({ trade_date: tradeDate }).where('filled_qty', '>', 0);
    assert.equal(matches.length, filledOrders.length);
    assert.ok(
      matches.every(
        (m: { result: string }) => m.result === 'MATCHED' || m.result === 'MATCHED_WITHIN_TOLERANCE',
      ),
    );
    assert.equal(result.confirms.matched + result.confirms.matchedWithinTolerance, filledOrders.length);

    // The book moved with the fills, so the next morning's positions reconcile exactly.
    const nextDay = nextTradingDay(tradeDate);
    for (const acct of ['ACC001', 'ACC002']) {
      const a = await db('accounts').where({ id: acct }).first();
      const theirs = await db('custodian_positions').where({
        process_date: nextDay,
        account_number: a.custodian_account_number,
      });
      const ours = await db('positions').where({ account_id: acct });
      const t = Object.fromEntries(
        theirs.map((r: { symbol: string; trade_qty: string }) => [r.symbol, dec(r.trade_qty).toFixed(5)]),
      );
      for (const p of ours) {
        if (dec(p.qty).isZero()) continue;
        assert.equal(t[p.symbol], dec(p.qty).toFixed(5), `${acct} ${p.symbol} reconciles next morning`);
      }
    }
    // An ordinary day, far from the calendar's coverage end: no calendar memo, no marker for it.
    const dayHistory = await env.client.workflow.getHandle(tradingDayWorkflowId(tradeDate)).fetchHistory();
    assert.equal(
      (dayHistory.events ?? []).filter((e) => e.workflowPropertiesModifiedEventAttributes).length,
      0,
    );
    const encodedDay = Buffer.from(temporal.api.history.v1.History.encode(dayHistory).finish());
    assert.ok(encodedDay.includes('block-orders'), 'the encoded history shows its patch markers');
    assert.ok(!encodedDay.includes(CALENDAR_MEMO_PATCH));
    await recordHistories(env.client, {
      'DailyTradingDay-completed': tradingDayWorkflowId(tradeDate),
      'AccountBatch-completed': accountBatchWorkflowId(tradeDate, 0),
      'AccountDay-auto-confirmed': accountDayWorkflowId(tradeDate, 'ACC001'),
      'AccountDay-manual-approved-confirmed': manualApprove,
      'AccountDay-manual-rejected': manualReject,
      'AccountDay-no-action': accountDayWorkflowId(tradeDate, 'ACC005'),
      'AccountDay-break-skipped': accountDayWorkflowId(tradeDate, 'ACC011'),
      'BlockOrder-residual-retry-allocated': blockOrderWorkflowId(
        tradeDate,
        blocks[0].symbol,
        blocks[0].side,
      ),
    });
    const audit = await db('audit_log').where({ action: 'PROPOSAL_APPROVED' });
    assert.ok(audit.some((r: { actor: string }) => r.actor === 'ADV-BEN'));
    void resolveBreakSignal;
  });
});
