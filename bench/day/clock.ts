/**
 * The compressed clock of a benchmark day (bench:day, chaos, soak): the cut-off after the review
 * budget, the window one second later for its budget, the confirms after a delay, as instants
 * fixed when the day starts (`DailyTradingDay`'s `clockOverride`).
 */
import type { TradingDayInput } from '../../src/workflows/types';

/** Milliseconds after the day's start. */
export interface BenchClock {
  reviewMs: number;
  openMs: number;
  closeMs: number;
  confirmMs: number;
}

export function benchClock(
  reviewSeconds: number,
  windowSeconds: number,
  confirmDelaySeconds: number,
): BenchClock {
  const reviewMs = reviewSeconds * 1000;
  const openMs = reviewMs + 1000;
  const closeMs = openMs + windowSeconds * 1000;
  return { reviewMs, openMs, closeMs, confirmMs: closeMs + confirmDelaySeconds * 1000 };
}

/** The day's input with `clock` from `startMs` (epoch ms). */
export function benchDayInput(
  tradeDate: string,
  startMs: number,
  clock: BenchClock,
  opts: { fillPollSeconds: number; batchSize: number },
): TradingDayInput {
  const at = (ms: number) => new Date(startMs + ms).toISOString();
  return {
    tradeDate,
    clockOverride: {
      approvalCutoff: at(clock.reviewMs),
      windowOpen: at(clock.openMs),
      windowClose: at(clock.closeMs),
      confirmAt: at(clock.confirmMs),
    },
    fillPollSeconds: opts.fillPollSeconds,
    batchSize: opts.batchSize,
  };
}
