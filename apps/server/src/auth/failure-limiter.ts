/** How many failures a subject may have within the window before it is refused outright. */
export interface FailureLimit {
  max: number;
  windowMs: number;
}

/**
 * Counts failed authentication attempts per subject (a client address) in a fixed window.
 * Ask it only after the credential was found wrong: a limit in front of the check would let
 * one client's failures refuse another's correct credential.
 *
 * @example
 * const limiter = new FailureLimiter({ max: 10, windowMs: 60_000 });
 * if (!correct) {
 *   if (limiter.retryAfterMs(ip) > 0) return tooManyAttempts();
 *   limiter.recordFailure(ip);
 * }
 */
export class FailureLimiter {
  readonly #limit: FailureLimit;
  readonly #now: () => number;
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(limit: FailureLimit, now: () => number = Date.now) {
    this.#limit = limit;
    this.#now = now;
  }

  /** 0 when the subject may try again now, else how long until it may. */
  retryAfterMs(subject: string): number {
    const window = this.#windows.get(subject);
    if (!window) return 0;
    const now = this.#now();
    if (window.resetAt <= now) {
      this.#windows.delete(subject);
      return 0;
    }
    return window.count >= this.#limit.max ? window.resetAt - now : 0;
  }

  recordFailure(subject: string): void {
    const now = this.#now();
    const window = this.#windows.get(subject);
    if (!window || window.resetAt <= now) {
      this.#windows.set(subject, { count: 1, resetAt: now + this.#limit.windowMs });
    } else {
      window.count++;
    }
    if (this.#windows.size > 100_000) this.#sweep(now);
  }

  #sweep(now: number): void {
    for (const [subject, window] of this.#windows)
      if (window.resetAt <= now) this.#windows.delete(subject);
  }
}
