import { type InsertObject, sql, type Transaction, type UpdateObject } from 'kysely';
import type { DB, Row } from '../db/database';

type Trx = Transaction<DB>;

/**
 * A message of a channel by id; `forUpdate` locks it until the transaction ends.
 *
 * @example
 * const row = await findMessageRow(trx, workspaceId, channelId, 'msg_…');
 */
export function findMessageRow(
  trx: Trx,
  workspaceId: string,
  channelId: string,
  messageId: string,
  options: { forUpdate?: boolean } = {},
) {
  const query = trx
    .selectFrom('messages')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('channel_id', '=', channelId)
    .where('id', '=', messageId);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

/**
 * The message an author already sent with this client_id, if any.
 *
 * @example
 * const first = await findByClientId(trx, workspaceId, channelId, 'alice', 'c-1');
 */
export function findByClientId(
  trx: Trx,
  workspaceId: string,
  channelId: string,
  userId: string,
  clientId: string,
) {
  return trx
    .selectFrom('messages')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('channel_id', '=', channelId)
    .where('user_id', '=', userId)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
}

/**
 * Takes the next seq of a channel whose row the caller has locked, and stamps its activity.
 *
 * @example
 * const seq = await takeNextSeq(trx, workspaceId, channelId);
 */
export async function takeNextSeq(
  trx: Trx,
  workspaceId: string,
  channelId: string,
): Promise<number> {
  const row = await trx
    .updateTable('channels')
    // now() is the transaction's start, the same instant as the message's created_at default.
    .set({ last_seq: sql`last_seq + 1`, last_message_at: sql`now()` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', channelId)
    .returning('last_seq')
    .executeTakeFirstOrThrow();
  return Number(row.last_seq);
}

/**
 * Inserts a message row (its seq taken with `takeNextSeq` in the same transaction).
 *
 * @example
 * const row = await insertMessageRow(trx, { workspace_id, id, channel_id, seq, user_id, text });
 */
export function insertMessageRow(trx: Trx, row: InsertObject<DB, 'messages'>) {
  return trx.insertInto('messages').values(row).returningAll().executeTakeFirstOrThrow();
}

/**
 * Adds `delta` to a thread parent's reply count.
 *
 * @example
 * await bumpReplyCount(trx, workspaceId, parentId, 1);
 */
export async function bumpReplyCount(
  trx: Trx,
  workspaceId: string,
  messageId: string,
  delta: number,
): Promise<void> {
  await trx
    .updateTable('messages')
    .set({ reply_count: sql`greatest(reply_count + ${delta}, 0)` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', messageId)
    .execute();
}

/**
 * Updates a message that is not deleted; undefined when it is (or was deleted concurrently:
 * the row is re-checked after waiting for the deleter's lock, so an edit never writes text back
 * into a tombstone and two deletes never both count).
 *
 * @example
 * const row = await updateLiveMessageRow(trx, workspaceId, messageId, { text: 'fixed', edited_at: sql`now()` });
 */
export function updateLiveMessageRow(
  trx: Trx,
  workspaceId: string,
  messageId: string,
  fields: UpdateObject<DB, 'messages'>,
) {
  return trx
    .updateTable('messages')
    .set(fields)
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', messageId)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/**
 * A page of history on the (workspace_id, channel_id, seq) index: after `after` ascending, else
 * below `before` (or the newest) descending. Returns up to `limit` rows in the scan order.
 *
 * @example
 * const rows = await historyRows(trx, workspaceId, channelId, { before: 120, limit: 51 });
 */
export function historyRows(
  trx: Trx,
  workspaceId: string,
  channelId: string,
  range: { before?: number; after?: number; limit: number },
) {
  let query = trx
    .selectFrom('messages')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('channel_id', '=', channelId)
    .limit(range.limit);
  if (range.after !== undefined) query = query.where('seq', '>', range.after);
  if (range.before !== undefined) query = query.where('seq', '<', range.before);
  return query.orderBy('seq', range.after !== undefined ? 'asc' : 'desc').execute();
}

/**
 * Reaction counts per message, `{message_id: {type: count}}`, in one grouped query.
 *
 * @example
 * const counts = await reactionCounts(trx, workspaceId, ['msg_…']);
 */
export async function reactionCounts(
  trx: Trx,
  workspaceId: string,
  messageIds: string[],
): Promise<Map<string, Record<string, number>>> {
  const counts = new Map<string, Record<string, number>>();
  if (messageIds.length === 0) return counts;
  const rows = await trx
    .selectFrom('reactions')
    .select(['message_id', 'type', sql<number>`count(*)::int`.as('count')])
    .where('workspace_id', '=', workspaceId)
    .where('message_id', 'in', messageIds)
    .groupBy(['message_id', 'type'])
    .execute();
  for (const row of rows) {
    const entry = counts.get(row.message_id) ?? {};
    entry[row.type] = Number(row.count);
    counts.set(row.message_id, entry);
  }
  return counts;
}

/**
 * One reaction per user per type: true when it was new.
 *
 * @example
 * const added = await insertReactionRow(trx, workspaceId, messageId, 'alice', 'like');
 */
export async function insertReactionRow(
  trx: Trx,
  workspaceId: string,
  messageId: string,
  userId: string,
  type: string,
) {
  const row = await trx
    .insertInto('reactions')
    .values({ workspace_id: workspaceId, message_id: messageId, user_id: userId, type })
    .onConflict((conflict) => conflict.doNothing())
    .returning('type')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Removes one user's reaction of one type: true when there was one.
 *
 * @example
 * const removed = await deleteReactionRow(trx, workspaceId, messageId, 'alice', 'like');
 */
export async function deleteReactionRow(
  trx: Trx,
  workspaceId: string,
  messageId: string,
  userId: string,
  type: string,
) {
  const result = await trx
    .deleteFrom('reactions')
    .where('workspace_id', '=', workspaceId)
    .where('message_id', '=', messageId)
    .where('user_id', '=', userId)
    .where('type', '=', type)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Moves a member's read position forward to `seq`; returns the member row when it moved,
 * undefined when it was already there or beyond (so concurrent calls report one move each).
 *
 * @example
 * const moved = await advanceReadSeq(trx, workspaceId, channelId, 'alice', 42);
 */
export function advanceReadSeq(
  trx: Trx,
  workspaceId: string,
  channelId: string,
  userId: string,
  seq: number,
): Promise<Row<'channel_members'> | undefined> {
  return trx
    .updateTable('channel_members')
    .set({ last_read_seq: seq })
    .where('workspace_id', '=', workspaceId)
    .where('channel_id', '=', channelId)
    .where('user_id', '=', userId)
    .where('last_read_seq', '<', seq)
    .returningAll()
    .executeTakeFirst();
}

/**
 * A member's read position as it is now.
 *
 * @example
 * const seq = await findReadSeq(trx, workspaceId, channelId, 'alice');
 */
export async function findReadSeq(
  trx: Trx,
  workspaceId: string,
  channelId: string,
  userId: string,
): Promise<number> {
  const row = await trx
    .selectFrom('channel_members')
    .select('last_read_seq')
    .where('workspace_id', '=', workspaceId)
    .where('channel_id', '=', channelId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(row?.last_read_seq ?? 0);
}
