/**
 * A fixed-window counter of authentication failures per client address. Once an address has
 * `max` failures in the current window, every authenticated request from it is answered 429
 * with `Retry-After` until the window ends, whether its token is good or not: a guesser learns
 * nothing more. In memory, per process; the map is pruned so it cannot grow without bound.
 */
export interface AuthFailureLimit {
  /** Failures allowed per window and address (default 20). */
  max: number;
  /** Window length in milliseconds (default 60 s). */
  windowMs: number;
}

export const DEFAULT_AUTH_FAILURE_LIMIT: AuthFailureLimit = { max: 20, windowMs: 60_000 };

const MAX_TRACKED = 10_000;

export class AuthFailureLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(
    readonly limit: AuthFailureLimit = DEFAULT_AUTH_FAILURE_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  private current(key: string): { start: number; failures: number } | undefined {
    const w = this.windows.get(key);
    if (!w) return undefined;
    if (this.now() - w.start >= this.limit.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return w;
  }

  /** Seconds until `key` may try again, or 0 when it is not blocked. */
  retryAfter(key: string): number {
    const w = this.current(key);
    if (!w || w.failures < this.limit.max) return 0;
    return Math.max(1, Math.ceil((w.start + this.limit.windowMs - this.now()) / 1000));
  }

  /** Counts one failure for `key`. */
  fail(key: string): void {
    const w = this.current(key);
    if (w) {
      w.failures++;
      return;
    }
    if (this.windows.size >= MAX_TRACKED) this.prune();
    this.windows.set(key, { start: this.now(), failures: 1 });
  }

  private prune(): void {
    const t = this.now();
    for (const [k, w] of this.windows) if (t - w.start >= this.limit.windowMs) this.windows.delete(k);
    // Still full (a flood of distinct addresses): forget the oldest windows.
    while (this.windows.size >= MAX_TRACKED) {
      const oldest = this.windows.keys().next();
      if (oldest.done) break;
      this.windows.delete(oldest.value);
    }
  }
}
