/**
 * Three consecutive trading days on the time-skipping server, each started from what the day
 * before left (docs/book-sync.md). Life events at the custodian and in the book:
 *
 *   D1  ACC005 (auto)    a $10,000.00 ACH deposit in D1's EXT869   posted that morning; CASH_IN fires on D1
 *   D1  ACC007 (auto)    ops request a $5,000.00 withdrawal          raised, sent to the custodian, PAID
 *   D1  ACC008 (manual)  the seeded $15,000.00 pending withdrawal    raised, sent, PAID
 *   D2  ACC009 (auto)    a $500.00 dividend on its first holding     posted DIVIDEND
 *   D2  every holder     a 2-for-1 split of that security (EXT235)   positions and lots ×2 at book and custodian
 *
 * Every morning the book equals the custodian (no break of any kind for any account, none held or
 * skipped), and after each day's trading the book's positions, cash and lots equal the
 * simulator's. ACC011's deliberate BND break is left out (it is the one-day tests' subject).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { requestWithdrawal } from '../../src/book/withdrawals';
import { addCashActivity } from '../../src/custodian/sim/cash-activity';
import { addCorporateAction } from '../../src/custodian/sim/corporate-actions';
import { lotsAsOf } from '../../src/custodian/sim/lots';
import { nextTradingDay } from '../../src/domain/calendar';
import { type Dec, ZERO, cashStr, dec, qtyStr } from '../../src/domain/money';
import { accountDayWorkflowId, tradingDayWorkflowId } from '../../src/workflows/ids';
import { approveUpdate, statusQuery } from '../../src/workflows/messages';
import { FINAL_STAGES } from '../../src/workflows/stages';
import type { TradingDayResult } from '../../src/workflows/types';
import { type DayFixture, type Stack, skipToEt, timeSkippingDay, workerFor } from '../support/harness';
import { timeSkippingEnv } from '../support/temporal';

const ACCOUNTS = ['ACC001', 'ACC002', 'ACC003', 'ACC005', 'ACC006', 'ACC007', 'ACC008', 'ACC009'];
const number = (id: string) => `3ZO${id.slice(3).padStart(5, '0')}`;

/** Stages an account's day waits in with no decision of ours pending (or ends in). */
const SETTLED = new Set([...FINAL_STAGES, 'Approved', 'WaitingForWindow', 'AwaitingZoeReview', 'ReconBreak']);

/**
 * Approves every manual account's proposal as its advisor. The workflow's result is not awaited
 * meanwhile: awaiting it lets the time-skipping server jump to the cut-off.
 */
async function approveAll(env: TestWorkflowEnvironment, tradeDate: string): Promise<void> {
  const waiting = new Set(ACCOUNTS);
  const deadline = Date.now() + 180_000;
  while (waiting.size > 0) {
    for (const id of [...waiting]) {
      const h = env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, id));
      const s = await h.query(statusQuery).catch(() => undefined);
      if (!s) continue;
      if (s.stage === 'AwaitingApproval' && s.proposal) {
        await h.executeUpdate(approveUpdate, {
          args: [{ proposalId: s.proposal.id, advisorId: s.advisorId, note: 'three-day test' }],
        });
        waiting.delete(id);
      } else if (SETTLED.has(s.stage)) waiting.delete(id);
    }
    if (Date.now() > deadline) throw new Error(`${tradeDate}: still waiting for ${[...waiting].join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function runDay(env: TestWorkflowEnvironment, taskQueue: string, tradeDate: string) {
  await skipToEt(env, tradeDate, '06:30');
  const handle = await env.client.workflow.start('DailyTradingDay', {
    taskQueue,
    workflowId: tradingDayWorkflowId(tradeDate),
    args: [{ tradeDate, accountIds: ACCOUNTS, fillPollSeconds: 300, batchSize: 4 }],
  });
  await approveAll(env, tradeDate);
  return (await handle.result()) as TradingDayResult;
}

type Holdings = Map<string, { qty: Dec; lotQty: Dec; cost: Dec }>;

/** The book's and the simulator's positions, lot quantities and lot costs per account and symbol. */
async function holdings(stack: Stack, processDate: string): Promise<{ book: Holdings; sim: Holdings }> {
  const db = stack.t.db;
  const book: Holdings = new Map();
  const sim: Holdings = new Map();
  const at = (m: Holdings, k: string) => {
    const h = m.get(k) ?? { qty: ZERO, lotQty: ZERO, cost: ZERO };
    m.set(k, h);
    return h;
  };
  for (const p of await db('positions').whereIn('account_id', ACCOUNTS))
    if (!dec(p.qty).isZero()) at(book, `${p.account_id}|${p.symbol}`).qty = dec(p.qty);
  for (const l of await db('tax_lots').whereIn('account_id', ACCOUNTS).where('qty', '>', 0)) {
    const h = at(book, `${l.account_id}|${l.symbol}`);
    h.lotQty = h.lotQty.plus(dec(l.qty));
    h.cost = h.cost.plus(dec(l.qty).times(dec(l.unit_cost)));
  }
  const byNumber = new Map(ACCOUNTS.map((a) => [number(a), a]));
  for (const p of await stack.sim.sim.positionsAsOf(processDate)) {
    const a = byNumber.get(p.account_number);
    if (a) at(sim, `${a}|${p.symbol}`).qty = p.qty;
  }
  for (const l of await lotsAsOf(db, processDate)) {
    const a = byNumber.get(l.accountNumber);
    if (!a) continue;
    const h = at(sim, `${a}|${l.symbol}`);
    h.lotQty = h.lotQty.plus(l.qty);
    h.cost = h.cost.plus(l.qty.times(l.unitCost));
  }
  return { book, sim };
}

function show(m: Holdings): Record<string, string> {
  return Object.fromEntries(
    [...m]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, h]) => [k, `${qtyStr(h.qty)} / lots ${qtyStr(h.lotQty)} / cost ${cashStr(h.cost)}`]),
  );
}

describe('three days in a row: the book stays the custodian’s mirror', () => {
  let day: DayFixture;
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let D1: string;
  const taskQueue = 'three-days';

  before(async () => {
    day = await timeSkippingDay(taskQueue);
    ({ env, stack } = day);
    D1 = day.tradeDate;
  });
  after(async () => day?.close());

  it('posts deposits, dividends, withdrawals and a split; no account is ever held', async () => {
    const db = stack.t.db;
    const D2 = nextTradingDay(D1);
    const D3 = nextTradingDay(D2);
    const D4 = nextTradingDay(D3);

    // D1: a deposit at the custodian and a withdrawal requested in the book.
    await addCashActivity(db, {
      accountNumber: number('ACC005'),
      processDate: D1,
      amountIn: '10000.00',
      kind: 'ACH',
      description: 'ACH DEPOSIT',
    });
    const wd = await requestWithdrawal(
      db,
      { accountId: 'ACC007', amount: '5000.00', requestId: 'three-days-acc007' },
      { by: 'ops:test', via: 'test', today: D1 },
    );
    assert.equal(wd.flow.status, 'PENDING');

    /**
     * D2's events, recorded before D1 like every event (a morning's file set is built once, the
     * first time it is asked for, and D1's confirm matching asks for D2's).
     */
    const eventsOfD2 = async (): Promise<string> => {
      const held: { symbol: string }[] = await db('positions')
        .where({ account_id: 'ACC009' })
        .where('qty', '>', 0)
        .orderBy('symbol');
      const divSymbol = held[0]!.symbol;
      await addCashActivity(db, {
        accountNumber: number('ACC009'),
        processDate: D2,
        amountIn: '500.00',
        kind: 'DIVIDEND',
        description: `DIVIDEND ${divSymbol}`,
        symbol: divSymbol,
      });
      const sec = await db('securities').where({ symbol: divSymbol }).first();
      await addCorporateAction(db, {
        processDate: D2,
        action: 'SPLIT',
        symbol: divSymbol,
        cusip: sec.cusip,
        stockFactor: '2',
      });
      return divSymbol;
    };

    const splitSymbol = await eventsOfD2();

    /**
     * A later day on a time-skipping server of its own: once a day has completed, the server's
     * clock has run on past the next morning (it skips to its last timer). The book and the
     * custodian carry over.
     */
    const onFreshServer = async (d: string): Promise<TradingDayResult> => {
      const envN = await timeSkippingEnv();
      const worker = await workerFor(envN, stack, `${taskQueue}-${d}`);
      const running = worker.run();
      try {
        return await runDay(envN, `${taskQueue}-${d}`, d);
      } finally {
        worker.shutdown();
        await running.catch(() => undefined);
        await envN.teardown();
      }
    };
    for (const [d, next] of [
      [D1, D2],
      [D2, D3],
      [D3, D4],
    ] as const) {
      const r = d === D1 ? await runDay(env, taskQueue, d) : await onFreshServer(d);
      const breaks = await db('breaks')
        .where({ trade_date: d })
        .select('account_id', 'type', 'symbol', 'status');
      assert.deepEqual(breaks, [], `${d}: every account's book equals its custodian's files`);
      assert.equal(r.status, 'COMPLETED');
      assert.deepEqual(r.failedAccounts, [], d);
      for (const stage of ['Skipped', 'Failed', 'ReconBreak'])
        assert.equal(r.byStage[stage] ?? 0, 0, `${d}: ${JSON.stringify(r.byStage)}`);
      // After the last day's trading (its confirms matched the next morning): the same holdings
      // and cash on both sides. (Each morning's reconciliation above compared the files.)
      if (d !== D3) continue;
      const { book, sim } = await holdings(stack, next);
      assert.deepEqual(show(book), show(sim), `${d}: book and custodian hold the same`);
      for (const a of ACCOUNTS) {
        // A withdrawal the custodian has paid out but not reported yet (SENT) is out of both.
        const sent = (await db('cash_flows').where({ account_id: a, status: 'SENT' })).reduce(
          (c: Dec, f: { amount: string }) => c.plus(dec(f.amount)),
          ZERO,
        );
        const ours = dec((await db('cash_balances').where({ account_id: a }).first()).amount).plus(sent);
        const theirs = dec(
          (
            await db('sim.accounts')
              .where({ account_number: number(a) })
              .first()
          ).cash,
        );
        assert.equal(cashStr(ours), cashStr(theirs), `${d}: ${a}'s cash`);
      }
    }

    // The deposit was posted on D1 and invested the same day (CASH_IN).
    const dep = await db('cash_flows').where({ account_id: 'ACC005', type: 'DEPOSIT', source: 'CUSTODIAN' });
    assert.equal(dep.length, 1);
    assert.equal(dep[0].status, 'POSTED');
    assert.equal(dep[0].posted_date, D1, 'posted the morning it arrived');
    const p5 = await db('proposals').where({ account_id: 'ACC005', trade_date: D1 }).first();
    assert.ok(p5, 'ACC005 proposed on the day of its deposit');
    assert.match(JSON.stringify(p5.plan), /CASH_IN/);
    const buys = await db('proposal_legs').where({ proposal_id: p5.id, side: 'BUY' });
    assert.ok(buys.length > 0, 'the deposit is invested');

    // Both withdrawals went to the custodian and were paid by its report.
    for (const a of ['ACC007', 'ACC008']) {
      const w = await db('cash_flows').where({ account_id: a, type: 'WITHDRAWAL', source: 'BOOK' });
      assert.equal(w.length, 1, a);
      assert.equal(w[0].status, 'PAID', `${a}: ${JSON.stringify(w[0])}`);
      assert.ok(w[0].transfer_id, `${a}: the custodian's transfer id is kept`);
      const atSim = await db('sim.ach_withdrawals').where({ account_number: number(a) });
      assert.equal(atSim.length, 1, `${a}: sent once`);
    }

    // The split reached every holder in the book, once each.
    const holders = await db('corporate_action_postings').where({ symbol: splitSymbol, action: 'SPLIT' });
    assert.ok(holders.length >= 2, `the ${splitSymbol} split posted to its holders: ${holders.length}`);

    // The dividend was posted once.
    const div = await db('cash_flows').where({ account_id: 'ACC009', type: 'DIVIDEND' });
    assert.equal(div.length, 1);
    assert.equal(cashStr(dec(div[0].amount)), '500.00');
  });
});
