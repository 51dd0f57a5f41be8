import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENTS } from './events';
import {
  CreateWebhookBody,
  UpdateWebhookBody,
  WEBHOOK_TEST_EVENT,
  WebhookDeliveryId,
  WebhookEvent,
  WebhookId,
  WebhookUrl,
} from './webhooks';

describe('webhook schemas', () => {
  it('accepts http(s) URLs without credentials or fragment', () => {
    expect(v.is(WebhookUrl, 'https://api.example.com/hooks?token=abc')).toBe(true);
    expect(v.is(WebhookUrl, 'http://10.0.0.5:3000/hooks')).toBe(true);
    for (const url of [
      'ftp://example.com/x',
      'javascript:alert(1)',
      'https://user:pw@example.com/',
      'https://example.com/#x',
      'example.com/hooks',
      `https://example.com/${'a'.repeat(2050)}`,
    ]) {
      expect(v.is(WebhookUrl, url), url).toBe(false);
    }
  });

  it('subscribes to at least one persisted event, each once; enabled by default', () => {
    expect(
      v.parse(CreateWebhookBody, { url: 'https://x.example', events: ['message.new'] }),
    ).toEqual({ url: 'https://x.example', events: ['message.new'], enabled: true });
    expect(v.is(CreateWebhookBody, { url: 'https://x.example', events: [...WEBHOOK_EVENTS] })).toBe(
      true,
    );
    for (const events of [[], ['typing.start'], ['message.new', 'message.new'], ['*']]) {
      expect(v.is(CreateWebhookBody, { url: 'https://x.example', events }), String(events)).toBe(
        false,
      );
    }
    expect(v.is(UpdateWebhookBody, {})).toBe(false);
    expect(v.is(UpdateWebhookBody, { enabled: false })).toBe(true);
  });

  it('knows its ids', () => {
    expect(v.is(WebhookId, 'wh_01J7KQR8B1N3XJ0Q5C4D6E8F9G')).toBe(true);
    expect(v.is(WebhookDeliveryId, 'dlv_01J7KQR8B1N3XJ0Q5C4D6E8F9G')).toBe(true);
    expect(v.is(WebhookId, 'dlv_01J7KQR8B1N3XJ0Q5C4D6E8F9G')).toBe(false);
  });

  it('parses the test event and checks each event type against its payload', () => {
    const base = {
      id: 'evt_01J7KQR8B1N3XJ0Q5C4D6E8F9G',
      created_at: '2026-05-14T12:00:00.000Z',
      workspace_id: 'ws_01J7KQR8B1N3XJ0Q5C4D6E8F9G',
      channel_id: null,
      seq: null,
    };
    const test = {
      ...base,
      type: WEBHOOK_TEST_EVENT,
      data: { webhook_id: 'wh_01J7KQR8B1N3XJ0Q5C4D6E8F9G' },
    };
    expect(v.parse(WebhookEvent, test)).toEqual(test);
    const removed = {
      ...base,
      channel_id: 'general',
      type: 'member.removed',
      data: { channel_id: 'general', user_id: 'bob' },
    };
    expect(v.parse(WebhookEvent, removed)).toEqual(removed);
    expect(v.is(WebhookEvent, { ...removed, data: { channel_id: 'general' } })).toBe(false);
    expect(v.is(WebhookEvent, { ...removed, type: 'typing.start' })).toBe(false);
  });
});
