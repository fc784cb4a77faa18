/**
 * Fixed-window counters for the API's two rate limits (docs/security.md, "Limits"):
 *
 * - authentication failures, counted per presented credential (the SHA-256 of the header value)
 *   and per source address. A credential past its limit is 429 before any look-up; a source past
 *   its limit gets 429 for every credential that does not verify, but a valid token is always
 *   served: one caller's failures never lock out somebody else's token from the same address
 *   (a proxy, a NAT). Tokens are 32 random bytes, so letting a blocked source still present
 *   tokens teaches a guesser nothing.
 * - requests per authenticated principal (token), so a token cannot flood the workflows or the
 *   audit log.
 *
 * In memory, per process; the maps are pruned so they cannot grow without bound.
 */
import { createHash } from 'node:crypto';

export interface AuthFailureLimit {
  /** Failures allowed per window and presented credential (default 20). */
  max: number;
  /** Window length in milliseconds (default 60 s). */
  windowMs: number;
  /** Failures allowed per window and source address, any credential (default 5 × max). */
  sourceMax?: number;
}

export interface RequestRateLimit {
  /** Authenticated requests allowed per window and token (default 600). */
  max: number;
  /** Window length in milliseconds (default 60 s). */
  windowMs: number;
}

export const DEFAULT_AUTH_FAILURE_LIMIT: AuthFailureLimit = { max: 20, windowMs: 60_000 };
export const DEFAULT_REQUEST_RATE_LIMIT: RequestRateLimit = { max: 600, windowMs: 60_000 };

const MAX_TRACKED = 10_000;

/** A fixed-window counter per key: `hit` counts, `retryAfter` says how long `key` must wait. */
export class WindowCounter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private current(key: string): { start: number; count: number } | undefined {
    const w = this.windows.get(key);
    if (!w) return undefined;
    if (this.now() - w.start >= this.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return w;
  }

  /** Seconds until `key` is under its limit again, or 0 when it is not over it. */
  retryAfter(key: string): number {
    const w = this.current(key);
    if (!w || w.count < this.max) return 0;
    return Math.max(1, Math.ceil((w.start + this.windowMs - this.now()) / 1000));
  }

  /** Counts one for `key`. */
  hit(key: string): void {
    const w = this.current(key);
    if (w) {
      w.count++;
      return;
    }
    if (this.windows.size >= MAX_TRACKED) this.prune();
    this.windows.set(key, { start: this.now(), count: 1 });
  }

  private prune(): void {
    const t = this.now();
    for (const [k, w] of this.windows) if (t - w.start >= this.windowMs) this.windows.delete(k);
    // Still full (a flood of distinct keys): forget the oldest windows.
    while (this.windows.size >= MAX_TRACKED) {
      const oldest = this.windows.keys().next();
      if (oldest.done) break;
      this.windows.delete(oldest.value);
    }
  }
}

/** What a presented credential is counted under: never the credential itself. */
export function credentialKey(presented: string): string {
  return createHash('sha256').update(presented, 'utf8').digest('hex');
}

/** Authentication failures per presented credential and per source (see the module comment). */
export class AuthFailureLimiter {
  readonly byCredential: WindowCounter;
  readonly bySource: WindowCounter;

  constructor(
    readonly limit: AuthFailureLimit = DEFAULT_AUTH_FAILURE_LIMIT,
    now: () => number = Date.now,
  ) {
    this.byCredential = new WindowCounter(limit.max, limit.windowMs, now);
    this.bySource = new WindowCounter(limit.sourceMax ?? limit.max * 5, limit.windowMs, now);
  }

  /** Seconds this credential must wait (it failed too often), 0 when it may be checked. */
  credentialWait(credential: string | undefined): number {
    return credential === undefined ? 0 : this.byCredential.retryAfter(credentialKey(credential));
  }

  /** Seconds a source must wait before anything but a valid token is answered, 0 when none. */
  sourceWait(source: string): number {
    return this.bySource.retryAfter(source);
  }

  /** Counts one failure of `credential` (undefined: none presented) from `source`. */
  fail(source: string, credential: string | undefined): void {
    this.bySource.hit(source);
    if (credential !== undefined) this.byCredential.hit(credentialKey(credential));
  }
}
