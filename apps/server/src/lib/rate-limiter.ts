/** The outcome of taking one token: whether the request may go on, and what to tell the caller. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until a token is available again (only meaningful when refused). */
  retryAfterSeconds: number;
}

/**
 * Token buckets per key (a workspace): `ratePerSecond` sustained, bursts up to one second's
 * worth. Per node: a fleet of N nodes behind a balancer admits up to N times the rate.
 *
 * @example
 * const limiter = new RateLimiter(100);
 * const decision = limiter.take(workspaceId);
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(
    readonly ratePerSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): RateDecision {
    const now = this.now();
    const ratePerSecond = this.ratePerSecond;
    const capacity = ratePerSecond;
    const bucket = this.#buckets.get(key) ?? { tokens: capacity, updatedAt: now };
    bucket.tokens = Math.min(
      capacity,
      bucket.tokens + ((now - bucket.updatedAt) / 1000) * ratePerSecond,
    );
    bucket.updatedAt = now;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > 100_000) this.#buckets.delete(this.#buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return {
        allowed: true,
        limit: capacity,
        remaining: Math.floor(bucket.tokens),
        retryAfterSeconds: 0,
      };
    }
    return {
      allowed: false,
      limit: capacity,
      remaining: 0,
      retryAfterSeconds: (1 - bucket.tokens) / ratePerSecond,
    };
  }
}
