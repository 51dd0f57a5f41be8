import { createHmac } from 'node:crypto';
import { WEBHOOK_HEADERS } from '@cariosan/protocol';

/** What one attempt signs and says about itself. */
export interface SignedDeliveryInput {
  eventId: string;
  eventType: string;
  /** Unix seconds of this attempt (signed, so a captured request cannot be replayed later). */
  timestamp: number;
  /** The exact bytes sent. */
  body: string;
  deliveryId?: string;
  attempt?: number;
}

/**
 * The headers of one delivery attempt, signed with the workspace's derived webhook key:
 * `X-Cariosan-Signature: t=<t>,v1=<hex HMAC-SHA256("<t>.<body>")>` for `verifyWebhook`, and
 * the Standard Webhooks set (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64 HMAC-SHA256("<id>.<t>.<body>")>`) for any verifier of that
 * spec given the key as `whsec_<base64 key>`.
 *
 * @example
 * const headers = signDelivery(key, { eventId, eventType: 'message.new', timestamp, body });
 */
export function signDelivery(key: Uint8Array, input: SignedDeliveryInput): Record<string, string> {
  const t = String(input.timestamp);
  const cariosan = createHmac('sha256', key).update(`${t}.${input.body}`).digest('hex');
  const standard = createHmac('sha256', key)
    .update(`${input.eventId}.${t}.${input.body}`)
    .digest('base64');
  return {
    'content-type': 'application/json',
    'user-agent': 'Cariosan-Webhooks/1',
    [WEBHOOK_HEADERS.signature]: `t=${t},v1=${cariosan}`,
    [WEBHOOK_HEADERS.eventId]: input.eventId,
    [WEBHOOK_HEADERS.eventType]: input.eventType,
    [WEBHOOK_HEADERS.timestamp]: t,
    ...(input.deliveryId ? { [WEBHOOK_HEADERS.deliveryId]: input.deliveryId } : {}),
    ...(input.attempt ? { [WEBHOOK_HEADERS.attempt]: String(input.attempt) } : {}),
    [WEBHOOK_HEADERS.standardId]: input.eventId,
    [WEBHOOK_HEADERS.standardTimestamp]: t,
    [WEBHOOK_HEADERS.standardSignature]: `v1,${standard}`,
  };
}
