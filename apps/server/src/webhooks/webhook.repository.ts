import type { WebhookDeliveryStatus } from '@cariosan/protocol';
import { type InsertObject, sql, type Transaction, type UpdateObject } from 'kysely';
import type { DB } from '../db/database';

type Trx = Transaction<DB>;

/**
 * @example
 * const row = await insertWebhookRow(trx, { workspace_id, id: 'wh_…', url, events: ['message.new'] });
 */
export function insertWebhookRow(trx: Trx, row: InsertObject<DB, 'webhooks'>) {
  return trx.insertInto('webhooks').values(row).returningAll().executeTakeFirstOrThrow();
}

/**
 * How many endpoints a workspace has.
 *
 * @example
 * if ((await countWebhookRows(trx, workspaceId)) >= MAX_WEBHOOKS_PER_WORKSPACE) …
 */
export async function countWebhookRows(trx: Trx, workspaceId: string): Promise<number> {
  const row = await trx
    .selectFrom('webhooks')
    .select(sql<number>`count(*)::int`.as('count'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return row.count;
}

/**
 * One page of endpoints by id, after `afterId`.
 *
 * @example
 * const rows = await listWebhookRows(trx, workspaceId, 51);
 */
export function listWebhookRows(trx: Trx, workspaceId: string, limit: number, afterId?: string) {
  let query = trx
    .selectFrom('webhooks')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .limit(limit);
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  return query.execute();
}

/**
 * @example
 * const row = await findWebhookRow(trx, workspaceId, 'wh_…');
 */
export function findWebhookRow(trx: Trx, workspaceId: string, webhookId: string) {
  return trx
    .selectFrom('webhooks')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', webhookId)
    .executeTakeFirst();
}

/**
 * @example
 * const row = await updateWebhookRow(trx, workspaceId, 'wh_…', { enabled: false });
 */
export function updateWebhookRow(
  trx: Trx,
  workspaceId: string,
  webhookId: string,
  fields: UpdateObject<DB, 'webhooks'>,
) {
  return trx
    .updateTable('webhooks')
    .set({ ...fields, updated_at: sql`now()` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', webhookId)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Deletes an endpoint; its deliveries go with it (ON DELETE CASCADE).
 *
 * @example
 * const deleted = await deleteWebhookRow(trx, workspaceId, 'wh_…');
 */
export async function deleteWebhookRow(
  trx: Trx,
  workspaceId: string,
  webhookId: string,
): Promise<boolean> {
  const result = await trx
    .deleteFrom('webhooks')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', webhookId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Sets when an endpoint's waiting deliveries are next due: `now()` makes the deliveries that
 * waited while it was disabled due again; `'infinity'` parks them (out of the claim index's
 * range) while it is disabled. Attempts in flight are left to finish.
 *
 * @example
 * await scheduleWaitingDeliveries(trx, workspaceId, 'wh_…', 'park');
 */
export async function scheduleWaitingDeliveries(
  trx: Trx,
  workspaceId: string,
  webhookId: string,
  when: 'resume' | 'park',
): Promise<void> {
  await trx
    .updateTable('webhook_deliveries')
    .set({ next_attempt_at: when === 'resume' ? sql`now()` : sql`'infinity'` })
    .where('workspace_id', '=', workspaceId)
    .where('webhook_id', '=', webhookId)
    .where('status', 'in', ['pending', 'failed'])
    .where('claimed_at', 'is', null)
    .execute();
}

/**
 * One page of an endpoint's deliveries, newest first (ids are ULIDs), before `beforeId`.
 *
 * @example
 * const rows = await listDeliveryRows(trx, workspaceId, 'wh_…', { limit: 51 });
 */
export function listDeliveryRows(
  trx: Trx,
  workspaceId: string,
  webhookId: string,
  options: { limit: number; beforeId?: string; status?: WebhookDeliveryStatus },
) {
  let query = trx
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('webhook_id', '=', webhookId)
    .orderBy('id', 'desc')
    .limit(options.limit);
  if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId);
  if (options.status !== undefined) query = query.where('status', '=', options.status);
  return query.execute();
}

/**
 * Queues a delivery again with a fresh retry window, unless an attempt is in flight right now;
 * undefined when there is no such delivery or it is in flight.
 *
 * @example
 * const row = await requeueDeliveryRow(trx, workspaceId, 'wh_…', 'dlv_…');
 */
export function requeueDeliveryRow(
  trx: Trx,
  workspaceId: string,
  webhookId: string,
  deliveryId: string,
) {
  return trx
    .updateTable('webhook_deliveries')
    .set({
      status: 'pending',
      next_attempt_at: sql`now()`,
      dead_after: null,
      updated_at: sql`now()`,
    })
    .where('workspace_id', '=', workspaceId)
    .where('webhook_id', '=', webhookId)
    .where('id', '=', deliveryId)
    .where('claimed_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/**
 * @example
 * const row = await findDeliveryRow(trx, workspaceId, 'wh_…', 'dlv_…');
 */
export function findDeliveryRow(
  trx: Trx,
  workspaceId: string,
  webhookId: string,
  deliveryId: string,
) {
  return trx
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('webhook_id', '=', webhookId)
    .where('id', '=', deliveryId)
    .executeTakeFirst();
}
