import { describe, expect, it } from 'vitest';
import { nextRetryDelay, parseRetryAfter, retryPolicyFromBase } from './retry-policy';

describe('nextRetryDelay', () => {
  const policy = retryPolicyFromBase(10_000);

  it('doubles from the base, with up to half of each delay random', () => {
    expect(nextRetryDelay(1, policy, () => 0)).toBe(5_000);
    expect(nextRetryDelay(1, policy, () => 1)).toBe(10_000);
    expect(nextRetryDelay(3, policy, () => 0)).toBe(20_000);
    expect(nextRetryDelay(3, policy, () => 1)).toBe(40_000);
  });

  it('stops growing at the maximum delay', () => {
    expect(nextRetryDelay(30, policy, () => 1)).toBe(3_600_000);
    expect(nextRetryDelay(1000, policy, () => 1)).toBe(3_600_000);
  });

  it('retries for about a day in roughly 30 to 50 attempts', () => {
    let elapsed = 0;
    let attempts = 1;
    while (elapsed + nextRetryDelay(attempts, policy) <= policy.windowMs) {
      elapsed += nextRetryDelay(attempts, policy);
      attempts++;
    }
    expect(policy.windowMs).toBe(24 * 3600_000);
    expect(attempts).toBeGreaterThan(25);
    expect(attempts).toBeLessThan(60);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-05-14T12:00:00Z');

  it('reads seconds and HTTP dates, bounded by the maximum', () => {
    expect(parseRetryAfter('2', now, 60_000)).toBe(2_000);
    expect(parseRetryAfter('Thu, 14 May 2026 12:00:30 GMT', now, 60_000)).toBe(30_000);
    expect(parseRetryAfter('86400', now, 60_000)).toBe(60_000);
    expect(parseRetryAfter('Thu, 14 May 2026 11:00:00 GMT', now, 60_000)).toBe(0);
  });

  it('ignores a missing or unreadable header', () => {
    expect(parseRetryAfter(undefined, now, 60_000)).toBeUndefined();
    expect(parseRetryAfter('soon', now, 60_000)).toBeUndefined();
  });
});
