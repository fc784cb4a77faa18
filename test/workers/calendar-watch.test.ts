import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { watchCalendarCoverage } from '../../src/workers/calendar-watch';

describe('the worker watches the calendar coverage', () => {
  it('says nothing while the end is more than 180 days away', () => {
    const warned: string[] = [];
    const stop = watchCalendarCoverage({
      warn: (m) => warned.push(m),
      now: () => new Date('2026-12-01T15:00:00Z'),
    });
    stop();
    assert.equal(warned.length, 0);
  });

  it('warns at start and once a day after, from 180 days before the end', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      let now = new Date('2028-07-03T15:00:00Z'); // 181 days before 2028-12-31
      const warned: string[] = [];
      const stop = watchCalendarCoverage({ warn: (m) => warned.push(m), now: () => now });
      assert.equal(warned.length, 0);
      now = new Date('2028-07-04T15:00:00Z');
      mock.timers.tick(86_400_000);
      assert.equal(warned.length, 1);
      assert.match(warned[0]!, /^market calendar: coverage ends 2028-12-31, 180 days after 2028-07-04;/);
      now = new Date('2029-01-05T15:00:00Z');
      mock.timers.tick(86_400_000);
      assert.match(warned[1]!, /^market calendar: coverage ended 2028-12-31, 5 days before 2029-01-05/);
      stop();
      mock.timers.tick(86_400_000);
      assert.equal(warned.length, 2);
    } finally {
      mock.timers.reset();
    }
  });

  it('uses the New York date: 23:30 ET on 2028-07-03 is still 181 days before', () => {
    const warned: string[] = [];
    watchCalendarCoverage({ warn: (m) => warned.push(m), now: () => new Date('2028-07-04T03:30:00Z') })();
    assert.equal(warned.length, 0);
    watchCalendarCoverage({ warn: (m) => warned.push(m), now: () => new Date('2028-07-04T04:30:00Z') })();
    assert.equal(warned.length, 1);
  });
});
