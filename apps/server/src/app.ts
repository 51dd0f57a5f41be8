import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { controlRoutes } from './control/control-routes';
import type { Deps } from './deps';
import type { AppEnv } from './http/app-env';
import { errorResponse } from './http/errors';
import { discardBody } from './http/http-server';
import { adminKey } from './http/middleware/admin-key';
import { authenticate } from './http/middleware/authenticate';
import { knownRoutes } from './http/middleware/known-routes';
import { rateLimit } from './http/middleware/rate-limit';
import { requestContext } from './http/middleware/request-context';
import { channelRoutes } from './http/routes/channels';
import { healthRoutes } from './http/routes/health';
import { messageRoutes } from './http/routes/messages';
import { openApiRoutes } from './http/routes/openapi';
import { userRoutes } from './http/routes/users';
import { webhookRoutes } from './http/routes/webhooks';
import { workspaceRoutes } from './http/routes/workspace';
import { AppError, toAppError } from './lib/errors';

/** Largest JSON body accepted: a message is ≤ 8 KB, so 1 MiB leaves room for batches. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** How much of an oversized body is read and dropped so the client sees its 413. */
const DISCARD_BYTES = 64 * 1024 * 1024;
const DISCARD_MS = 5_000;

/**
 * The public HTTP app: health, then `/v1` behind authentication. Every error, including 404
 * and malformed JSON, leaves in SPEC's `{"error":{code,message,request_id}}` shape.
 *
 * @example
 * serve({ fetch: createApp(deps).fetch, port: 8080 });
 */
export function createApp(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestContext(deps.logger, deps.metrics));
  app.route('/', healthRoutes(deps));

  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: async (c) => {
      // Answering while the client still uploads, then closing, resets the connection under
      // it and many clients (undici) report the reset, not the 413: let the upload finish.
      await discardBody(c.req.raw.body, DISCARD_BYTES, DISCARD_MS);
      throw new AppError('payload_too_large', `Body exceeds ${MAX_BODY_BYTES} bytes`, {
        headers: { Connection: 'close' },
      });
    },
  });
  const v1 = new Hono<AppEnv>();
  const origins = deps.config.corsOrigins;
  if (origins === '*' || origins.length > 0) {
    // Before authentication: a preflight carries no credentials. Bearer tokens, never
    // cookies, so no Access-Control-Allow-Credentials.
    v1.use(
      cors({
        origin: origins,
        allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
        exposeHeaders: [
          'X-Request-Id',
          'Retry-After',
          'X-RateLimit-Limit',
          'X-RateLimit-Remaining',
        ],
        maxAge: 600,
      }),
    );
  }
  // 404 and 405 come from the route table, before any credential is looked at.
  v1.use(knownRoutes());
  // The API description is public: it holds no workspace data.
  v1.route('/', openApiRoutes());
  v1.use(limitBody);
  v1.use(authenticate(deps));
  v1.use(rateLimit(deps.config.rateLimit, deps.now));
  v1.route('/', workspaceRoutes());
  v1.route('/users', userRoutes(deps));
  v1.route('/channels', channelRoutes(deps));
  v1.route('/channels/:channel_id', messageRoutes(deps));
  v1.route('/webhooks', webhookRoutes(deps));
  app.route('/v1', v1);

  if (deps.config.adminKey) {
    // Off unless CARIOSAN_ADMIN_KEY is set: workspaces are otherwise only made by the CLI.
    const admin = new Hono<AppEnv>();
    admin.use(
      limitBody,
      adminKey(deps.config.adminKey, { trustedProxies: deps.config.trustedProxies }),
    );
    admin.route('/', controlRoutes(deps, 'admin-api'));
    app.route('/admin', admin);
  }

  app.notFound((c) =>
    errorResponse(c, new AppError('not_found', `No route for ${c.req.method} ${c.req.path}`)),
  );
  app.onError((error, c) => {
    const appError = toAppError(error);
    if (appError.code === 'internal_error') {
      deps.logger.error('unhandled error', { request_id: c.get('requestId'), error });
    }
    return errorResponse(c, appError);
  });
  return app;
}
