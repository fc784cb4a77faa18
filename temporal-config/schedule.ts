/**
 * The Temporal Schedule that runs the trading day every weekday at 06:30 America/New_York.
 * Created or updated idempotently by `npm start` and `npm run cli -- schedule`. The workflow
 * itself checks the NYSE calendar, so a holiday never trades even if this spec fires.
 */
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';

export const SCHEDULE_ID = 'daily-trading-day';

export function scheduleSpec() {
  return {
    calendars: [
      {
        dayOfWeek: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] as (
          | 'MONDAY'
          | 'TUESDAY'
          | 'WEDNESDAY'
          | 'THURSDAY'
          | 'FRIDAY'
        )[],
        hour: 6,
        minute: 30,
        comment: 'every weekday 06:30 ET; holidays are skipped by the workflow',
      },
    ],
    timezone: 'America/New_York',
  };
}

export async function ensureSchedule(client: Client, taskQueue: string): Promise<'created' | 'updated'> {
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'ScheduledTradingDay',
    taskQueue,
    args: [{}],
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' as const };
  try {
    await client.schedule.create({ scheduleId: SCHEDULE_ID, spec: scheduleSpec(), action, policies });
    return 'created';
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
    await client.schedule
      .getHandle(SCHEDULE_ID)
      .update((prev) => ({ ...prev, spec: scheduleSpec(), action, policies }));
    return 'updated';
  }
}
