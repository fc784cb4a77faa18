/**
 * Long-running processes (the worker, `npm start`) say when the market calendar is running out: from
 * 180 days before its coverage ends, at start and once a day after (docs/calendar.md).
 */
import { utcToEtDate } from '../domain/calendar';
import { calendarCoverageWarning } from '../domain/calendar-coverage';

const DAY_MS = 86_400_000;

/** Checks today's (ET) date now and every day; returns a function that stops the checks. */
export function watchCalendarCoverage(opts: {
  warn: (message: string) => void;
  now?: () => Date;
  /** Check at once as well as every day (default true). */
  immediately?: boolean;
}): () => void {
  const now = opts.now ?? (() => new Date());
  const check = () => {
    const warning = calendarCoverageWarning(utcToEtDate(now().toISOString()));
    if (warning) opts.warn(warning.message);
  };
  if (opts.immediately ?? true) check();
  const timer = setInterval(check, DAY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
