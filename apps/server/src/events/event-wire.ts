import {
  ChannelId,
  EVENT_PAYLOADS,
  EventType,
  jsonInputIssue,
  Seq,
  SOCKET_EVENT_PAYLOADS,
  Timestamp,
} from '@cariosan/protocol';
import * as v from 'valibot';

/** The NOTIFY channel every node listens on for chat events (persisted and socket-only). */
export const EVENTS_CHANNEL = 'cariosan_events';

/**
 * PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; past this the event travels as a
 * reference and each node that has subscribers loads it from the outbox.
 */
export const MAX_INLINE_PAYLOAD_BYTES = 7_000;

/**
 * One event as nodes pass it to each other: compact keys, because every event of every
 * workspace crosses every node.
 */
export interface WireEvent {
  /** workspace id */
  w: string;
  /** event type */
  t: EventType;
  /** outbox event id; null for socket-only events (typing, presence) */
  i: string | null;
  /** channel id */
  c: string | null;
  /** message seq (message.new) */
  s: number | null;
  /** created_at, ISO */
  a: string;
  /** payload; absent when too large to inline (load it from the outbox by `i`) */
  d?: Record<string, unknown>;
}

/**
 * The NOTIFY payload of an event: inline when it fits, else a reference without `d`.
 *
 * @example
 * const payload = encodeWireEvent({ w, t: 'message.new', i: 'evt_…', c: 'general', s: 4, a, d });
 */
export function encodeWireEvent(event: WireEvent): string {
  const inline = JSON.stringify(event);
  if (Buffer.byteLength(inline) <= MAX_INLINE_PAYLOAD_BYTES) return inline;
  const { d: _omitted, ...reference } = event;
  return JSON.stringify(reference);
}

const WORKSPACE_ID = v.pipe(v.string(), v.regex(/^ws_[0-9A-HJKMNP-TV-Z]{26}$/));
const PAYLOADS: Record<EventType, v.GenericSchema> = {
  ...EVENT_PAYLOADS,
  ...SOCKET_EVENT_PAYLOADS,
};

/** The shape of a wire event; `d`, when present, is checked against its type's payload. */
const WireEventSchema = v.pipe(
  v.strictObject({
    w: WORKSPACE_ID,
    t: EventType,
    i: v.nullable(v.pipe(v.string(), v.regex(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/))),
    c: v.nullable(ChannelId),
    s: v.nullable(Seq),
    a: Timestamp,
    d: v.optional(v.record(v.string(), v.unknown())),
  }),
  v.check(
    (event) => event.d === undefined || v.is(PAYLOADS[event.t], event.d),
    'payload does not match its event type',
  ),
  v.check(
    (event) => event.d !== undefined || event.i !== null,
    'a reference event needs its outbox id',
  ),
);

/**
 * Parses and validates a NOTIFY payload (already unsealed) with the protocol's schemas;
 * undefined for anything that is not a well-formed wire event, so nothing malformed reaches
 * a socket.
 *
 * @example
 * const event = decodeWireEvent(payload);
 */
export function decodeWireEvent(payload: string): WireEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (jsonInputIssue(value)) return undefined;
  const parsed = v.safeParse(WireEventSchema, value);
  return parsed.success ? (parsed.output as WireEvent) : undefined;
}

/**
 * Whether an event loaded from the outbox (for a reference) has the payload its type says.
 *
 * @example
 * if (!payloadMatches(event.t, data)) return;
 */
export function payloadMatches(type: EventType, data: unknown): data is Record<string, unknown> {
  return v.is(PAYLOADS[type], data);
}
