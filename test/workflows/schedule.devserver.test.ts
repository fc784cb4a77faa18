/** The Temporal Schedule: created once, updated (not duplicated) on every start, weekdays 06:30 ET. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SCHEDULE_ID, ensureSchedule } from '../../temporal-config/schedule';
import { devServerEnv } from '../support/temporal';

describe('the daily Schedule', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await devServerEnv();
  });
  after(async () => env?.teardown());

  it('is created idempotently with a weekday 06:30 America/New_York calendar', async () => {
    assert.equal(await ensureSchedule(env.client, 'trading-day'), 'created');
    assert.equal(await ensureSchedule(env.client, 'trading-day'), 'updated');
    const ids: string[] = [];
    for await (const s of env.client.schedule.list()) ids.push(s.scheduleId);
    assert.deepEqual(ids, [SCHEDULE_ID]);
    const d = await env.client.schedule.getHandle(SCHEDULE_ID).describe();
    assert.equal(d.spec.timezone, 'America/New_York');
    const cal = d.spec.calendars?.[0];
    assert.ok(cal, 'a calendar spec');
    assert.deepEqual(cal.hour, [{ start: 6, end: 6, step: 1 }]);
    assert.deepEqual(cal.minute, [{ start: 30, end: 30, step: 1 }]);
    const days = (cal.dayOfWeek ?? []).flatMap((r) =>
      r.start === r.end ? [r.start] : [`${r.start}-${r.end}`],
    );
    assert.deepEqual(days, ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY']);
    assert.equal(d.action.type, 'startWorkflow');
    assert.equal(d.action.type === 'startWorkflow' && d.action.workflowType, 'ScheduledTradingDay');
    // The next runs fall on weekdays at 06:30 New York time (11:30Z in winter, 10:30Z in summer).
    for (const next of d.info.nextActionTimes.slice(0, 5)) {
      const ny = new Intl.DateTimeFormat('en-US', {
        timeZone: 'America/New_York',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hour12: false,
      }).format(next);
      assert.match(ny, /^(Mon|Tue|Wed|Thu|Fri),? 06:30$/, ny);
    }
  });
});
