import type {
  ChannelList,
  ChannelListItem,
  ChannelWithMembers,
  CreateChannelBody,
  Deleted,
  UpdateChannelBody,
  UpdateMembersBody,
} from '@cariosan/protocol';
import type { Kysely, Transaction } from 'kysely';
import { ulid } from 'ulidx';
import type { DB, Row } from '../db/database';
import { json } from '../db/json';
import { withWorkspace } from '../db/scope';
import { recordEvent } from '../events/outbox';
import type { Actor } from '../http/actor';
import { decodeCursor, encodeCursor } from '../lib/cursor';
import { AppError } from '../lib/errors';
import { toMessage } from '../messages/message.mapper';
import { toChannel, toMember } from './channel.mapper';
import * as repo from './channel.repository';
import { loadActingUser, loadVisibleChannel, requireModerator } from './channel-access';

type Trx = Transaction<DB>;
type NewMember = { user_id: string; role: Row<'channel_members'>['role']; last_read_seq?: number };

async function withMembers(trx: Trx, channel: Row<'channels'>): Promise<ChannelWithMembers> {
  const members = await repo.listMemberRows(trx, channel.workspace_id, channel.id);
  return { channel: toChannel(channel), members: members.map(toMember) };
}

async function requireUsers(trx: Trx, workspaceId: string, userIds: string[]): Promise<void> {
  const existing = await repo.existingUserIds(trx, workspaceId, userIds);
  const missing = userIds.find((id) => !existing.has(id));
  if (missing) throw new AppError('not_found', `No such user: ${missing}`);
}

/** Adds members and records one `member.added` per row actually inserted. */
async function addMembers(trx: Trx, channel: Row<'channels'>, members: NewMember[]) {
  const added = await repo.insertMemberRows(trx, channel.workspace_id, channel.id, members);
  for (const row of added) {
    await recordEvent(trx, channel.workspace_id, {
      type: 'member.added',
      channelId: channel.id,
      data: { channel_id: channel.id, member: toMember(row) },
    });
  }
}

/** The pair's key: user ids cannot contain ':', so the key is unambiguous. */
function dmKeyOf(memberIds: string[]): string {
  if (memberIds.length !== 2) {
    throw new AppError('invalid_request', 'members: a dm has exactly two distinct members', {
      field: 'members',
    });
  }
  return [...memberIds].sort().join(':');
}

/**
 * Creates a channel; the acting user becomes its owner. A dm is one channel per pair of
 * users: whoever asks second gets the first one back (`created: false`), even when both ask at
 * once (the unique dm_key decides). Every member must be a live user (404 naming the first
 * missing one).
 *
 * @example
 * const { result, created } = await createChannel(db, actor, { type: 'group', members: ['bob'] });
 */
export function createChannel(
  db: Kysely<DB>,
  actor: Actor,
  body: CreateChannelBody,
): Promise<{ result: ChannelWithMembers; created: boolean }> {
  const workspaceId = actor.workspaceId;
  const memberIds = [...new Set([...(actor.userId ? [actor.userId] : []), ...body.members])];
  return withWorkspace(db, workspaceId, async (trx) => {
    const dmKey = body.type === 'dm' ? dmKeyOf(memberIds) : null;
    await loadActingUser(trx, actor);
    await requireUsers(trx, workspaceId, memberIds);
    const existingDm = dmKey ? await repo.findDmRow(trx, workspaceId, dmKey) : undefined;
    const row =
      existingDm ??
      (await repo.insertChannelRow(trx, {
        workspace_id: workspaceId,
        id: body.id ?? `ch_${ulid()}`,
        type: body.type,
        name: body.name ?? null,
        custom: json(body.custom ?? {}),
        dm_key: dmKey,
        created_by: actor.userId ?? null,
      }));
    // A concurrent create of the same dm won the unique dm_key: its row is committed by now.
    const dm = row ? existingDm : dmKey ? await repo.findDmRow(trx, workspaceId, dmKey) : undefined;
    if (dm) {
      // A member deleted and later revived lost the membership: asking for the dm restores it.
      await addMembers(
        trx,
        dm,
        memberIds.map((userId) => ({ user_id: userId, role: 'member' as const })),
      );
      return { result: await withMembers(trx, dm), created: false };
    }
    if (!row)
      throw new AppError('conflict', `A channel with id ${body.id} exists`, { field: 'id' });
    await repo.insertMemberRows(
      trx,
      workspaceId,
      row.id,
      memberIds.map((userId) => ({
        user_id: userId,
        role: userId === actor.userId ? ('owner' as const) : ('member' as const),
      })),
    );
    const result = await withMembers(trx, row);
    await recordEvent(trx, workspaceId, {
      type: 'channel.created',
      channelId: row.id,
      data: result,
    });
    return { result, created: true };
  });
}

/**
 * A channel the actor may see, with its members.
 *
 * @example
 * const { channel, members } = await getChannel(db, actor, 'general');
 */
export function getChannel(
  db: Kysely<DB>,
  actor: Actor,
  channelId: string,
): Promise<ChannelWithMembers> {
  return withWorkspace(db, actor.workspaceId, async (trx) => {
    const access = await loadVisibleChannel(trx, actor, channelId);
    return withMembers(trx, access.channel);
  });
}

/**
 * Renames a channel or replaces its custom data (owner, moderator, admin, server).
 *
 * @example
 * await updateChannel(db, actor, 'general', { name: 'General' });
 */
export function updateChannel(
  db: Kysely<DB>,
  actor: Actor,
  channelId: string,
  body: UpdateChannelBody,
): Promise<ChannelWithMembers> {
  return withWorkspace(db, actor.workspaceId, async (trx) => {
    const access = await loadVisibleChannel(trx, actor, channelId, { forUpdate: true });
    requireModerator(access, actor);
    const row = await repo.updateChannelRow(trx, actor.workspaceId, channelId, {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.custom !== undefined ? { custom: json(body.custom) } : {}),
    });
    await recordEvent(trx, actor.workspaceId, {
      type: 'channel.updated',
      channelId,
      data: { channel: toChannel(row) },
    });
    return withMembers(trx, row);
  });
}

/**
 * Deletes a channel with its members, messages and reactions (owner, moderator, admin,
 * server); `channel.deleted` carries the channel as it was.
 *
 * @example
 * await deleteChannel(db, actor, 'general');
 */
export function deleteChannel(db: Kysely<DB>, actor: Actor, channelId: string): Promise<Deleted> {
  return withWorkspace(db, actor.workspaceId, async (trx) => {
    const access = await loadVisibleChannel(trx, actor, channelId, { forUpdate: true });
    requireModerator(access, actor);
    await repo.deleteChannelRow(trx, actor.workspaceId, channelId);
    await recordEvent(trx, actor.workspaceId, {
      type: 'channel.deleted',
      channelId,
      data: { channel: toChannel(access.channel) },
    });
    return { id: channelId, deleted: true as const };
  });
}

/**
 * Adds and removes members. Anyone may join a public channel or leave any channel; changing
 * other people's membership takes a moderator. A dm's two members are fixed. New members
 * start with everything before them read, so joining a busy channel is not a wall of unread.
 *
 * @example
 * await updateMembers(db, actor, 'general', { add: ['carol'], remove: [] });
 */
export function updateMembers(
  db: Kysely<DB>,
  actor: Actor,
  channelId: string,
  body: UpdateMembersBody,
): Promise<ChannelWithMembers> {
  const workspaceId = actor.workspaceId;
  const both = body.add.find((id) => body.remove.includes(id));
  if (both) {
    throw new AppError('invalid_request', `remove: ${both} is also in add`, { field: 'remove' });
  }
  return withWorkspace(db, workspaceId, async (trx) => {
    const access = await loadVisibleChannel(trx, actor, channelId, { forUpdate: true });
    const { channel } = access;
    if (body.add.length === 0 && body.remove.length === 0) return withMembers(trx, channel);
    if (channel.type === 'dm') throw new AppError('forbidden', 'The members of a dm cannot change');
    const onlySelf = (ids: string[]) => ids.every((id) => id === actor.userId);
    const joins = onlySelf(body.add) && (body.add.length === 0 || channel.type === 'public');
    if (!(joins && onlySelf(body.remove))) requireModerator(access, actor);
    await requireUsers(trx, workspaceId, body.add);
    const lastSeq = Number(channel.last_seq);
    await addMembers(
      trx,
      channel,
      body.add.map((userId) => ({
        user_id: userId,
        role: 'member' as const,
        last_read_seq: lastSeq,
      })),
    );
    const removed = await repo.deleteMemberRows(trx, workspaceId, channelId, body.remove);
    for (const userId of removed) {
      await recordEvent(trx, workspaceId, {
        type: 'member.removed',
        channelId,
        data: { channel_id: channelId, user_id: userId },
      });
    }
    return withMembers(trx, channel);
  });
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** A timestamp as the list writes it into cursors, and a real instant (no month 99). */
function isCursorTime(value: unknown): value is string {
  if (typeof value !== 'string' || !TIME.test(value)) return false;
  const millis = `${value.slice(0, 23)}Z`;
  const parsed = new Date(millis);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString() === millis;
}

function decodePosition(cursor: string): repo.ChannelListPosition {
  const [lastMessageAt, createdAt, id] = decodeCursor(cursor, 3);
  if (
    (lastMessageAt === null || isCursorTime(lastMessageAt)) &&
    isCursorTime(createdAt) &&
    typeof id === 'string'
  ) {
    return { lastMessageAt, createdAt, id };
  }
  throw new AppError('invalid_request', 'cursor: not a cursor this API returned', {
    field: 'cursor',
  });
}

function toListItem(row: repo.ChannelListRow, forUser: boolean): ChannelListItem {
  const lastRead = Number(row.member_last_read_seq ?? 0);
  return {
    channel: toChannel(row),
    last_read_seq: lastRead,
    unread_count: forUser ? Math.max(0, Number(row.last_seq) - lastRead) : 0,
    last_message: row.last_message ? toMessage(row.last_message) : null,
  };
}

/**
 * The caller's channels, newest message first (channels without messages last, newest
 * first), with unread counts and the last message; `total_unread_count` covers all of them,
 * not just this page. A server caller without `user_id` lists every channel of the workspace.
 * Two queries per page, whatever its size.
 *
 * @example
 * const list = await listChannels(db, actor, { limit: 20 });
 */
export function listChannels(
  db: Kysely<DB>,
  actor: Actor,
  query: { limit: number; cursor?: string },
): Promise<ChannelList> {
  const after = query.cursor === undefined ? undefined : decodePosition(query.cursor);
  return withWorkspace(db, actor.workspaceId, async (trx) => {
    await loadActingUser(trx, actor);
    const userId = actor.userId;
    const rows = await repo.listChannelPage(trx, actor.workspaceId, userId, query.limit + 1, after);
    const page = rows.slice(0, query.limit);
    const tail = page[page.length - 1];
    return {
      items: page.map((row) => toListItem(row, userId !== undefined)),
      next_cursor:
        rows.length > query.limit && tail
          ? encodeCursor([tail.position_message_at, tail.position_created_at, tail.id])
          : null,
      total_unread_count: userId ? await repo.totalUnread(trx, actor.workspaceId, userId) : 0,
    };
  });
}
