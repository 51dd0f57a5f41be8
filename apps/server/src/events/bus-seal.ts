import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { DbHandle } from '../db/create-db';
import type { Metrics } from '../lib/metrics';

/** HKDF info of the bus key: a new version of the seal format gets a new string. */
const BUS_KEY_INFO = 'cariosan bus seal v1';
/** Bytes of HMAC-SHA256 kept: 128 bits, far beyond what an online forger could guess. */
const TAG_BYTES = 16;
/** base64url of TAG_BYTES, then the `.` that separates it from the payload. */
const TAG_CHARS = Math.ceil((TAG_BYTES * 4) / 3);

let busKey: Buffer | undefined;

/**
 * Sets the key that seals this process's NOTIFY payloads, derived from the master key that
 * every node and the CLI of one deployment share. One master key per process, so one bus key:
 * `buildDeps` calls this once it has loaded the master key.
 *
 * Any role that may CONNECT to the database may also NOTIFY on any channel; without a seal a
 * forged `message.new` would reach live sockets and a forged `workspace.deleted` close them.
 *
 * @example
 * useBusKey(masterKey);
 */
export function useBusKey(masterKey: Buffer): void {
  busKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), BUS_KEY_INFO, 32));
}

/**
 * `<tag>.<payload>`: the payload with an HMAC-SHA256 tag (truncated to 128 bits) in front.
 *
 * @example
 * await sql`select pg_notify(${channel}, ${seal(JSON.stringify(event))})`.execute(trx);
 */
export function seal(payload: string): string {
  return `${tag(payload)}.${payload}`;
}

/**
 * The payload of a sealed message, or undefined when its tag does not verify (forged,
 * truncated, or sealed under another master key). Compared in constant time.
 *
 * @example
 * const payload = unseal(notification);
 * if (payload === undefined) metrics.counter('cariosan_notify_rejected_total', …);
 */
export function unseal(sealed: string): string | undefined {
  if (sealed.length < TAG_CHARS + 1 || sealed[TAG_CHARS] !== '.') return undefined;
  const presented = Buffer.from(sealed.slice(0, TAG_CHARS), 'base64url');
  const payload = sealed.slice(TAG_CHARS + 1);
  const expected = Buffer.from(tag(payload), 'base64url');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    return undefined;
  }
  return payload;
}

/**
 * Counts a bus message this node refused (bad seal, or a sealed payload that fails its
 * schema): it is dropped, never delivered, and shows in `/metrics`.
 *
 * @example
 * countRejected(metrics, 'cariosan_events', 'schema');
 */
export function countRejected(metrics: Metrics, channel: string, reason: 'seal' | 'schema'): void {
  metrics.counter(
    'cariosan_notify_rejected_total',
    'Bus messages dropped because their seal or their shape was wrong',
    { channel, reason },
  );
}

/**
 * LISTEN that hands on only payloads whose seal verifies; the others are counted and dropped.
 *
 * @example
 * const stop = await listenSealed(database, metrics, CONTROL_CHANNEL, (payload) => apply(payload));
 */
export function listenSealed(
  database: DbHandle,
  metrics: Metrics,
  channel: string,
  onPayload: (payload: string) => void,
  onReconnect?: () => void,
): Promise<() => Promise<void>> {
  return database.listen(
    channel,
    (sealed) => {
      const payload = unseal(sealed);
      if (payload === undefined) countRejected(metrics, channel, 'seal');
      else onPayload(payload);
    },
    onReconnect,
  );
}

function tag(payload: string): string {
  if (!busKey) throw new Error('useBusKey(masterKey) must run before the bus is used');
  return createHmac('sha256', busKey)
    .update(payload)
    .digest()
    .subarray(0, TAG_BYTES)
    .toString('base64url');
}
