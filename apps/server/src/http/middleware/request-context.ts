import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { ulid } from 'ulidx';
import type { Logger } from '../../lib/logger';
import type { Metrics } from '../../lib/metrics';
import type { AppEnv } from '../app-env';

const INCOMING_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * The caller's `X-Request-Id` when it is sane (1–64 of `[A-Za-z0-9_.:-]`), else a new
 * `req_` + ULID: the one rule for HTTP answers and refused WebSocket upgrades alike.
 *
 * @example
 * requestIdFrom(request.headers['x-request-id']); // 'req_01J…' or the caller's own
 */
export function requestIdFrom(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : `req_${ulid()}`;
}

/**
 * Gives every request an id (the caller's `X-Request-Id` when sane, else `req_` + ULID),
 * echoes it, and writes one access-log line. The path is logged without its query string,
 * which may carry user input.
 *
 * @example
 * app.use(requestContext(logger));
 */
export function requestContext(logger: Logger, metrics?: Metrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    c.header('X-Request-Id', requestId);
    const started = performance.now();
    await next();
    const auth = c.get('auth');
    const seconds = (performance.now() - started) / 1000;
    if (metrics) {
      // The route pattern, not the path: ids in paths would explode the series count.
      const labels = {
        method: c.req.method,
        route: routePath(c, -1) || 'unmatched',
        status: String(c.res.status),
      };
      metrics.counter('http_requests_total', 'HTTP requests by route and status', labels);
      metrics.observe(
        'http_request_duration_seconds',
        'HTTP request duration',
        { method: c.req.method, route: labels.route },
        seconds,
      );
    }
    logger.info('request', {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round(seconds * 100_000) / 100,
      ...(auth ? { workspace_id: auth.workspaceId } : {}),
      ...(auth?.kind === 'user' ? { user_id: auth.userId } : {}),
    });
  };
}
