import { ROUTES } from '@cariosan/protocol';
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../lib/errors';
import type { AppEnv } from '../app-env';

/** `/v1` paths served outside ROUTES, with their methods. */
const EXTRA_ROUTES: Array<[method: string, path: string]> = [
  ['GET', '/v1/openapi.json'],
  ['GET', '/v1/reference'],
  ['GET', '/v1/ws'],
];

interface KnownPath {
  pattern: RegExp;
  methods: Set<string>;
}

/** One regex per path pattern of the table, with every method it answers. */
function knownPaths(): KnownPath[] {
  const byPath = new Map<string, Set<string>>();
  const routes: Array<[string, string]> = [
    ...Object.values(ROUTES).map((route): [string, string] => [route.method, route.path]),
    ...EXTRA_ROUTES,
  ];
  for (const [method, path] of routes) {
    const methods = byPath.get(path) ?? new Set<string>();
    methods.add(method);
    if (method === 'GET') methods.add('HEAD');
    byPath.set(path, methods);
  }
  return [...byPath].map(([path, methods]) => ({
    pattern: new RegExp(`^${path.replace(/:[a-z_]+/g, '[^/]+')}/?$`),
    methods,
  }));
}

/**
 * Answers what the route table already knows, before any credential is looked at: a path no
 * route has is `404`, a known path with another method is `405` with `Allow`. So an
 * unauthenticated probe learns nothing but the public table, and a client bug gets the status
 * that names it (not a 401). `GET /v1/ws` without an upgrade is a `400` saying what to do.
 *
 * @example
 * v1.use(knownRoutes());
 * v1.use(authenticate(deps));
 */
export function knownRoutes(): MiddlewareHandler<AppEnv> {
  const paths = knownPaths();
  return async (c, next) => {
    const path = c.req.path;
    const known = paths.filter((entry) => entry.pattern.test(path));
    if (known.length === 0) {
      throw new AppError('not_found', `No route for ${c.req.method} ${path}`);
    }
    const method = c.req.method;
    if (method !== 'OPTIONS' && !known.some((entry) => entry.methods.has(method))) {
      const allow = [...new Set(known.flatMap((entry) => [...entry.methods]))].sort().join(', ');
      throw new AppError('method_not_allowed', `${path} does not answer ${method}`, {
        headers: { Allow: allow },
      });
    }
    if (path === '/v1/ws') {
      throw new AppError('invalid_request', 'GET /v1/ws is a WebSocket: send an Upgrade request', {
        headers: { Upgrade: 'websocket' },
      });
    }
    await next();
  };
}
