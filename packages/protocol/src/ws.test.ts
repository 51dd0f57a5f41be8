import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_TEXT_BYTES } from './messages';
import { ClientFrame, ServerFrame } from './ws';

describe('ClientFrame', () => {
  it('accepts every request type with its fields', () => {
    const frames = [
      { type: 'connect', token: 'eyJ.a.b' },
      { type: 'subscribe', id: '1', channel_id: 'general', since_seq: 0 },
      { type: 'unsubscribe', id: '2', channel_id: 'general' },
      { type: 'send', id: '3', channel_id: 'general', client_id: 'c-1', text: 'hi' },
      { type: 'typing', id: '4', channel_id: 'general' },
      { type: 'read', id: '5', channel_id: 'general', seq: 3 },
      { type: 'refresh', id: '6', token: 'eyJ.a.b' },
      { type: 'ping', id: '7' },
    ];
    for (const frame of frames) expect(v.safeParse(ClientFrame, frame).success).toBe(true);
    expect(v.parse(ClientFrame, frames[4])).toMatchObject({ state: 'start' });
  });

  it('rejects unknown types, extra fields, missing ids and oversized text', () => {
    const bad = [
      { type: 'explode', id: '1' },
      { type: 'ping' },
      { type: 'ping', id: '1', extra: true },
      { type: 'subscribe', id: '1', channel_id: 'general', since_seq: -1 },
      { type: 'send', id: '1', channel_id: 'general', client_id: 'c', text: '   ' },
      {
        type: 'send',
        id: '1',
        channel_id: 'general',
        client_id: 'c',
        text: 'x'.repeat(MAX_MESSAGE_TEXT_BYTES + 1),
      },
      { type: 'read', id: '1', channel_id: 'general', seq: 'three' },
      { type: 'ping', id: 'x'.repeat(65) },
    ];
    for (const frame of bad) expect(v.safeParse(ClientFrame, frame).success).toBe(false);
  });
});

describe('ServerFrame', () => {
  it('describes acks, errors, events and expiry warnings', () => {
    const frames = [
      { type: 'ack', id: '1', result: {} },
      {
        type: 'error',
        id: null,
        error: { code: 'invalid_json', message: 'Frame is not valid JSON' },
      },
      {
        type: 'event',
        event: 'typing.start',
        event_id: null,
        channel_id: 'general',
        seq: null,
        data: { channel_id: 'general', user_id: 'alice' },
      },
      { type: 'token_expiring', expires_at: '2026-11-23T10:00:00.000Z' },
    ];
    for (const frame of frames) expect(v.safeParse(ServerFrame, frame).success).toBe(true);
  });
});
