import { type InsertObject, sql, type Transaction, type UpdateObject } from 'kysely';
import type { DB, Row } from '../db/database';

type Trx = Transaction<DB>;

/**
 * Inserts a channel unless its id (or, for a dm, its pair) is taken; undefined when taken.
 *
 * @example
 * const row = await insertChannelRow(trx, { workspace_id, id, type: 'group' });
 */
export function insertChannelRow(trx: Trx, row: InsertObject<DB, 'channels'>) {
  return trx
    .insertInto('channels')
    .values(row)
    .onConflict((conflict) => conflict.doNothing())
    .returningAll()
    .executeTakeFirst();
}

/**
 * The dm of a pair of users, if it exists.
 *
 * @example
 * const dm = await findDmRow(trx, workspaceId, 'alice:bob');
 */
export function findDmRow(trx: Trx, workspaceId: string, dmKey: string) {
  return trx
    .selectFrom('channels')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('dm_key', '=', dmKey)
    .executeTakeFirst();
}

/**
 * Which of these user ids are live users of the workspace.
 *
 * @example
 * const existing = await existingUserIds(trx, workspaceId, ['alice', 'bob']);
 */
export async function existingUserIds(
  trx: Trx,
  workspaceId: string,
  userIds: string[],
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await trx
    .selectFrom('users')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', userIds)
    .where('deleted_at', 'is', null)
    .execute();
  return new Set(rows.map((row) => row.id));
}

/**
 * Adds members (existing ones are left as they are, roles and read positions included);
 * returns the rows actually added.
 *
 * @example
 * const added = await insertMemberRows(trx, workspaceId, channelId, [{ user_id: 'bob', role: 'member' }]);
 */
export async function insertMemberRows(
  trx: Trx,
  workspaceId: string,
  channelId: string,
  members: Array<{ user_id: string; role: Row<'channel_members'>['role']; last_read_seq?: number }>,
): Promise<Row<'channel_members'>[]> {
  if (members.length === 0) return [];
  return trx
    .insertInto('channel_members')
    .values(
      members.map((member) => ({ ...member, workspace_id: workspaceId, channel_id: channelId })),
    )
    .onConflict((conflict) => conflict.doNothing())
    .returningAll()
    .execute();
}

/**
 * Removes members; returns the user ids actually removed.
 *
 * @example
 * const removed = await deleteMemberRows(trx, workspaceId, channelId, ['bob']);
 */
export async function deleteMemberRows(
  trx: Trx,
  workspaceId: string,
  channelId: string,
  userIds: string[],
): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await trx
    .deleteFrom('channel_members')
    .where('workspace_id', '=', workspaceId)
    .where('channel_id', '=', channelId)
    .where('user_id', 'in', userIds)
    .returning('user_id')
    .execute();
  return rows.map((row) => row.user_id);
}

/**
 * Members of a channel, oldest first.
 *
 * @example
 * const members = await listMemberRows(trx, workspaceId, channelId);
 */
export function listMemberRows(trx: Trx, workspaceId: string, channelId: string) {
  return trx
    .selectFrom('channel_members')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('channel_id', '=', channelId)
    .orderBy('joined_at')
    .orderBy('user_id')
    .execute();
}

/**
 * @example
 * const row = await updateChannelRow(trx, workspaceId, channelId, { name: 'Design' });
 */
export function updateChannelRow(
  trx: Trx,
  workspaceId: string,
  channelId: string,
  fields: UpdateObject<DB, 'channels'>,
) {
  return trx
    .updateTable('channels')
    .set({ ...fields, updated_at: new Date() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', channelId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Deletes a channel; members, messages and reactions go with it (ON DELETE CASCADE).
 *
 * @example
 * await deleteChannelRow(trx, workspaceId, channelId);
 */
export async function deleteChannelRow(
  trx: Trx,
  workspaceId: string,
  channelId: string,
): Promise<void> {
  await trx
    .deleteFrom('channels')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', channelId)
    .execute();
}

/**
 * Where a channel list page ends: the sort key of its last row, with timestamps as
 * microsecond-exact UTC text (a JS Date would drop the microseconds `now()` stores, and the
 * next page would skip or repeat rows).
 */
export interface ChannelListPosition {
  lastMessageAt: string | null;
  createdAt: string;
  id: string;
}

/** A channel row of a list page, with the member's read position and the newest message. */
export type ChannelListRow = Row<'channels'> & {
  position_message_at: string | null;
  position_created_at: string;
  member_last_read_seq: number | string | null;
  last_message: Row<'messages'> | null;
};

const utcText = (column: string) =>
  sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * One page of a user's channels (or of all channels when `userId` is undefined) in one query:
 * newest message first, channels without messages last (newest first), then by id; with the
 * member's read position and the message at the channel's `last_seq`.
 *
 * @example
 * const rows = await listChannelPage(trx, workspaceId, 'alice', 51);
 */
export function listChannelPage(
  trx: Trx,
  workspaceId: string,
  userId: string | undefined,
  limit: number,
  after?: ChannelListPosition,
): Promise<ChannelListRow[]> {
  let query = trx
    .selectFrom('channels as c')
    .leftJoin('messages as lm', (join) =>
      join
        .onRef('lm.workspace_id', '=', 'c.workspace_id')
        .onRef('lm.channel_id', '=', 'c.id')
        .onRef('lm.seq', '=', 'c.last_seq'),
    )
    .selectAll('c')
    .select([
      utcText('c.last_message_at').as('position_message_at'),
      utcText('c.created_at').as('position_created_at'),
      sql<Row<'messages'> | null>`case when lm.id is null then null else to_jsonb(lm) end`.as(
        'last_message',
      ),
    ])
    .where('c.workspace_id', '=', workspaceId)
    .orderBy('c.last_message_at', (order) => order.desc().nullsLast())
    .orderBy('c.created_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(limit);
  if (userId !== undefined) {
    query = query
      .innerJoin('channel_members as m', (join) =>
        join.onRef('m.workspace_id', '=', 'c.workspace_id').onRef('m.channel_id', '=', 'c.id'),
      )
      .select('m.last_read_seq as member_last_read_seq')
      .where('m.user_id', '=', userId)
      .where('m.banned', '=', false);
  } else {
    query = query.select(sql<null>`null`.as('member_last_read_seq'));
  }
  if (after) {
    const rest = sql<boolean>`(c.created_at, c.id) < (cast(${after.createdAt} as timestamptz), ${after.id})`;
    const at = after.lastMessageAt;
    query = query.where(
      at === null
        ? sql<boolean>`c.last_message_at is null and ${rest}`
        : sql<boolean>`(c.last_message_at is null
            or c.last_message_at < cast(${at} as timestamptz)
            or (c.last_message_at = cast(${at} as timestamptz) and ${rest}))`,
    );
  }
  return query.execute() as Promise<ChannelListRow[]>;
}

/**
 * Unread messages over all of a user's channels.
 *
 * @example
 * const total = await totalUnread(trx, workspaceId, 'alice');
 */
export async function totalUnread(trx: Trx, workspaceId: string, userId: string): Promise<number> {
  const row = await trx
    .selectFrom('channel_members as m')
    .innerJoin('channels as c', (join) =>
      join.onRef('c.workspace_id', '=', 'm.workspace_id').onRef('c.id', '=', 'm.channel_id'),
    )
    .select(
      sql<number>`coalesce(sum(greatest(c.last_seq - m.last_read_seq, 0)), 0)::int8`.as('total'),
    )
    .where('m.workspace_id', '=', workspaceId)
    .where('m.user_id', '=', userId)
    .where('m.banned', '=', false)
    .executeTakeFirstOrThrow();
  return Number(row.total);
}
