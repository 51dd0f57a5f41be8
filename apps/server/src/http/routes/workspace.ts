import { Hono } from 'hono';
import { AppError } from '../../lib/errors';
import type { AppEnv } from '../app-env';

/**
 * `GET /v1/workspace`: who the caller is, for either kind of credential. Lets a backend check
 * its configuration ("is this key pair right?") without side effects.
 *
 * @example
 * curl -H "Authorization: Bearer $CARIOSAN_API_KEY:$CARIOSAN_API_SECRET" localhost:8080/v1/workspace
 */
export function workspaceRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/workspace', (c) => {
    const auth = c.get('auth');
    if (!auth) throw new AppError('unauthorized', 'Not authenticated');
    return c.json({
      workspace_id: auth.workspaceId,
      api_key: auth.apiKey,
      caller: auth.kind === 'user' ? { kind: 'user', user_id: auth.userId } : { kind: 'server' },
    });
  });
  return routes;
}
