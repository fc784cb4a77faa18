/** The JSON log lines and the context read from workflow ids (kept in step with src/workflows/ids.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonLogger } from '../../src/workers/json-logger';
import { logContextOf } from '../../src/workers/log-context';
import {
  accountBatchWorkflowId,
  accountDayWorkflowId,
  blockOrderWorkflowId,
  tradingDayWorkflowId,
} from '../../src/workflows/ids';

describe('log context and JSON log lines', () => {
  it('reads trade date, account, batch, symbol and side back from every workflow id', () => {
    assert.deepEqual(logContextOf(accountDayWorkflowId('2026-11-24', 'ACC-7/x')), {
      tradeDate: '2026-11-24',
      accountId: 'ACC-7/x',
    });
    assert.deepEqual(logContextOf(accountBatchWorkflowId('2026-11-24', 12)), {
      tradeDate: '2026-11-24',
      batch: 12,
    });
    assert.deepEqual(logContextOf(blockOrderWorkflowId('2026-11-24', 'BRK.B', 'SELL')), {
      tradeDate: '2026-11-24',
      symbol: 'BRK.B',
      side: 'SELL',
    });
    assert.deepEqual(logContextOf(tradingDayWorkflowId('2026-11-24')), { tradeDate: '2026-11-24' });
    assert.deepEqual(logContextOf('something-else/1'), {});
    assert.deepEqual(logContextOf(undefined), {});
  });

  it('one JSON object per line, the four keys always there, levels below the threshold dropped', () => {
    const lines: string[] = [];
    const log = new JsonLogger('INFO', (l) => lines.push(l));
    log.debug('dropped');
    log.info('activity done', {
      workflowId: accountDayWorkflowId('2026-11-24', 'ACC001'),
      workflowRunId: 'r-1',
      activityType: 'reconcileAccount',
      attempt: 2,
    });
    log.error('worker failed', { error: new Error('boom') });
    assert.equal(lines.length, 2);
    assert.ok(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')));
    const [a, b] = lines.map((l) => JSON.parse(l));
    assert.deepEqual(
      { ...a, time: undefined },
      {
        time: undefined,
        level: 'INFO',
        msg: 'activity done',
        workflowId: 'account-day/2026-11-24/ACC001',
        runId: 'r-1',
        accountId: 'ACC001',
        tradeDate: '2026-11-24',
        activityType: 'reconcileAccount',
        attempt: 2,
      },
    );
    assert.match(a.time, /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(b.workflowId, null);
    assert.equal(b.accountId, null);
    assert.equal(b.error.message, 'boom');
  });
});
