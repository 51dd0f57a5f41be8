import { Hono } from 'hono';
import type { Deps } from '../../deps';
import type { AppEnv } from '../app-env';

/**
 * `/healthz`: the process answers. `/readyz`: the database answers and no migration is
 * pending, so a load balancer only routes to nodes that can serve.
 *
 * @example
 * app.route('/', healthRoutes(deps));
 */
export function healthRoutes(deps: Deps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/healthz', (c) => c.json({ status: 'ok' }));
  routes.get('/readyz', async (c) => {
    const ready = await deps.database.isReady().catch(() => false);
    return ready ? c.json({ status: 'ready' }) : c.json({ status: 'not_ready' }, 503);
  });
  // Aggregates only (no tenant ids in labels), so it is safe without credentials; expose the
  // port to your scraper, not the internet, all the same.
  routes.get('/metrics', (c) =>
    c.text(deps.metrics.render(), 200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    }),
  );
  return routes;
}
