import type { EventType } from '@cariosan/protocol';

/**
 * An `event` frame as the socket sends it, serialized once: the same bytes go to every
 * subscriber of the channel.
 *
 * @example
 * hub.toChannel(w, 'general', eventFrame('message.new', 'evt_…', 'general', 7, { message }), 7);
 */
export function eventFrame(
  type: EventType,
  eventId: string | null,
  channelId: string | null,
  seq: number | null,
  data: Record<string, unknown>,
): Buffer {
  return Buffer.from(
    JSON.stringify({
      type: 'event',
      event: type,
      event_id: eventId,
      channel_id: channelId,
      seq,
      data,
    }),
  );
}

/**
 * The `token_expiring` frame: refresh before `expiresAt` or the socket closes with 4002.
 *
 * @example
 * connection.push(tokenExpiringFrame(principal.expiresAt));
 */
export function tokenExpiringFrame(expiresAt: number): Buffer {
  return Buffer.from(
    JSON.stringify({ type: 'token_expiring', expires_at: new Date(expiresAt).toISOString() }),
  );
}
