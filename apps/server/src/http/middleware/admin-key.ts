import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { FailureLimiter } from '../../auth/failure-limiter';
import type { AppEnv } from '../app-env';
import { clientAddress } from '../client-address';
import { ApiError } from '../errors';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Guards the admin API with `X-Admin-Key`. Digests of equal length are compared in constant
 * time, so neither the key's content nor its length leaks through timing; failures are
 * limited per client address.
 *
 * @example
 * app.use('/admin/*', adminKey(config.adminKey));
 */
export function adminKey(expected: string): MiddlewareHandler<AppEnv> {
  const expectedDigest = digest(expected);
  const failures = new FailureLimiter({ max: 10, windowMs: 60_000 });
  return async (c, next) => {
    const address = clientAddress(c);
    const wait = failures.retryAfterMs(address);
    if (wait > 0) {
      throw new ApiError('rate_limited', 'Too many failed admin authentication attempts', {
        retryAfterSeconds: wait / 1000,
      });
    }
    const presented = c.req.header('x-admin-key');
    if (!presented || !timingSafeEqual(digest(presented), expectedDigest)) {
      failures.recordFailure(address);
      throw new ApiError('unauthorized', 'Missing or wrong X-Admin-Key');
    }
    return next();
  };
}
