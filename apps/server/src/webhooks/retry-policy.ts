/**
 * When failed deliveries are tried again and when they are given up on.
 *
 * @example
 * const policy: RetryPolicy = { baseMs: 10_000, maxDelayMs: 3_600_000, windowMs: 86_400_000 };
 */
export interface RetryPolicy {
  /** Delay after the first failed attempt; doubles with every further one. */
  baseMs: number;
  /** Longest delay between two attempts. */
  maxDelayMs: number;
  /** How long after its first attempt a delivery is retried before it is dead. */
  windowMs: number;
}

/**
 * The production schedule scaled from one number: 10 s doubling up to an hour, for a day
 * (about 40 attempts). Tests pass a small base to run the same schedule in milliseconds.
 *
 * @example
 * retryPolicyFromBase(10_000); // { baseMs: 10000, maxDelayMs: 3600000, windowMs: 86400000 }
 */
export function retryPolicyFromBase(baseMs: number): RetryPolicy {
  return { baseMs, maxDelayMs: baseMs * 360, windowMs: baseMs * 8_640 };
}

/**
 * The delay before the next attempt after `attempts` failed ones: exponential with "equal
 * jitter" (half fixed, half random), so a receiver that comes back is not hit by every
 * endpoint's retries at the same instant, yet no retry comes much sooner than planned.
 *
 * @example
 * nextRetryDelay(3, retryPolicyFromBase(10_000)); // between 20 s and 40 s
 */
export function nextRetryDelay(
  attempts: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 40);
  const delay = Math.min(policy.baseMs * 2 ** exponent, policy.maxDelayMs);
  return Math.round(delay / 2 + (random() * delay) / 2);
}

/**
 * Reads `Retry-After` (delta seconds or an HTTP date) into milliseconds from now; undefined
 * when absent or unreadable. Bounded by `maxMs`, so a receiver cannot park a delivery beyond
 * its retry window.
 *
 * @example
 * parseRetryAfter('120', Date.now(), 3_600_000); // 120000
 */
export function parseRetryAfter(
  header: string | undefined,
  now: number,
  maxMs: number,
): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  let ms: number;
  if (/^\d+$/.test(value)) ms = Number(value) * 1000;
  else {
    const date = Date.parse(value);
    if (Number.isNaN(date)) return undefined;
    ms = date - now;
  }
  return Math.min(Math.max(ms, 0), maxMs);
}
