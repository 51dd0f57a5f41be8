import { createHmac, randomInt } from 'node:crypto';
import { CREDENTIAL_ALPHABET } from '@cariosan/protocol';
import { describe, expect, it } from 'vitest';
import { deriveWebhookSigningKey } from './keys';
import {
  standardWebhooksSecret,
  verifyWebhook,
  type WebhookVerificationCode,
  WebhookVerificationError,
} from './webhooks';

const secretOf = () =>
  `sk_live_${Array.from({ length: 43 }, () => CREDENTIAL_ALPHABET[randomInt(62)]).join('')}`;
const apiSecret = secretOf();
const NOW = Date.parse('2026-05-14T12:00:00Z');
const now = () => NOW;

const event = {
  id: 'evt_01J7KQR8B1N3XJ0Q5C4D6E8F9G',
  type: 'message.new',
  created_at: '2026-05-14T11:59:59.500Z',
  workspace_id: 'ws_01J7KQR8B1N3XJ0Q5C4D6E8F9H',
  channel_id: 'general',
  seq: 7,
  data: {
    message: {
      id: 'msg_01J7KQR8B1N3XJ0Q5C4D6E8F9J',
      channel_id: 'general',
      seq: 7,
      user_id: 'alice',
      text: 'Hello',
      attachments: [],
      parent_id: null,
      reply_count: 0,
      client_id: null,
      reactions: {},
      created_at: '2026-05-14T11:59:59.500Z',
      edited_at: null,
      deleted_at: null,
    },
  },
};
const body = JSON.stringify(event);

/** What the server sends, written independently of the SDK: the documented format. */
function sign(raw: string, secret = apiSecret, timestamp = Math.floor(NOW / 1000)) {
  const key = deriveWebhookSigningKey(secret);
  const v1 = createHmac('sha256', key).update(`${timestamp}.${raw}`).digest('hex');
  const standard = createHmac('sha256', key)
    .update(`${event.id}.${timestamp}.${raw}`)
    .digest('base64');
  return {
    'x-cariosan-signature': `t=${timestamp},v1=${v1}`,
    'x-cariosan-event-id': event.id,
    'x-cariosan-timestamp': String(timestamp),
    'webhook-id': event.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${standard}`,
  };
}

function failure(run: () => unknown): WebhookVerificationCode {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect((error as Error).message).not.toContain(apiSecret);
    return (error as WebhookVerificationError).code;
  }
  throw new Error('verified, but should not have');
}

describe('verifyWebhook', () => {
  it('returns the typed, schema-checked event of a genuine delivery', () => {
    const verified = verifyWebhook(body, sign(body), apiSecret, { now });
    expect(verified).toEqual(event);
    if (verified.type !== 'message.new') throw new Error('wrong type');
    expect(verified.data.message.text).toBe('Hello');
  });

  it('accepts the body as bytes and headers as a fetch Headers object or in any case', () => {
    const headers = sign(body);
    expect(verifyWebhook(Buffer.from(body), new Headers(headers), apiSecret, { now }).id).toBe(
      event.id,
    );
    const upper = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toUpperCase(), [value]]),
    );
    expect(verifyWebhook(new TextEncoder().encode(body), upper, apiSecret, { now }).id).toBe(
      event.id,
    );
  });

  it('rejects a tampered body, a wrong secret and a re-serialized body', () => {
    const headers = sign(body);
    expect(
      failure(() => verifyWebhook(body.replace('Hello', 'Hellp'), headers, apiSecret, { now })),
    ).toBe('invalid_signature');
    expect(failure(() => verifyWebhook(body, headers, secretOf(), { now }))).toBe(
      'invalid_signature',
    );
    expect(
      failure(() => verifyWebhook(JSON.stringify(event, null, 2), headers, apiSecret, { now })),
    ).toBe('invalid_signature');
    // The timestamp is signed: moving it to look fresh breaks the signature.
    const moved = {
      ...headers,
      'x-cariosan-signature': headers['x-cariosan-signature'].replace(
        /t=\d+/,
        `t=${NOW / 1000 + 1}`,
      ),
    };
    expect(failure(() => verifyWebhook(body, moved, apiSecret, { now }))).toBe('invalid_signature');
  });

  it('rejects stale and future timestamps beyond the tolerance, and accepts within it', () => {
    const at = (seconds: number) => sign(body, apiSecret, Math.floor(NOW / 1000) + seconds);
    expect(failure(() => verifyWebhook(body, at(-301), apiSecret, { now }))).toBe(
      'timestamp_out_of_tolerance',
    );
    expect(failure(() => verifyWebhook(body, at(301), apiSecret, { now }))).toBe(
      'timestamp_out_of_tolerance',
    );
    expect(verifyWebhook(body, at(-300), apiSecret, { now }).id).toBe(event.id);
    expect(
      failure(() => verifyWebhook(body, at(-61), apiSecret, { now, toleranceSeconds: 60 })),
    ).toBe('timestamp_out_of_tolerance');
  });

  it('names missing and malformed signatures', () => {
    expect(failure(() => verifyWebhook(body, {}, apiSecret, { now }))).toBe('missing_signature');
    for (const signature of ['v1=abc', 't=1,v1=zz', `t=now,v1=${'a'.repeat(64)}`, 't=1']) {
      expect(
        failure(() =>
          verifyWebhook(body, { 'x-cariosan-signature': signature }, apiSecret, { now }),
        ),
      ).toBe('malformed_signature');
    }
  });

  it('rejects a correctly signed body that is not a known event', () => {
    const other = JSON.stringify({ ...event, type: 'message.exploded' });
    expect(failure(() => verifyWebhook(other, sign(other), apiSecret, { now }))).toBe(
      'invalid_payload',
    );
    expect(failure(() => verifyWebhook('not json', sign('not json'), apiSecret, { now }))).toBe(
      'invalid_payload',
    );
  });

  it('verifies the Standard Webhooks headers alone', () => {
    const { 'x-cariosan-signature': _, ...standard } = sign(body);
    expect(verifyWebhook(body, standard, apiSecret, { now }).id).toBe(event.id);
    const forged = { ...standard, 'webhook-id': 'evt_01J7KQR8B1N3XJ0Q5C4D6E8F9Z' };
    expect(failure(() => verifyWebhook(body, forged, apiSecret, { now }))).toBe(
      'invalid_signature',
    );
  });
});

describe('standardWebhooksSecret', () => {
  it('is whsec_ + base64 of the derived key, as Standard Webhooks libraries expect', () => {
    const secret = standardWebhooksSecret(apiSecret);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    expect(key.equals(deriveWebhookSigningKey(apiSecret))).toBe(true);
    // The spec's own algorithm (base64-decoded key, "id.timestamp.body") over our headers.
    const headers = sign(body);
    const expected = createHmac('sha256', key)
      .update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`)
      .digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  });
});
