/**
 * The same day on the real Temporal dev server (no time skipping): workers started here, the
 * day's clock configured to "now" (cut-off in 40 s, window right after), accounts found by
 * search attribute through the client's list API, exactly as ops would in the UI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { findStuck } from '../../src/cli/ops';
import { nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { accountBatchWorkflowId, accountDayWorkflowId } from '../../src/workflows/ids';
import { approveUpdate, statusQuery } from '../../src/workflows/messages';
import type { TradingDayResult } from '../../src/workflows/types';
import { eventually } from '../support/eventually';
import { type Stack, startStack, workerFor } from '../support/harness';
import { startShortDay } from '../support/short-day';
import { devServerEnv } from '../support/temporal';

async function listIds(env: TestWorkflowEnvironment, query: string): Promise<string[]> {
  const ids: string[] = [];
  try {
    for await (const wf of env.client.workflow.list({ query })) ids.push(wf.workflowId);
  } catch (e) {
    throw new Error(`list ${query}: ${(e as Error).message}: ${(e as { cause?: Error }).cause?.message}`);
  }
  return ids.sort();
}

describe('DailyTradingDay on the Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let worker: Worker;
  let run: Promise<void>;
  const tradeDate = nextTradingDay(utcToEtDate(new Date().toISOString()));

  before(async () => {
    env = await devServerEnv();
    stack = await startStack({ asOf: tradeDate, partialFillRate: 0.5 });
    worker = await workerFor(env, stack, 'e2e');
    run = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await run?.catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  it('runs the day with the window set to now and lists accounts by Stage', async () => {
    const handle = await startShortDay(env.client, { taskQueue: 'e2e', tradeDate, cutoffS: 40 });

    const waiting = `WorkflowType="AccountDay" AND TradeDate="${tradeDate}" AND Stage="AwaitingApproval"`;
    const ids = await eventually(
      () => listIds(env, waiting),
      (v) => v.length === 2,
      'two accounts awaiting approval',
    );
    assert.deepEqual(ids, [
      accountDayWorkflowId(tradeDate, 'ACC002'),
      accountDayWorkflowId(tradeDate, 'ACC004'),
    ]);
    const byAdvisor = await listIds(
      env,
      `WorkflowType="AccountDay" AND AdvisorId="ADV-BEN" AND \`Mode\`="MANUAL" AND TradeDate="${tradeDate}"`,
    );
    assert.deepEqual(byAdvisor, [accountDayWorkflowId(tradeDate, 'ACC002')]);

    // `ops stuck` with a zero threshold lists every account waiting on someone, with the reason.
    const stuck = await findStuck(env.client, tradeDate, 0);
    const waitingOn = Object.fromEntries(stuck.map((x) => [x.accountId, x.reason]));
    assert.match(waitingOn.ACC002 ?? '', /waiting for advisor ADV-BEN until /);
    assert.match(waitingOn.ACC004 ?? '', /waiting for advisor ADV-ANA until /);

    const h2 = env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, 'ACC002'));
    const s2 = await h2.query(statusQuery);
    await h2.executeUpdate(approveUpdate, { args: [{ proposalId: s2.proposal!.id, advisorId: 'ADV-BEN' }] });
    // ACC004 is left alone: it expires at the cut-off.

    const result: TradingDayResult = await handle.result();
    assert.equal(result.status, 'COMPLETED');
    assert.deepEqual(result.failedAccounts, []);
    assert.equal(result.byStage.Expired, 1, JSON.stringify(result.byStage));
    assert.ok((result.byStage.Confirmed ?? 0) >= 2, JSON.stringify(result.byStage));

    // Since `batch-books-fills` an approved account's day ends Approved; its batch books it and shows the confirms.
    const traded = await eventually(
      () => listIds(env, `WorkflowType="AccountDay" AND TradeDate="${tradeDate}" AND Stage="Approved"`),
      (v) =>
        v.length ===
        (result.byStage.Confirmed ?? 0) +
          (result.byStage.ConfirmBreak ?? 0) +
          (result.byStage.NotTraded ?? 0),
      'traded accounts in visibility',
    );
    assert.ok(traded.includes(accountDayWorkflowId(tradeDate, 'ACC002')));
    const batches = await eventually(
      () => listIds(env, `WorkflowType="AccountBatch" AND TradeDate="${tradeDate}" AND Stage="Confirmed"`),
      (v) => v.length === 1,
      'the batch, confirmed, in visibility',
    );
    assert.deepEqual(batches, [accountBatchWorkflowId(tradeDate, 0)]);
    const orders = await stack.t.db('orders').where({ trade_date: tradeDate, account_id: 'ACC002' });
    assert.ok(orders.length > 0);
    const dupes = await stack.t.db.raw(
      'SELECT client_order_id FROM sim.orders GROUP BY 1 HAVING count(*) > 1',
    );
    assert.equal(dupes.rows.length, 0);
  });
});
