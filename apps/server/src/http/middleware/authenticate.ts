import { parseServerCredentials } from '@cariosan/protocol';
import type { MiddlewareHandler } from 'hono';
import { verifyUserToken } from '../../auth/user-token';
import type { Deps } from '../../deps';
import { AppError } from '../../lib/errors';
import type { AppEnv } from '../app-env';
import { clientAddress, throttleSubject } from '../client-address';

/**
 * Requires `Authorization: Bearer <api_key>:<api_secret>` (a backend) or `Bearer <user JWT>`
 * (a user) and sets `c.var.auth`. Every failure is a 401 with the same shape; the presented
 * credential never reaches a log line or a response.
 *
 * @example
 * app.use('/v1/*', authenticate(deps));
 */
export function authenticate(deps: Deps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Whatever comes back is one workspace's data (or a refusal): no cache may keep it.
    c.header('Cache-Control', 'no-store');
    const header = c.req.header('authorization');
    if (!header) throw new AppError('unauthorized', 'Missing Authorization header');
    const serverCredentials = parseServerCredentials(header);
    if (serverCredentials) {
      const result = await deps.serverAuth.authenticate(
        serverCredentials,
        throttleSubject(clientAddress(c, deps.config.trustedProxies)),
      );
      if (!result.ok) {
        throw new AppError(result.error.code, result.error.message, {
          retryAfterSeconds:
            result.error.retryAfterMs === undefined ? undefined : result.error.retryAfterMs / 1000,
        });
      }
      c.set('auth', result.value);
      return next();
    }
    const bearer = /^Bearer\s+(eyJ[\w-]*\.[\w-]*\.[\w-]*)$/i.exec(header.trim());
    if (!bearer) {
      throw new AppError(
        'unauthorized',
        'Authorization must be Bearer <api_key>:<api_secret> or Bearer <user token>',
      );
    }
    const result = await verifyUserToken(bearer[1]!, {
      db: deps.database.db,
      keyStore: deps.keyStore,
      maxLifetimeSeconds: deps.config.jwtTtlHours * 3600,
      now: deps.now,
    });
    if (!result.ok) throw new AppError(result.error.code, result.error.message);
    c.set('auth', result.value);
    return next();
  };
}
