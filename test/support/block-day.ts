/**
 * Helpers of the whole-day block tests on the time-skipping server: waiting for the day's approved
 * legs (so a test can set the market up before the window), and the day's result or, when it does
 * not end, what is still running and what it waits on.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { accountDayWorkflowId, blockOrderWorkflowId, tradingDayWorkflowId } from '../../src/workflows/ids';
import type { TradingDayResult } from '../../src/workflows/types';
import type { Stack } from './harness';

/** Polls until every listed account has an approved proposal (auto accounts approve at once). */
export async function approvedLegs(stack: Stack, tradeDate: string, n: number) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const p = await stack.t.db('proposals').where({ trade_date: tradeDate, status: 'APPROVED' });
    if (p.length >= n)
      return stack.t
        .db('proposal_legs as l')
        .join('proposals as p', 'p.id', 'l.proposal_id')
        .where({ 'p.trade_date': tradeDate })
        .select('l.symbol', 'l.side', 'l.qty', 'p.account_id');
    if (Date.now() > deadline) throw new Error(`only ${p.length} of ${n} proposals approved`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The day's result, or after `ms` an error listing what is still running and what it waits on. */
export async function resultOrDiagnose(
  env: TestWorkflowEnvironment,
  stack: Stack,
  tradeDate: string,
  result: Promise<TradingDayResult>,
  opts: { accounts: string[]; ms?: number },
): Promise<TradingDayResult> {
  const ms = opts.ms ?? 150_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), ms);
  });
  const first = await Promise.race([result, timeout]);
  clearTimeout(timer);
  if (first !== 'timeout') return first;
  const lines: string[] = [];
  const blocks = await stack.t.db('blocks').where({ trade_date: tradeDate });
  const ids = [
    tradingDayWorkflowId(tradeDate),
    ...blocks.map((b: { symbol: string; side: 'BUY' | 'SELL' }) =>
      blockOrderWorkflowId(tradeDate, b.symbol, b.side),
    ),
    ...opts.accounts.map((a) => accountDayWorkflowId(tradeDate, a)),
  ];
  for (const id of ids) {
    const d = await env.client.workflow
      .getHandle(id)
      .describe()
      .catch(() => undefined);
    if (d?.status.name !== 'RUNNING') continue;
    const raw = d.raw.pendingActivities ?? [];
    lines.push(
      `${id}: ${raw.map((a) => `${a.activityType?.name} attempt ${a.attempt} ${a.lastFailure?.message ?? ''}`).join('; ') || 'no activity'}`,
    );
  }
  const pg = await stack.t.db.raw(
    'SELECT state, wait_event_type, wait_event, left(query, 120) AS q FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
  );
  lines.push(`server time ${new Date(await env.currentTimeMs()).toISOString()}`);
  for (const b of blocks) {
    const id = blockOrderWorkflowId(tradeDate, b.symbol, b.side);
    const h = await env.client.workflow
      .getHandle(id)
      .fetchHistory()
      .catch(() => undefined);
    const ev = h?.events ?? [];
    lines.push(
      `${id} history: ${ev
        .slice(-8)
        .map((e) => `${e.eventType}@${e.eventTime?.seconds}`)
        .join(', ')}`,
    );
  }
  for (const o of await stack.t.db('block_orders'))
    lines.push(
      `block order ${o.client_order_id} ${o.status} ${o.qty} filled ${o.filled_qty} ${o.reject_reason ?? ''}`,
    );
  for (const o of await stack.t.db('sim.orders').where({ account_number: 'ZOEAVG01' }))
    lines.push(`sim ${o.client_order_id} ${o.order_status} ${o.planned_outcome} filled ${o.filled_quantity}`);
  for (const h of await stack.sim.sim.halts()) lines.push(`halt ${JSON.stringify(h)}`);
  for (const r of pg.rows)
    lines.push(`pg: ${r.state} ${r.wait_event_type ?? ''}/${r.wait_event ?? ''} ${r.q}`);
  throw new Error(`the day did not end in ${ms} ms; running:\n${lines.join('\n')}`);
}
