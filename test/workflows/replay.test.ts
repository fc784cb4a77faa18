/**
 * Every recorded history (test/histories, from real runs of every released workflow shape)
 * replays against today's workflow code. A change that would break a running workflow fails
 * here: make it behind `patched()` (docs/workflow-changes.md).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH, workflowBundle } from '../../src/workers/worker';
import { BATCH_CONFIRMS_PATCH } from '../../src/workflows/account-day/own-booking';
import { BATCH_BOOKS_PATCH, WAIT_STAGES_EARLY_END_PATCH } from '../../src/workflows/account-day/workflow';
import { CALENDAR_MEMO_PATCH } from '../../src/workflows/market-calendar';
import { BUYS_AT_DEADLINE_PATCH } from '../../src/workflows/trading-day';
import { HISTORIES_DIR } from '../support/histories';

const files = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.pb'))
  .sort();

/** The version tag of a history file (AccountDay-no-action.v7.pb → 7). */
function tagOf(file: string): number {
  return Number(/\.v(\d+)\.pb$/.exec(file)?.[1] ?? 0);
}

describe('replay of recorded workflow histories', () => {
  it('has histories of every workflow type', () => {
    const types = new Set(files.map((f) => f.split('-')[0]));
    for (const t of ['DailyTradingDay', 'AccountBatch', 'AccountDay', 'BlockOrder'])
      assert.ok(types.has(t), `a ${t} history`);
  });

  it('replays histories whose patches are retired: the markers are in them, the code no longer asks', () => {
    // `skip-transient-approved-stage` (v2) and `block-orders` (v3) are always taken now; days from
    // before them (v1, v2 histories) can no longer be running, so those histories were removed and
    // the patched() calls with them (docs/workflow-changes.md).
    const read = (f: string) => readFileSync(path.join(HISTORIES_DIR, f));
    assert.ok(read('AccountDay-manual-approved-confirmed.v3.pb').includes('skip-transient-approved-stage'));
    assert.ok(read('DailyTradingDay-completed.v3.pb').includes('block-orders'));
    assert.ok(!files.some((f) => /\.v[12]\.pb$/.test(f)), 'no history from before block orders');
  });

  it('covers the v4 changes: local book steps in AccountDay, progress-aware stalls in BlockOrder', () => {
    const read = (f: string) => readFileSync(path.join(HISTORIES_DIR, f));
    assert.ok(read('AccountDay-auto-confirmed.v4.pb').includes('local-db-activities'));
    assert.ok(!read('AccountDay-auto-confirmed.v3.pb').includes('local-db-activities'));
    assert.ok(read('BlockOrder-residual-retry-allocated.v4.pb').includes('gradual-fills'));
    assert.ok(!read('BlockOrder-residual-retry-allocated.v3.pb').includes('gradual-fills'));
  });

  it('covers the calendar-coverage-memo change: a day near the coverage end carries its marker, others not', () => {
    const read = (f: string) => readFileSync(path.join(HISTORIES_DIR, f));
    assert.ok(read('DailyTradingDay-calendar-warning.v5.pb').includes(CALENDAR_MEMO_PATCH));
    assert.ok(!read('DailyTradingDay-completed.v4.pb').includes(CALENDAR_MEMO_PATCH));
  });

  it('covers the v6 changes: buys at the deadline in the day, decision origin in AccountDay', () => {
    const read = (f: string) => readFileSync(path.join(HISTORIES_DIR, f));
    // The buys waited for the sells (the deadline's timer cancelled) or for the deadline (a halted sell).
    for (const f of ['DailyTradingDay-completed.v6.pb', 'DailyTradingDay-sell-halted-buys-at-deadline.v6.pb'])
      assert.ok(read(f).includes(BUYS_AT_DEADLINE_PATCH), f);
    for (const f of files.filter((f) => f.startsWith('DailyTradingDay-') && /\.v[345]\.pb$/.test(f)))
      assert.ok(!read(f).includes(BUYS_AT_DEADLINE_PATCH), `${f} keeps the old order (sells, then buys)`);
    assert.ok(read('AccountDay-manual-approved-confirmed.v6.pb').includes('decision-origin'));
    assert.ok(!read('AccountDay-manual-approved-confirmed.v4.pb').includes('decision-origin'));
  });

  it('covers the v7 change: AccountDay writes its stage at waits and ends a day that will not trade at once', () => {
    const read = (f: string) => readFileSync(path.join(HISTORIES_DIR, f));
    const v7 = files.filter((f) => f.startsWith('AccountDay-') && f.endsWith('.v7.pb'));
    assert.ok(v7.length >= 7, v7.join(', '));
    for (const f of files.filter((f) => f.startsWith('AccountDay-')))
      assert.equal(read(f).includes(WAIT_STAGES_EARLY_END_PATCH), tagOf(f) >= 7, f);
    // The shapes it changes: a no-action day ends without a timer; a confirmed one writes fewer upserts.
    const events = (f: string) => temporal.api.history.v1.History.decode(read(f)).events;
    const count = (f: string, t: temporal.api.enums.v1.EventType) =>
      events(f).filter((e) => e.eventType === t).length;
    const T = temporal.api.enums.v1.EventType;
    assert.equal(
      count('AccountDay-no-action.v7.pb', T.EVENT_TYPE_TIMER_STARTED),
      0,
      'no wait for the window',
    );
    assert.equal(count('AccountDay-no-action.v6.pb', T.EVENT_TYPE_TIMER_STARTED), 1);
    const upserts = (f: string) =>
      count(f, T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES) +
      count(f, T.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED);
    assert.ok(
      upserts('AccountDay-auto-confirmed.v7.pb') < upserts('AccountDay-auto-confirmed.v6.pb') - 5,
      `${upserts('AccountDay-auto-confirmed.v7.pb')} upserts against ${upserts('AccountDay-auto-confirmed.v6.pb')}`,
    );
  });

  it('covers the v8 change: a trading account ends once booked, its batch matches the confirms', () => {
    const read = (f: string) => readFileSync(path.join(HISTORIES_DIR, f));
    const events = (f: string) => temporal.api.history.v1.History.decode(read(f)).events;
    const T = temporal.api.enums.v1.EventType;
    const count = (f: string, t: temporal.api.enums.v1.EventType) =>
      events(f).filter((e) => e.eventType === t).length;
    // Only a day that trades asks for the patch: a no-action or rejected one never reaches it.
    for (const f of ['AccountDay-auto-confirmed.v8.pb', 'AccountDay-manual-approved-confirmed.v8.pb'])
      assert.ok(read(f).includes(BATCH_CONFIRMS_PATCH), f);
    for (const f of files.filter((f) => f.startsWith('AccountDay-') && tagOf(f) < 8))
      assert.ok(!read(f).includes(BATCH_CONFIRMS_PATCH), f);
    // No timer left in an auto account's traded day (before: the window's and the confirms'),
    // and no confirm matching in it: the batch's history has that activity instead.
    assert.equal(count('AccountDay-auto-confirmed.v8.pb', T.EVENT_TYPE_TIMER_STARTED), 0);
    assert.ok(count('AccountDay-auto-confirmed.v7.pb', T.EVENT_TYPE_TIMER_STARTED) >= 2);
    assert.ok(!read('AccountDay-auto-confirmed.v8.pb').includes('matchConfirms'));
    assert.ok(read('AccountDay-auto-confirmed.v7.pb').includes('matchConfirms'));
    assert.ok(read('AccountBatch-completed.v8.pb').includes('matchBatchConfirms'));
    assert.ok(!read('AccountBatch-completed.v7.pb').includes('matchBatchConfirms'));
  });

  it('covers the v9 change: an approved account ends at its decision, its batch books the fills', () => {
    const read = (f: string) => readFileSync(path.join(HISTORIES_DIR, f));
    for (const f of ['AccountDay-auto-confirmed.v9.pb', 'AccountDay-manual-approved-confirmed.v9.pb'])
      assert.ok(read(f).includes(BATCH_BOOKS_PATCH), f);
    for (const f of files.filter((f) => f.startsWith('AccountDay-') && tagOf(f) < 9))
      assert.ok(!read(f).includes(BATCH_BOOKS_PATCH), f);
    // A day that does not reach an approval never asks.
    assert.ok(!read('AccountDay-no-action.v9.pb').includes(BATCH_BOOKS_PATCH));
    // The approved day no longer books (no blocksDone, no bookFills); the batch does, in one activity.
    for (const f of ['AccountDay-auto-confirmed.v9.pb', 'AccountDay-auto-approved.v9.pb']) {
      assert.ok(!read(f).includes('bookFills'), f);
      assert.ok(!read(f).includes('blocksDone'), f);
    }
    assert.ok(read('AccountDay-auto-confirmed.v8.pb').includes('bookFills'));
    assert.ok(read('AccountBatch-completed.v9.pb').includes('bookBatchFills'));
    assert.ok(!read('AccountBatch-completed.v8.pb').includes('bookBatchFills'));
    assert.ok(read('AccountBatch-booking-retried.v9.pb').includes('skipAccount'));
  });

  // The calendar table changes under running days: a year is added in answer to the coverage
  // warning, the workers restart, and the days in flight replay on the new table.
  it('a day that wrote the warning replays on a table with one more year (no warning now)', async () => {
    await replayWith('longer', 'DailyTradingDay-calendar-warning.v5.pb');
  });

  it('a day that wrote no warning replays on a table whose end is near (a warning now)', async () => {
    await replayWith('shorter', 'DailyTradingDay-completed.v4.pb');
  });

  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      const history = temporal.api.history.v1.History.decode(readFileSync(path.join(HISTORIES_DIR, file)));
      assert.ok(history.events.length > 5, 'a real history');
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
    });
  }
});

/** Replays `file` with the workflows bundled on test/support/calendar-tables/{table}.ts. */
async function replayWith(table: 'longer' | 'shorter', file: string): Promise<void> {
  // webpack comes with the SDK's bundler; its replacement plugin swaps the calendar's table.
  const requireFromWorker = createRequire(require.resolve('@temporalio/worker'));
  const webpack = requireFromWorker('webpack') as typeof import('webpack');
  const fixture = path.resolve(__dirname, '..', 'support', 'calendar-tables', `${table}.ts`);
  const bundle = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
    webpackConfigHook: (config) => {
      config.plugins = [
        ...(config.plugins ?? []),
        new webpack.NormalModuleReplacementPlugin(/^\.\/calendar-data$/, fixture),
      ];
      return config;
    },
  });
  assert.ok(bundle.code.includes(`test/support/calendar-tables/${table}.ts`), 'the fixture is bundled');
  const history = temporal.api.history.v1.History.decode(readFileSync(path.join(HISTORIES_DIR, file)));
  await Worker.runReplayHistory({ workflowBundle: bundle }, history, `${file} on the ${table} table`);
}
