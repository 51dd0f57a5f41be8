import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './failure-limiter';

describe('FailureLimiter', () => {
  it('refuses a subject after max failures until the window ends', () => {
    let now = 1_000;
    const limiter = new FailureLimiter({ max: 3, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterMs('1.2.3.4')).toBe(0);
      limiter.recordFailure('1.2.3.4');
    }
    expect(limiter.retryAfterMs('1.2.3.4')).toBe(60_000);
    expect(limiter.retryAfterMs('5.6.7.8')).toBe(0);
    now += 60_000;
    expect(limiter.retryAfterMs('1.2.3.4')).toBe(0);
  });
});
