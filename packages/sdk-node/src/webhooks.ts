import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_HEADERS, WEBHOOK_TOLERANCE_SECONDS, WebhookEvent } from '@cariosan/protocol';
import * as v from 'valibot';
import { deriveWebhookSigningKey } from './keys';

/**
 * Why {@link verifyWebhook} refused a request. Switch on `code`; the message never contains
 * the secret or a signature.
 */
export type WebhookVerificationCode =
  | 'missing_signature'
  | 'malformed_signature'
  | 'invalid_signature'
  | 'timestamp_out_of_tolerance'
  | 'invalid_payload';

/**
 * A webhook request that is not a genuine, fresh Cariosan delivery. Answer it with 400 (or
 * 401) and do not act on it.
 *
 * @example
 * try { verifyWebhook(body, req.headers, secret); }
 * catch (error) { if (error instanceof WebhookVerificationError) res.status(400).end(); }
 */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly code: WebhookVerificationCode,
    message: string,
  ) {
    super(message);
  }
}

/** Request headers as Node (`req.headers`), fetch (`Headers`) or a plain object give them. */
export type WebhookHeaders =
  | Headers
  | Record<string, string | readonly string[] | undefined>
  | { get(name: string): string | null };

/**
 * Options of {@link verifyWebhook}.
 *
 * @example
 * const options: VerifyWebhookOptions = { toleranceSeconds: 60 };
 */
export interface VerifyWebhookOptions {
  /** How far the signed timestamp may be from now, either way; default 300 s. */
  toleranceSeconds?: number;
  /** The clock, in milliseconds (tests); defaults to `Date.now`. */
  now?: () => number;
}

/**
 * Verifies a webhook delivery and returns its event, parsed and checked against the protocol
 * schema. Checks, in order: the `X-Cariosan-Signature` header (`t=<unix>,v1=<hex>`; with
 * none, the Standard Webhooks headers) is an HMAC-SHA256 of the timestamp and the exact raw
 * body under the key derived from `apiSecret`, compared in constant time; the timestamp is
 * within `toleranceSeconds` of now (a captured request cannot be replayed later); the body is
 * a known event. Pass the raw body: re-serialized JSON is not the signed bytes.
 *
 * Deliveries are at least once: drop duplicates by `event.id`.
 *
 * @throws WebhookVerificationError with a `code` saying what failed.
 * @example
 * app.post('/cariosan/webhooks', express.raw({ type: 'application/json' }), (req, res) => {
 *   const event = verifyWebhook(req.body, req.headers, process.env.CARIOSAN_API_SECRET!);
 *   if (event.type === 'message.new') console.log(event.data.message.text);
 *   res.sendStatus(204);
 * });
 */
export function verifyWebhook(
  rawBody: string | Uint8Array,
  headers: WebhookHeaders,
  apiSecret: string,
  options: VerifyWebhookOptions = {},
): WebhookEvent {
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody);
  const key = deriveWebhookSigningKey(apiSecret);
  const timestamp = checkSignature(key, body, headers);
  const tolerance = options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  if (Math.abs(nowSeconds - timestamp) > tolerance) {
    throw new WebhookVerificationError(
      'timestamp_out_of_tolerance',
      `The webhook timestamp is more than ${tolerance} s away from now (a replay, or a skewed clock)`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('invalid_payload', 'The webhook body is not JSON');
  }
  const result = v.safeParse(WebhookEvent, json);
  if (!result.success) {
    const issue = result.issues[0];
    const path = v.getDotPath(issue);
    throw new WebhookVerificationError(
      'invalid_payload',
      `The webhook body is not a known event${path ? ` (${path}: ${issue.message})` : ''}`,
    );
  }
  return result.output;
}

/**
 * The api_secret's webhook key in Standard Webhooks form (`whsec_` + base64), for verifying
 * the `webhook-id`/`webhook-timestamp`/`webhook-signature` headers with any library of that
 * spec instead of {@link verifyWebhook}. It is a secret: keep it with the api_secret.
 *
 * @example
 * import { Webhook } from 'standardwebhooks';
 * const wh = new Webhook(standardWebhooksSecret(process.env.CARIOSAN_API_SECRET!));
 * const event = wh.verify(rawBody, headers);
 */
export function standardWebhooksSecret(apiSecret: string): string {
  return `whsec_${deriveWebhookSigningKey(apiSecret).toString('base64')}`;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | readonly string[] | undefined>;
  const found = Object.keys(record).find((key) => key.toLowerCase() === name);
  const value = found === undefined ? undefined : record[found];
  return typeof value === 'string' ? value : value?.[0];
}

/** Verifies whichever signature header is present; returns the signed timestamp. */
function checkSignature(key: Buffer, body: Buffer, headers: WebhookHeaders): number {
  const cariosan = header(headers, WEBHOOK_HEADERS.signature);
  if (cariosan !== undefined) {
    const parts = cariosan.split(',').map((part) => part.trim().split('='));
    const t = parts.find(([name]) => name === 't')?.[1];
    const signatures = parts.filter(([name]) => name === 'v1').map(([, value]) => value ?? '');
    const timestamp = parseTimestamp(t);
    if (signatures.length === 0 || signatures.some((s) => !/^[0-9a-f]{64}$/.test(s))) {
      throw malformed();
    }
    const expected = createHmac('sha256', key).update(`${timestamp}.`).update(body).digest();
    if (!signatures.some((s) => timingSafeEqual(expected, Buffer.from(s, 'hex')))) {
      throw invalid();
    }
    return timestamp;
  }
  const id = header(headers, WEBHOOK_HEADERS.standardId);
  const standard = header(headers, WEBHOOK_HEADERS.standardSignature);
  if (id === undefined || standard === undefined) {
    throw new WebhookVerificationError(
      'missing_signature',
      `No ${WEBHOOK_HEADERS.signature} header: not a Cariosan webhook`,
    );
  }
  const timestamp = parseTimestamp(header(headers, WEBHOOK_HEADERS.standardTimestamp));
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
  const signatures = standard
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  if (signatures.length === 0) throw malformed();
  if (!signatures.some((s) => s.length === expected.length && timingSafeEqual(expected, s))) {
    throw invalid();
  }
  return timestamp;
}

function parseTimestamp(value: string | undefined): number {
  if (value === undefined || !/^\d{1,12}$/.test(value)) throw malformed();
  return Number(value);
}

const malformed = () =>
  new WebhookVerificationError('malformed_signature', 'The webhook signature header is malformed');
const invalid = () =>
  new WebhookVerificationError(
    'invalid_signature',
    'The webhook signature does not match the body (tampered, or signed with another secret)',
  );
