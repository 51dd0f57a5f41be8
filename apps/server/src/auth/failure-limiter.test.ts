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

  it('counts each subject in its own window, and forgets expired windows', () => {
    let now = 0;
    const limiter = new FailureLimiter({ max: 1, windowMs: 1_000 }, () => now);
    limiter.recordFailure('a');
    now = 500;
    limiter.recordFailure('b');
    expect(limiter.retryAfterMs('a')).toBe(500);
    expect(limiter.retryAfterMs('b')).toBe(1_000);
    now = 1_000;
    expect(limiter.retryAfterMs('a')).toBe(0);
    expect(limiter.retryAfterMs('b')).toBe(500);
  });
});
