import * as v from 'valibot';

/**
 * Events delivered both on the socket and to webhooks, in SPEC §3 order.
 *
 * @example
 * await createWebhook({ url, events: [...WEBHOOK_EVENTS] });
 */
export const WEBHOOK_EVENTS = [
  'message.new',
  'message.updated',
  'message.deleted',
  'reaction.new',
  'reaction.deleted',
  'channel.created',
  'channel.updated',
  'channel.deleted',
  'member.added',
  'member.removed',
  'read.updated',
  'user.updated',
] as const;

/**
 * Ephemeral events: only meaningful to someone connected right now, so never sent to
 * webhooks and never replayed on resume.
 *
 * @example
 * if ((SOCKET_ONLY_EVENTS as readonly string[]).includes(type)) return; // skip persistence
 */
export const SOCKET_ONLY_EVENTS = ['typing.start', 'typing.stop', 'presence.changed'] as const;

/**
 * Every event name, on the socket and in webhooks.
 *
 * @example
 * v.is(EventType, 'message.new'); // true
 */
export const EventType = v.picklist([...WEBHOOK_EVENTS, ...SOCKET_ONLY_EVENTS]);
export type EventType = v.InferOutput<typeof EventType>;

/**
 * The events a webhook may subscribe to (the `events[]` of `POST /v1/webhooks`).
 *
 * @example
 * v.is(WebhookEventType, 'typing.start'); // false: socket only
 */
export const WebhookEventType = v.picklist(WEBHOOK_EVENTS);
export type WebhookEventType = v.InferOutput<typeof WebhookEventType>;

/**
 * Whether an event is persisted and delivered to webhooks (as opposed to socket-only).
 *
 * @example
 * isWebhookEvent('message.new'); // true
 * isWebhookEvent('typing.start'); // false
 */
export function isWebhookEvent(type: string): type is WebhookEventType {
  return (WEBHOOK_EVENTS as readonly string[]).includes(type);
}
