import type { Webhook, WebhookDelivery, WebhookEvent, WebhookEventType } from '@cariosan/protocol';
import type { Row } from '../db/database';
import { iso, isoOrNull } from '../lib/time';
import { disabledReasonOfStored, errorClassOfStored } from './error-class';

/**
 * A webhooks row as the API's Webhook.
 *
 * @example
 * c.json(toWebhook(row));
 */
export function toWebhook(row: Row<'webhooks'>): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: row.events as WebhookEventType[],
    enabled: row.enabled,
    disabled_reason: disabledReasonOfStored(row.disabled_reason),
    consecutive_failures: row.consecutive_failures,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/**
 * A webhook_deliveries row as the delivery log shows it: `last_error` is always an error
 * class, also for rows written before there were classes.
 *
 * @example
 * const entry = toDelivery(row);
 */
export function toDelivery(row: Row<'webhook_deliveries'>): WebhookDelivery {
  const waiting = row.status === 'pending' || row.status === 'failed';
  // Parked while the endpoint is disabled: 'infinity', which no Date can show.
  const next = new Date(row.next_attempt_at);
  return {
    id: row.id,
    webhook_id: row.webhook_id,
    event_id: row.event_id,
    event_type: row.event_type,
    channel_id: row.channel_id,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: waiting && Number.isFinite(next.getTime()) ? next.toISOString() : null,
    last_attempt_at: isoOrNull(row.last_attempt_at),
    last_error: errorClassOfStored(row.last_error),
    response_code: row.response_code,
    delivered_at: isoOrNull(row.delivered_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/**
 * The body of a delivery, from the event's outbox row: the exact text that is signed and sent.
 *
 * @example
 * const body = JSON.stringify(toWebhookEvent(outboxRow));
 */
export function toWebhookEvent(row: Row<'outbox'>): WebhookEvent {
  return {
    id: row.event_id,
    type: row.type,
    created_at: iso(row.created_at),
    workspace_id: row.workspace_id,
    channel_id: row.channel_id,
    seq: row.seq,
    data: row.payload,
  } as WebhookEvent;
}
