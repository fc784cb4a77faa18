/** Process configuration: the worker sizing knobs are validated at the edge and reach the worker. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig, workerTuning } from '../src/config';

describe('configuration', () => {
  it('worker sizing defaults: 50 activities, 100 local activities, 40 workflow tasks, pool 10, SDK cache', () => {
    const cfg = loadConfig({});
    assert.equal(cfg.DB_POOL_MAX, 10);
    assert.deepEqual(workerTuning(cfg), {
      maxConcurrentActivityTaskExecutions: 50,
      maxConcurrentLocalActivityExecutions: 100,
      maxConcurrentWorkflowTaskExecutions: 40,
    });
  });

  it('worker sizing from the environment', () => {
    const cfg = loadConfig({
      DB_POOL_MAX: '24',
      WORKER_MAX_ACTIVITIES: '80',
      WORKER_MAX_LOCAL_ACTIVITIES: '30',
      WORKER_MAX_WORKFLOW_TASKS: '20',
      WORKER_MAX_CACHED_WORKFLOWS: '12000',
    });
    assert.equal(cfg.DB_POOL_MAX, 24);
    assert.deepEqual(workerTuning(cfg), {
      maxConcurrentActivityTaskExecutions: 80,
      maxConcurrentLocalActivityExecutions: 30,
      maxConcurrentWorkflowTaskExecutions: 20,
      maxCachedWorkflows: 12000,
    });
  });

  it('a bad value stops with the variable name and the reason', () => {
    assert.throws(
      () => loadConfig({ WORKER_MAX_WORKFLOW_TASKS: '1', DB_POOL_MAX: 'ten' }),
      (e: Error) =>
        /WORKER_MAX_WORKFLOW_TASKS: .*(greater than or equal to 2|>=\s*2)/i.test(e.message) &&
        /DB_POOL_MAX: .*number/i.test(e.message),
    );
    assert.throws(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '-5' }), /WORKER_MAX_CACHED_WORKFLOWS/);
  });
});
