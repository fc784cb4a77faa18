/**
 * The workflows' side of the market calendar: what a calendar error does to a run, and the day's memo.
 *
 * The day's memo says when the market calendar is running out: `calendarWarning` (docs/calendar.md,
 * "Near and beyond the end"), from 180 days before the coverage end.
 *
 * Workflow change `calendar-coverage-memo` (docs/workflow-changes.md): the memo write is a command,
 * made only when there is a warning, so ordinary days issue nothing new. A replay follows its history,
 * not today's table: the table does change under a running day (a year is added in answer to this very
 * warning, and the worker restarts), so on replay the recorded marker decides whether the memo was
 * written, and the table is not asked.
 */
import { ApplicationFailure, patched, upsertMemo, workflowInfo } from '@temporalio/workflow';
import { CalendarCoverageError } from '../domain/calendar';
import { calendarCoverageWarning } from '../domain/calendar-coverage';

export const CALENDAR_MEMO_PATCH = 'calendar-coverage-memo';

export function memoCalendarWarning(tradeDate: string): void {
  const warning = calendarCoverageWarning(tradeDate);
  // Not replaying, no warning: no marker, no memo. Replaying, patched() answers from the history
  // (true only where the marker was recorded) and adds no command of its own.
  if (warning === undefined && !workflowInfo().unsafe.isReplaying) return;
  if (!patched(CALENDAR_MEMO_PATCH)) return;
  upsertMemo({ calendarWarning: warning?.message ?? null });
}

/**
 * A calendar error ends the day (retrying cannot help): a date beyond the coverage keeps the
 * calendar's own message, which says what to do.
 */
export function calendarFailure(e: unknown): ApplicationFailure {
  const message = (e as Error).message;
  return ApplicationFailure.nonRetryable(
    e instanceof CalendarCoverageError ? message : `calendar: ${message}`,
    'CalendarError',
  );
}
