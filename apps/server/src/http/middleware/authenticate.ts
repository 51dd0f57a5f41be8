import { parseServerCredentials } from '@cariosan/protocol';
import type { MiddlewareHandler } from 'hono';
import { verifyUserToken } from '../../auth/user-token';
import type { Deps } from '../../deps';
import type { AppEnv } from '../app-env';
import { clientAddress, throttleSubject } from '../client-address';
import { ApiError } from '../errors';

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
    const header = c.req.header('authorization');
    if (!header) throw new ApiError('unauthorized', 'Missing Authorization header');
    const serverCredentials = parseServerCredentials(header);
    if (serverCredentials) {
      const result = await deps.serverAuth.authenticate(
        serverCredentials,
        throttleSubject(clientAddress(c, deps.config.trustedProxies)),
      );
      if (!result.ok) {
        throw new ApiError(result.error.code, result.error.message, {
          retryAfterSeconds:
            result.error.retryAfterMs === undefined ? undefined : result.error.retryAfterMs / 1000,
        });
      }
      c.set('auth', result.value);
      return next();
    }
    const bearer = /^Bearer\s+(eyJ[\w-]*\.[\w-]*\.[\w-]*)$/i.exec(header.trim());
    if (!bearer) {
      throw new ApiError(
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
    if (!result.ok) throw new ApiError(result.error.code, result.error.message);
    c.set('auth', result.value);
    return next();
  };
}
