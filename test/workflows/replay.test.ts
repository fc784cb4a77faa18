/**
 * Every recorded history (test/histories, from real runs of every released workflow shape)
 * replays against today's workflow code. A change that would break a running workflow fails
 * here: make it behind `patched()` (README, "Changing a workflow safely").
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../../src/workers/worker';
import { HISTORIES_DIR } from '../support/histories';

const files = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.pb'))
  .sort();

describe('replay of recorded workflow histories', () => {
  it('has histories of every workflow type', () => {
    const types = new Set(files.map((f) => f.split('-')[0]));
    for (const t of ['DailyTradingDay', 'AccountBatch', 'AccountDay', 'BlockOrder'])
      assert.ok(types.has(t), `a ${t} history`);
  });

  it('covers both sides of the patched() example: v2 carries the marker, v1 does not', () => {
    const marker = 'skip-transient-approved-stage';
    const read = (f: string) => readFileSync(path.join(HISTORIES_DIR, f));
    assert.ok(read('AccountDay-manual-approved-confirmed.v2.pb').includes(marker));
    assert.ok(!read('AccountDay-manual-approved-confirmed.v1.pb').includes(marker));
  });

  it('covers the block-orders change: v3 days carry its marker, v1 and v2 days do not', () => {
    const read = (f: string) => readFileSync(path.join(HISTORIES_DIR, f));
    assert.ok(read('DailyTradingDay-completed.v3.pb').includes('block-orders'));
    assert.ok(!read('DailyTradingDay-completed.v2.pb').includes('block-orders'));
  });

  it('covers the v4 changes: local book steps in AccountDay, progress-aware stalls in BlockOrder', () => {
    const read = (f: string) => readFileSync(path.join(HISTORIES_DIR, f));
    assert.ok(read('AccountDay-auto-confirmed.v4.pb').includes('local-db-activities'));
    assert.ok(!read('AccountDay-auto-confirmed.v3.pb').includes('local-db-activities'));
    assert.ok(read('BlockOrder-residual-retry-allocated.v4.pb').includes('gradual-fills'));
    assert.ok(!read('BlockOrder-residual-retry-allocated.v3.pb').includes('gradual-fills'));
  });

  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      const history = temporal.api.history.v1.History.decode(readFileSync(path.join(HISTORIES_DIR, file)));
      assert.ok(history.events.length > 5, 'a real history');
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
    });
  }
});
