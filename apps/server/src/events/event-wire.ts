import type { EventType } from '@cariosan/protocol';

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

/**
 * Parses a NOTIFY payload; undefined for anything that is not a wire event.
 *
 * @example
 * const event = decodeWireEvent(payload);
 */
export function decodeWireEvent(payload: string): WireEvent | undefined {
  try {
    const value = JSON.parse(payload) as Partial<WireEvent> | null;
    if (!value || typeof value.w !== 'string' || typeof value.t !== 'string') return undefined;
    if (typeof value.a !== 'string') return undefined;
    return {
      w: value.w,
      t: value.t,
      i: typeof value.i === 'string' ? value.i : null,
      c: typeof value.c === 'string' ? value.c : null,
      s: typeof value.s === 'number' ? value.s : null,
      a: value.a,
      ...(value.d && typeof value.d === 'object' ? { d: value.d } : {}),
    };
  } catch {
    return undefined;
  }
}
