import {
  CreateWebhookBody,
  ListWebhookDeliveriesQuery,
  ListWebhooksQuery,
  UpdateWebhookBody,
} from '@cariosan/protocol';
import { Hono } from 'hono';
import type { Deps } from '../../deps';
import { createAddressPolicy } from '../../webhooks/address-policy';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  listWebhooks,
  redeliver,
  sendTestEvent,
  updateWebhook,
} from '../../webhooks/webhook.service';
import { createWebhookSender } from '../../webhooks/webhook-sender';
import { requireServer } from '../actor';
import type { AppEnv } from '../app-env';
import { pathParam } from '../params';
import { parseInput, readJson } from '../validate';

/**
 * `/v1/webhooks`: endpoints, their delivery log, redelivery and a test event. Webhooks are
 * the backend's business, so every route needs the server key pair (a user token gets 403).
 *
 * @example
 * v1.route('/webhooks', webhookRoutes(deps));
 */
export function webhookRoutes(deps: Deps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const db = deps.database.db;
  const policy = createAddressPolicy({
    blockPrivate: deps.config.webhookBlockPrivate,
    allowHosts: deps.config.webhookAllowHosts,
  });
  const options = { policy };
  // Test events go out at once with the same rules as deliveries (no redirects, timeout,
  // address policy, nothing of the answer but its status).
  const sender = createWebhookSender({
    timeoutMs: deps.config.webhookTimeoutMs,
    policy,
    maxSockets: 4,
  });
  routes.use(async (c, next) => {
    requireServer(c.get('auth'));
    await next();
  });
  const workspaceOf = (c: { get(key: 'auth'): AppEnv['Variables']['auth'] }) =>
    c.get('auth')!.workspaceId;

  routes.post('/', async (c) => {
    const body = await readJson(c, CreateWebhookBody);
    return c.json(await createWebhook(db, options, workspaceOf(c), body), 201);
  });
  routes.get('/', async (c) => {
    const query = parseInput(ListWebhooksQuery, c.req.query());
    return c.json(await listWebhooks(db, workspaceOf(c), query));
  });
  routes.get('/:webhook_id', async (c) =>
    c.json(await getWebhook(db, workspaceOf(c), pathParam(c, 'webhook_id'))),
  );
  routes.patch('/:webhook_id', async (c) => {
    const webhookId = pathParam(c, 'webhook_id');
    const body = await readJson(c, UpdateWebhookBody);
    return c.json(await updateWebhook(db, options, workspaceOf(c), webhookId, body));
  });
  routes.delete('/:webhook_id', async (c) =>
    c.json(await deleteWebhook(db, workspaceOf(c), pathParam(c, 'webhook_id'))),
  );
  routes.post('/:webhook_id/test', async (c) => {
    const webhookId = pathParam(c, 'webhook_id');
    const testDeps = { db, masterKey: deps.masterKey, sender, now: deps.now };
    return c.json(await sendTestEvent(testDeps, workspaceOf(c), webhookId));
  });
  routes.get('/:webhook_id/deliveries', async (c) => {
    const webhookId = pathParam(c, 'webhook_id');
    const query = parseInput(ListWebhookDeliveriesQuery, c.req.query());
    return c.json(await listDeliveries(db, workspaceOf(c), webhookId, query));
  });
  routes.post('/:webhook_id/deliveries/:delivery_id/redeliver', async (c) => {
    const webhookId = pathParam(c, 'webhook_id');
    const deliveryId = pathParam(c, 'delivery_id');
    return c.json(await redeliver(db, workspaceOf(c), webhookId, deliveryId));
  });
  return routes;
}
