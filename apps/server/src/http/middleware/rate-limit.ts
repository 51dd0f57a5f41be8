import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../lib/errors';
import { RateLimiter } from '../../lib/rate-limiter';
import type { AppEnv } from '../app-env';

/**
 * CARIOSAN_RATE_LIMIT: requests per second per workspace, counted after authentication.
 * Every answer carries `X-RateLimit-Limit` and `X-RateLimit-Remaining`; a refusal is 429 with
 * `Retry-After`.
 *
 * @example
 * v1.use(rateLimit(config.rateLimit));
 */
export function rateLimit(ratePerSecond: number, now?: () => number): MiddlewareHandler<AppEnv> {
  const limiter = new RateLimiter(ratePerSecond, now);
  return async (c, next) => {
    const auth = c.get('auth');
    if (!auth || ratePerSecond <= 0) return next();
    const decision = limiter.take(auth.workspaceId);
    const headers = {
      'X-RateLimit-Limit': String(decision.limit),
      'X-RateLimit-Remaining': String(decision.remaining),
    };
    if (!decision.allowed) {
      throw new AppError('rate_limited', 'Rate limit exceeded for this workspace', {
        retryAfterSeconds: decision.retryAfterSeconds,
        headers,
      });
    }
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    return next();
  };
}
