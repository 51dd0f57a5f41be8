import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { FailureLimiter } from '../../auth/failure-limiter';
import type { Cidr } from '../../lib/cidr';
import { AppError } from '../../lib/errors';
import type { AppEnv } from '../app-env';
import { clientAddress, throttleSubject } from '../client-address';

const digest = (value: string) => createHash('sha256').update(value).digest();

export interface AdminKeyOptions {
  /** `CARIOSAN_TRUSTED_PROXIES`: who may name the client in `X-Forwarded-For`. */
  trustedProxies?: readonly Cidr[];
  now?: () => number;
}

/**
 * Guards the admin API with `X-Admin-Key`. Digests of equal length are compared in constant
 * time, so neither the key's content nor its length leaks through timing. The comparison
 * comes first, so the correct key is accepted whatever anyone got wrong before; wrong keys
 * are counted per client address and, past 10 a minute, answered 429 instead of 401.
 *
 * @example
 * app.use('/admin/*', adminKey(config.adminKey, { trustedProxies: config.trustedProxies }));
 */
export function adminKey(
  expected: string,
  options: AdminKeyOptions = {},
): MiddlewareHandler<AppEnv> {
  const expectedDigest = digest(expected);
  const failures = new FailureLimiter({ max: 10, windowMs: 60_000 }, options.now);
  return async (c, next) => {
    // Admin answers carry credentials (shown once): no cache may keep them.
    c.header('Cache-Control', 'no-store');
    const presented = c.req.header('x-admin-key');
    if (presented && timingSafeEqual(digest(presented), expectedDigest)) return next();
    const address = throttleSubject(clientAddress(c, options.trustedProxies));
    const wait = failures.retryAfterMs(address);
    if (wait > 0) {
      throw new AppError('rate_limited', 'Too many failed admin authentication attempts', {
        retryAfterSeconds: wait / 1000,
      });
    }
    failures.recordFailure(address);
    throw new AppError('unauthorized', 'Missing or wrong X-Admin-Key');
  };
}
