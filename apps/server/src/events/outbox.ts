import type { EventPayload, PersistedEventType } from '@cariosan/protocol';
import { sql, type Transaction } from 'kysely';
import { ulid } from 'ulidx';
import type { DB } from '../db/database';
import { json } from '../db/json';
import { seal } from './bus-seal';
import { EVENTS_CHANNEL, encodeWireEvent } from './event-wire';

/** One change to record: a name of SPEC §3 and its payload. */
export interface NewEvent<T extends PersistedEventType> {
  type: T;
  channelId?: string | null;
  /** The message seq, for message events: the order subscribers apply them in. */
  seq?: number | null;
  data: EventPayload<T>;
}

/**
 * Writes an event to the outbox inside the caller's transaction, so the change and its event
 * commit or roll back together, and queues its NOTIFY in the same statement. PostgreSQL
 * delivers notifications only on commit and in commit order; the channel row lock that hands
 * out seqs makes commit order seq order within a channel. The payload is sealed (bus-seal.ts),
 * so no other database role can inject events.
 *
 * @example
 * await recordEvent(trx, workspaceId, { type: 'message.new', channelId, seq, data: { message } });
 */
export async function recordEvent<T extends PersistedEventType>(
  trx: Transaction<DB>,
  workspaceId: string,
  event: NewEvent<T>,
): Promise<string> {
  const eventId = `evt_${ulid()}`;
  const createdAt = new Date().toISOString();
  const channelId = event.channelId ?? null;
  const seq = event.seq ?? null;
  const wire = encodeWireEvent({
    w: workspaceId,
    t: event.type,
    i: eventId,
    c: channelId,
    s: seq,
    a: createdAt,
    d: event.data as Record<string, unknown>,
  });
  await sql`with recorded as (
      insert into outbox (workspace_id, event_id, type, channel_id, seq, payload, created_at)
      values (${workspaceId}, ${eventId}, ${event.type}, ${channelId}, ${seq},
        ${json(event.data)}, ${createdAt})
      returning 1
    )
    select pg_notify(${EVENTS_CHANNEL}, ${seal(wire)}) from recorded`.execute(trx);
  return eventId;
}
