import type { EventPayload, PersistedEventType } from '@cariosan/protocol';
import type { Transaction } from 'kysely';
import { ulid } from 'ulidx';
import type { DB } from '../db/database';
import { json } from '../db/json';

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
 * commit or roll back together; the gateway and webhooks read them from there.
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
  await trx
    .insertInto('outbox')
    .values({
      workspace_id: workspaceId,
      event_id: eventId,
      type: event.type,
      channel_id: event.channelId ?? null,
      seq: event.seq ?? null,
      payload: json(event.data),
    })
    .execute();
  return eventId;
}
