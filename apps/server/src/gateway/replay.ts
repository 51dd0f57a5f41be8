import type { Message } from '@cariosan/protocol';
import { type Kysely, sql } from 'kysely';
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
 * For a query over `channel_members as m`: whether m's channel has at most `maxMembers`
 * members. Counting stops at `maxMembers + 1` index entries. Name the channel when the query
 * is about one: the count then runs once, not once per row.
 *
 * @example
 * trx.selectFrom('channel_members as m').where(channelWithin(500))
 */
export function channelWithin(
  maxMembers: number,
  one?: { workspaceId: string; channelId: string },
) {
  const where = one
    ? sql`c.workspace_id = ${one.workspaceId} and c.channel_id = ${one.channelId}`
    : sql`c.workspace_id = m.workspace_id and c.channel_id = m.channel_id`;
  return sql<boolean>`(select count(*) from (select 1 from channel_members c where ${where}
    limit ${maxMembers + 1}) as capped) <= ${maxMembers}`;
}

/**
 * The channels whose subscribers hear a user's presence: those the user is a member of, with
 * at most `maxMembers` members. In larger channels every connect and disconnect would be a
 * frame to every subscriber (quadratic in a reconnect wave), so there is none, as their
 * `subscribe` acks list no one online.
 *
 * @example
 * const channelIds = await presenceChannelIds(db, 'ws_…', 'alice', 500);
 */
export async function presenceChannelIds(
  db: Kysely<DB>,
  workspaceId: string,
  userId: string,
  maxMembers: number,
): Promise<string[]> {
  const rows = await withWorkspace(db, workspaceId, (trx) =>
    trx
      .selectFrom('channel_members as m')
      .select('m.channel_id')
      .where('m.workspace_id', '=', workspaceId)
      .where('m.user_id', '=', userId)
      .where(channelWithin(maxMembers))
      .execute(),
  );
  return rows.map((row) => row.channel_id);
}
