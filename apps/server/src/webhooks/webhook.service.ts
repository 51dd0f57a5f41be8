import {
  type CreateWebhookBody,
  type Deleted,
  MAX_WEBHOOKS_PER_WORKSPACE,
  type UpdateWebhookBody,
  WEBHOOK_TEST_EVENT,
  type Webhook,
  type WebhookDelivery,
  type WebhookDeliveryPage,
  type WebhookDeliveryStatus,
  type WebhookPage,
  type WebhookTestResult,
} from '@cariosan/protocol';
import type { Kysely } from 'kysely';
import { ulid } from 'ulidx';
import type { DB } from '../db/database';
import { withWorkspace } from '../db/scope';
import { decodeCursor, encodeCursor } from '../lib/cursor';
import { AppError } from '../lib/errors';
import type { AddressPolicy } from './address-policy';
import { loadSigningKeys } from './signing-keys';
import { toDelivery, toWebhook } from './webhook.mapper';
import * as repo from './webhook.repository';
import type { WebhookSender } from './webhook-sender';
import { signDelivery } from './webhook-signer';

/** What endpoint management needs besides the database. */
export interface WebhookServiceOptions {
  /** CARIOSAN_WEBHOOK_BLOCK_PRIVATE and CARIOSAN_WEBHOOK_ALLOW_HOSTS. */
  policy: AddressPolicy;
}

const notFound = (webhookId: string) => new AppError('not_found', `No such webhook: ${webhookId}`);

/** Refuses a URL the address policy refuses; the answer names neither host nor address. */
async function checkUrl(url: string, options: WebhookServiceOptions): Promise<void> {
  if (await options.policy.check(new URL(url))) return;
  throw new AppError(
    'invalid_request',
    'url: private, loopback and link-local addresses are refused on this server (its operator can allow hosts with CARIOSAN_WEBHOOK_ALLOW_HOSTS)',
    { field: 'url' },
  );
}

/**
 * Creates an endpoint; deliveries start with the next event of its types.
 *
 * @example
 * const webhook = await createWebhook(db, options, workspaceId, { url, events: ['message.new'], enabled: true });
 */
export async function createWebhook(
  db: Kysely<DB>,
  options: WebhookServiceOptions,
  workspaceId: string,
  body: CreateWebhookBody,
): Promise<Webhook> {
  await checkUrl(body.url, options);
  return withWorkspace(db, workspaceId, async (trx) => {
    if ((await repo.countWebhookRows(trx, workspaceId)) >= MAX_WEBHOOKS_PER_WORKSPACE) {
      throw new AppError(
        'conflict',
        `A workspace has at most ${MAX_WEBHOOKS_PER_WORKSPACE} webhooks; delete one first`,
      );
    }
    const row = await repo.insertWebhookRow(trx, {
      workspace_id: workspaceId,
      id: `wh_${ulid()}`,
      url: body.url,
      events: body.events,
      enabled: body.enabled,
      disabled_reason: body.enabled ? null : 'disabled on request',
    });
    return toWebhook(row);
  });
}

/**
 * Endpoints by id, keyset-paginated.
 *
 * @example
 * const page = await listWebhooks(db, workspaceId, { limit: 50 });
 */
export function listWebhooks(
  db: Kysely<DB>,
  workspaceId: string,
  query: { limit: number; cursor?: string },
): Promise<WebhookPage> {
  const after = query.cursor === undefined ? undefined : String(decodeCursor(query.cursor, 1)[0]);
  return withWorkspace(db, workspaceId, async (trx) => {
    const rows = await repo.listWebhookRows(trx, workspaceId, query.limit + 1, after);
    const items = rows.slice(0, query.limit).map(toWebhook);
    const last = items[items.length - 1];
    return {
      items,
      next_cursor: rows.length > query.limit && last ? encodeCursor([last.id]) : null,
    };
  });
}

/**
 * @example
 * const webhook = await getWebhook(db, workspaceId, 'wh_…');
 */
export function getWebhook(db: Kysely<DB>, workspaceId: string, webhookId: string) {
  return withWorkspace(db, workspaceId, async (trx) => {
    const row = await repo.findWebhookRow(trx, workspaceId, webhookId);
    if (!row) throw notFound(webhookId);
    return toWebhook(row);
  });
}

/**
 * Changes an endpoint. Enabling it, or pointing it at a new URL, starts a new run (failures
 * back to 0, reason cleared) and retries at once what waited meanwhile.
 *
 * @example
 * await updateWebhook(db, options, workspaceId, 'wh_…', { enabled: true });
 */
export async function updateWebhook(
  db: Kysely<DB>,
  options: WebhookServiceOptions,
  workspaceId: string,
  webhookId: string,
  body: UpdateWebhookBody,
): Promise<Webhook> {
  if (body.url !== undefined) await checkUrl(body.url, options);
  return withWorkspace(db, workspaceId, async (trx) => {
    const current = await repo.findWebhookRow(trx, workspaceId, webhookId);
    if (!current) throw notFound(webhookId);
    const enabled = body.enabled ?? current.enabled;
    const fresh =
      enabled && (!current.enabled || (body.url !== undefined && body.url !== current.url));
    const row = await repo.updateWebhookRow(trx, workspaceId, webhookId, {
      ...(body.url !== undefined ? { url: body.url } : {}),
      ...(body.events !== undefined ? { events: body.events } : {}),
      enabled,
      ...(enabled ? { disabled_reason: null } : {}),
      ...(!enabled && current.enabled ? { disabled_reason: 'disabled on request' } : {}),
      ...(fresh ? { consecutive_failures: 0 } : {}),
    });
    if (!row) throw notFound(webhookId);
    if (fresh) await repo.scheduleWaitingDeliveries(trx, workspaceId, webhookId, 'resume');
    if (!enabled && current.enabled)
      await repo.scheduleWaitingDeliveries(trx, workspaceId, webhookId, 'park');
    return toWebhook(row);
  });
}

/**
 * Deletes an endpoint and its delivery log; nothing more is sent to it.
 *
 * @example
 * await deleteWebhook(db, workspaceId, 'wh_…');
 */
export function deleteWebhook(
  db: Kysely<DB>,
  workspaceId: string,
  webhookId: string,
): Promise<Deleted> {
  return withWorkspace(db, workspaceId, async (trx) => {
    if (!(await repo.deleteWebhookRow(trx, workspaceId, webhookId))) throw notFound(webhookId);
    return { id: webhookId, deleted: true as const };
  });
}

/**
 * An endpoint's deliveries, newest first.
 *
 * @example
 * const page = await listDeliveries(db, workspaceId, 'wh_…', { limit: 50, status: 'dead' });
 */
export function listDeliveries(
  db: Kysely<DB>,
  workspaceId: string,
  webhookId: string,
  query: { limit: number; cursor?: string; status?: WebhookDeliveryStatus },
): Promise<WebhookDeliveryPage> {
  const before = query.cursor === undefined ? undefined : String(decodeCursor(query.cursor, 1)[0]);
  return withWorkspace(db, workspaceId, async (trx) => {
    if (!(await repo.findWebhookRow(trx, workspaceId, webhookId))) throw notFound(webhookId);
    const rows = await repo.listDeliveryRows(trx, workspaceId, webhookId, {
      limit: query.limit + 1,
      ...(before !== undefined ? { beforeId: before } : {}),
      ...(query.status !== undefined ? { status: query.status } : {}),
    });
    const items = rows.slice(0, query.limit).map(toDelivery);
    const last = items[items.length - 1];
    return {
      items,
      next_cursor: rows.length > query.limit && last ? encodeCursor([last.id]) : null,
    };
  });
}

/**
 * Queues a delivery again (delivered, failed or dead alike) with a fresh retry window.
 *
 * @example
 * const delivery = await redeliver(db, workspaceId, 'wh_…', 'dlv_…');
 */
export function redeliver(
  db: Kysely<DB>,
  workspaceId: string,
  webhookId: string,
  deliveryId: string,
): Promise<WebhookDelivery> {
  return withWorkspace(db, workspaceId, async (trx) => {
    const webhook = await repo.findWebhookRow(trx, workspaceId, webhookId);
    if (!webhook) throw notFound(webhookId);
    const existing = await repo.findDeliveryRow(trx, workspaceId, webhookId, deliveryId);
    if (!existing) throw new AppError('not_found', `No such delivery: ${deliveryId}`);
    if (!webhook.enabled) {
      throw new AppError('conflict', 'The webhook is disabled; enable it to deliver again');
    }
    const row = await repo.requeueDeliveryRow(trx, workspaceId, webhookId, deliveryId);
    if (!row) throw new AppError('conflict', 'An attempt of this delivery is in progress');
    return toDelivery(row);
  });
}

/** What sending a test event needs. */
export interface TestEventDeps {
  db: Kysely<DB>;
  masterKey: Buffer;
  sender: WebhookSender;
  now: () => number;
}

/**
 * Sends a signed `webhook.test` event to an endpoint right now (enabled or not) and reports
 * how it went: the status code and, on failure, the error class, never the answer's body.
 * It is not queued, retried or logged as a delivery.
 *
 * @example
 * const result = await sendTestEvent(deps, workspaceId, 'wh_…');
 */
export async function sendTestEvent(
  deps: TestEventDeps,
  workspaceId: string,
  webhookId: string,
): Promise<WebhookTestResult> {
  const webhook = await getWebhook(deps.db, workspaceId, webhookId);
  const key = (await loadSigningKeys(deps.db, deps.masterKey, [workspaceId])).get(workspaceId);
  if (!key) throw new AppError('not_found', 'No such workspace');
  const now = deps.now();
  const eventId = `evt_${ulid(now)}`;
  const body = JSON.stringify({
    id: eventId,
    type: WEBHOOK_TEST_EVENT,
    created_at: new Date(now).toISOString(),
    workspace_id: workspaceId,
    channel_id: null,
    seq: null,
    data: { webhook_id: webhookId },
  });
  const headers = signDelivery(key, {
    eventId,
    eventType: WEBHOOK_TEST_EVENT,
    timestamp: Math.floor(now / 1000),
    body,
  });
  const outcome = await deps.sender.send(webhook.url, body, headers);
  return {
    event_id: eventId,
    delivered: outcome.ok,
    response_code: outcome.status,
    error: outcome.error,
    duration_ms: outcome.durationMs,
  };
}
