import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  EventType,
  isWebhookEvent,
  SOCKET_ONLY_EVENTS,
  WEBHOOK_EVENTS,
  WebhookEventType,
} from './events';

describe('EventType', () => {
  it('accepts every event of the spec and nothing else', () => {
    expect(EventType.options).toHaveLength(15);
    for (const type of [...WEBHOOK_EVENTS, ...SOCKET_ONLY_EVENTS]) {
      expect(v.is(EventType, type)).toBe(true);
    }
    expect(v.is(EventType, 'message.created')).toBe(false);
  });

  it('keeps socket-only events out of the webhook list', () => {
    for (const type of SOCKET_ONLY_EVENTS) {
      expect(v.is(WebhookEventType, type)).toBe(false);
      expect(isWebhookEvent(type)).toBe(false);
    }
    expect(isWebhookEvent('message.new')).toBe(true);
    expect(new Set([...WEBHOOK_EVENTS, ...SOCKET_ONLY_EVENTS]).size).toBe(15);
  });
});
