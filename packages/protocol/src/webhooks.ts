import * as v from 'valibot';
import { Cursor, LimitParam, page, Seq, Timestamp } from './common';
import { EVENT_PAYLOADS, type PersistedEventType } from './event-payloads';
import { WebhookEventType } from './events';
import { ChannelId, WorkspaceId } from './ids';

/** Crockford base32 ULID: 26 characters, time-ordered. */
const ULID = '[0-9A-HJKMNP-TV-Z]{26}';

/**
 * A webhook endpoint id: `wh_` + ULID.
 *
 * @example
 * v.is(WebhookId, 'wh_01J7KQR8B1N3XJ0Q5C4D6E8F9G'); // true
 */
export const WebhookId = v.pipe(
  v.string(),
  v.regex(new RegExp(`^wh_${ULID}$`), 'must be wh_ followed by a ULID'),
);
export type WebhookId = v.InferOutput<typeof WebhookId>;

/**
 * A delivery id (one event to one endpoint, with all its attempts): `dlv_` + ULID.
 *
 * @example
 * v.is(WebhookDeliveryId, 'dlv_01J7KQR8B1N3XJ0Q5C4D6E8F9G'); // true
 */
export const WebhookDeliveryId = v.pipe(
  v.string(),
  v.regex(new RegExp(`^dlv_${ULID}$`), 'must be dlv_ followed by a ULID'),
);
export type WebhookDeliveryId = v.InferOutput<typeof WebhookDeliveryId>;

/** An event id: `evt_` + ULID; receivers drop duplicates by it. */
export const EventId = v.pipe(
  v.string(),
  v.regex(new RegExp(`^evt_${ULID}$`), 'must be evt_ followed by a ULID'),
);

/** Most endpoints one workspace may have. */
export const MAX_WEBHOOKS_PER_WORKSPACE = 20;

/**
 * Where deliveries are POSTed: an absolute http(s) URL without credentials or fragment
 * (URLs are shown in listings, so they must not carry a password).
 *
 * @example
 * v.is(WebhookUrl, 'https://api.example.com/cariosan/webhooks'); // true
 */
export const WebhookUrl = v.pipe(
  v.string(),
  v.maxLength(2048, 'must be at most 2048 characters'),
  v.url('must be a URL'),
  v.check(
    (value) => /^https?:$/.test(parseUrl(value)?.protocol ?? ''),
    'must be an http or https URL',
  ),
  v.check((value) => {
    const url = parseUrl(value);
    return url?.username === '' && url.password === '';
  }, 'must not contain credentials'),
  v.check((value) => parseUrl(value)?.hash === '', 'must not contain a fragment'),
);

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** The events an endpoint subscribes to: at least one, each at most once. */
export const WebhookEvents = v.pipe(
  v.array(WebhookEventType),
  v.minLength(1, 'must name at least one event'),
  v.check((list) => new Set(list).size === list.length, 'must not repeat an event'),
);

/**
 * `POST /v1/webhooks` — a new endpoint (server key pair only).
 *
 * @example
 * { "url": "https://api.example.com/hooks", "events": ["message.new", "member.added"] }
 */
export const CreateWebhookBody = v.strictObject({
  url: WebhookUrl,
  events: WebhookEvents,
  enabled: v.optional(v.boolean(), true),
});
export type CreateWebhookBody = v.InferOutput<typeof CreateWebhookBody>;

/**
 * `PATCH /v1/webhooks/:webhook_id` — change the URL or events, or disable and re-enable it.
 * Disabling pauses delivery: events are still recorded for the endpoint and go out once it is
 * enabled again (delete it to stop receiving them). Enabling, or a new URL, clears
 * `disabled_reason` and retries at once what waited.
 *
 * @example
 * { "enabled": true }
 */
export const UpdateWebhookBody = v.pipe(
  v.strictObject({
    url: v.optional(WebhookUrl),
    events: v.optional(WebhookEvents),
    enabled: v.optional(v.boolean()),
  }),
  v.check(
    (body) => body.url !== undefined || body.events !== undefined || body.enabled !== undefined,
    'name at least one of url, events, enabled',
  ),
);
export type UpdateWebhookBody = v.InferOutput<typeof UpdateWebhookBody>;

/**
 * An endpoint as the API returns it. `disabled_reason` says why the server turned it off
 * (a long run of failed deliveries) or that it was disabled on request.
 *
 * @example
 * { "id": "wh_…", "url": "https://…", "events": ["message.new"], "enabled": true, … }
 */
export const Webhook = v.object({
  id: WebhookId,
  url: v.string(),
  events: v.array(WebhookEventType),
  enabled: v.boolean(),
  disabled_reason: v.nullable(v.string()),
  consecutive_failures: v.pipe(v.number(), v.integer()),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Webhook = v.InferOutput<typeof Webhook>;

/** `GET /v1/webhooks` query. */
export const ListWebhooksQuery = v.strictObject({ limit: LimitParam, cursor: v.optional(Cursor) });
export type ListWebhooksQuery = v.InferOutput<typeof ListWebhooksQuery>;

/** `GET /v1/webhooks` response. */
export const WebhookPage = page(Webhook);
export type WebhookPage = v.InferOutput<typeof WebhookPage>;

/**
 * Where a delivery stands: `pending` (not tried yet, or being tried), `failed` (the last
 * attempt failed, another is scheduled at `next_attempt_at`), `delivered` (a 2xx answer),
 * `dead` (retried for the whole retry window, about a day; redeliver to try again).
 */
export const WebhookDeliveryStatus = v.picklist(['pending', 'failed', 'delivered', 'dead']);
export type WebhookDeliveryStatus = v.InferOutput<typeof WebhookDeliveryStatus>;

/**
 * Why an attempt failed, as the delivery log (`last_error`) and the test call (`error`) say it:
 * a fixed class, never the receiver's answer, so an endpoint cannot be used to read back what
 * some other host says. `response_code` carries the status where there was one.
 *
 * - `http_status`: answered with a status other than 2xx or 3xx (see `response_code`)
 * - `redirect_refused`: answered 3xx; redirects are never followed
 * - `timeout`: no complete answer within the server's attempt timeout
 * - `connection_failed`: refused, reset, unreachable, or not an HTTP answer
 * - `dns_failed`: the host name did not resolve
 * - `tls_failed`: the TLS handshake or the certificate check failed
 * - `blocked_address`: the host is, or resolves to, an address the server refuses
 *   (private, loopback, link-local… unless its operator allowed it)
 * - `invalid_url`: the stored URL cannot be sent to
 * - `interrupted`: the attempt was cut short (the server stopped); it is retried
 * - `no_signing_key`, `event_gone`: the delivery cannot be built at all
 *
 * @example
 * { "status": "failed", "response_code": 503, "last_error": "http_status" }
 */
export const WebhookErrorClass = v.picklist([
  'http_status',
  'redirect_refused',
  'timeout',
  'connection_failed',
  'dns_failed',
  'tls_failed',
  'blocked_address',
  'invalid_url',
  'interrupted',
  'no_signing_key',
  'event_gone',
]);
export type WebhookErrorClass = v.InferOutput<typeof WebhookErrorClass>;

/**
 * One event to one endpoint, with its attempts so far.
 *
 * @example
 * { "id": "dlv_…", "event_id": "evt_…", "status": "failed", "attempts": 3, "response_code": 503, … }
 */
export const WebhookDelivery = v.object({
  id: WebhookDeliveryId,
  webhook_id: WebhookId,
  event_id: v.string(),
  event_type: v.string(),
  channel_id: v.nullable(v.string()),
  status: WebhookDeliveryStatus,
  attempts: v.pipe(v.number(), v.integer()),
  /** When the next attempt is due; null once delivered or dead. */
  next_attempt_at: v.nullable(Timestamp),
  last_attempt_at: v.nullable(Timestamp),
  last_error: v.nullable(WebhookErrorClass),
  response_code: v.nullable(v.pipe(v.number(), v.integer())),
  delivered_at: v.nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type WebhookDelivery = v.InferOutput<typeof WebhookDelivery>;

/** `GET /v1/webhooks/:webhook_id/deliveries` query: newest first, optionally one status. */
export const ListWebhookDeliveriesQuery = v.strictObject({
  status: v.optional(WebhookDeliveryStatus),
  limit: LimitParam,
  cursor: v.optional(Cursor),
});
export type ListWebhookDeliveriesQuery = v.InferOutput<typeof ListWebhookDeliveriesQuery>;

/** `GET /v1/webhooks/:webhook_id/deliveries` response. */
export const WebhookDeliveryPage = page(WebhookDelivery);
export type WebhookDeliveryPage = v.InferOutput<typeof WebhookDeliveryPage>;

/**
 * `POST /v1/webhooks/:webhook_id/test` answer: a signed `webhook.test` event was sent right
 * away (not queued, not retried) and this is how the endpoint answered.
 *
 * @example
 * { "event_id": "evt_…", "delivered": false, "response_code": 401, "error": "http_status", "duration_ms": 12 }
 */
export const WebhookTestResult = v.object({
  event_id: v.string(),
  delivered: v.boolean(),
  response_code: v.nullable(v.pipe(v.number(), v.integer())),
  error: v.nullable(WebhookErrorClass),
  duration_ms: v.pipe(v.number(), v.minValue(0)),
});
export type WebhookTestResult = v.InferOutput<typeof WebhookTestResult>;

/** The type of the event `POST /v1/webhooks/:id/test` sends. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

/**
 * Headers of every delivery (lower case, as Node presents them). The Cariosan set:
 * `x-cariosan-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed
 * with the key HKDF derives from the api_secret. The Standard Webhooks set
 * (standardwebhooks.com): `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<t>.<raw body>">`
 * with the same key, whose `whsec_` form `@cariosan/node` gives.
 */
export const WEBHOOK_HEADERS = {
  signature: 'x-cariosan-signature',
  eventId: 'x-cariosan-event-id',
  eventType: 'x-cariosan-event-type',
  timestamp: 'x-cariosan-timestamp',
  deliveryId: 'x-cariosan-delivery-id',
  attempt: 'x-cariosan-attempt',
  standardId: 'webhook-id',
  standardTimestamp: 'webhook-timestamp',
  standardSignature: 'webhook-signature',
} as const;

/** How far a delivery's timestamp may be from the receiver's clock, by default. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const envelope = <T extends PersistedEventType>(type: T) =>
  v.object({
    id: EventId,
    type: v.literal(type),
    created_at: Timestamp,
    workspace_id: WorkspaceId,
    channel_id: v.nullable(ChannelId),
    seq: v.nullable(Seq),
    data: EVENT_PAYLOADS[type],
  });

/**
 * The JSON body of a delivery: one event of SPEC §3 (or the test event), with a unique `id`
 * to drop duplicates by (delivery is at least once) and, for message events, the channel's
 * `seq` to order by.
 *
 * @example
 * const event = v.parse(WebhookEvent, JSON.parse(rawBody));
 * if (event.type === 'message.new') console.log(event.data.message.text);
 */
export const WebhookEvent = v.variant('type', [
  envelope('message.new'),
  envelope('message.updated'),
  envelope('message.deleted'),
  envelope('reaction.new'),
  envelope('reaction.deleted'),
  envelope('channel.created'),
  envelope('channel.updated'),
  envelope('channel.deleted'),
  envelope('member.added'),
  envelope('member.removed'),
  envelope('read.updated'),
  envelope('user.updated'),
  v.object({
    id: EventId,
    type: v.literal(WEBHOOK_TEST_EVENT),
    created_at: Timestamp,
    workspace_id: WorkspaceId,
    channel_id: v.null(),
    seq: v.null(),
    data: v.object({ webhook_id: WebhookId }),
  }),
]);
export type WebhookEvent = v.InferOutput<typeof WebhookEvent>;
