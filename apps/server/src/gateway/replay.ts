import type { Message } from '@cariosan/protocol';
import { type Kysely, sql, type Transaction } from 'kysely';
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
 * Channels with more members than this have no presence: their `subscribe` acks list no one
 * online and they get no `presence.changed` events (every connect and disconnect would be a
 * frame to every subscriber, quadratic in a reconnect wave).
 */
export const PRESENCE_MEMBER_LIMIT = 500;

/**
 * Whether a channel has at most PRESENCE_MEMBER_LIMIT members; counting stops one past it.
 * `channel` is SQL naming the channel: a correlated `m.channel_id`, or a bound id, with which
 * the count runs once rather than once per row.
 */
function withPresence(workspaceId: string, channel: ReturnType<typeof sql>) {
  return sql<boolean>`(select count(*) from (select 1 from channel_members c
    where c.workspace_id = ${workspaceId} and c.channel_id = ${channel}
    limit ${PRESENCE_MEMBER_LIMIT + 1}) as capped) <= ${PRESENCE_MEMBER_LIMIT}`;
}

/**
 * The members of a channel listed with their presence in its `subscribe` ack: all of them, or
 * none when it is over PRESENCE_MEMBER_LIMIT.
 *
 * @example
 * const userIds = await presenceMemberIds(trx, 'ws_…', 'general');
 */
export async function presenceMemberIds(
  trx: Transaction<DB>,
  workspaceId: string,
  channelId: string,
): Promise<string[]> {
  const rows = await trx
    .selectFrom('channel_members')
    .select('user_id')
    .where('workspace_id', '=', workspaceId)
    .where('channel_id', '=', channelId)
    .where(withPresence(workspaceId, sql`${channelId}`))
    .execute();
  return rows.map((row) => row.user_id);
}

/**
 * The channels whose subscribers hear a user's presence: the user's channels of at most
 * PRESENCE_MEMBER_LIMIT members.
 *
 * @example
 * const channelIds = await presenceChannelIds(db, 'ws_…', 'alice');
 */
export async function presenceChannelIds(
  db: Kysely<DB>,
  workspaceId: string,
  userId: string,
): Promise<string[]> {
  const rows = await withWorkspace(db, workspaceId, (trx) =>
    trx
      .selectFrom('channel_members as m')
      .select('m.channel_id')
      .where('m.workspace_id', '=', workspaceId)
      .where('m.user_id', '=', userId)
      .where(withPresence(workspaceId, sql.ref('m.channel_id')))
      .execute(),
  );
  return rows.map((row) => row.channel_id);
}
