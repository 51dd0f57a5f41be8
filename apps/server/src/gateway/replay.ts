import type { Message } from '@cariosan/protocol';
import type { Kysely } from 'kysely';
import type { DB } from '../db/database';
import { withWorkspace } from '../db/scope';
import { toMessage } from '../messages/message.mapper';
import { historyRows, reactionCounts } from '../messages/message.repository';

/** Messages loaded per round trip when a subscription catches up. */
export const REPLAY_PAGE = 200;

/**
 * The messages of a channel after `afterSeq`, ascending, at most `limit`: what a subscriber
 * missed. Each carries its current state (edits, deletion, reaction counts).
 *
 * @example
 * const missed = await messagesAfter(db, 'ws_…', 'general', 41, 200);
 */
export function messagesAfter(
  db: Kysely<DB>,
  workspaceId: string,
  channelId: string,
  afterSeq: number,
  limit = REPLAY_PAGE,
): Promise<Message[]> {
  return withWorkspace(db, workspaceId, async (trx) => {
    const rows = await historyRows(trx, workspaceId, channelId, { after: afterSeq, limit });
    const counts = await reactionCounts(
      trx,
      workspaceId,
      rows.map((row) => row.id),
    );
    return rows.map((row) => toMessage(row, counts.get(row.id)));
  });
}

/**
 * The payload of an outbox event, for events too large to travel inline in a NOTIFY.
 *
 * @example
 * const data = await outboxPayload(db, 'ws_…', 'evt_…');
 */
export async function outboxPayload(
  db: Kysely<DB>,
  workspaceId: string,
  eventId: string,
): Promise<Record<string, unknown> | undefined> {
  const row = await withWorkspace(db, workspaceId, (trx) =>
    trx
      .selectFrom('outbox')
      .select('payload')
      .where('workspace_id', '=', workspaceId)
      .where('event_id', '=', eventId)
      .executeTakeFirst(),
  );
  return row?.payload as Record<string, unknown> | undefined;
}

/**
 * The channels a user is a member of (presence goes to their subscribers).
 *
 * @example
 * const channelIds = await memberChannelIds(db, 'ws_…', 'alice');
 */
export async function memberChannelIds(
  db: Kysely<DB>,
  workspaceId: string,
  userId: string,
): Promise<string[]> {
  const rows = await withWorkspace(db, workspaceId, (trx) =>
    trx
      .selectFrom('channel_members')
      .select('channel_id')
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .execute(),
  );
  return rows.map((row) => row.channel_id);
}
