import type { Message, MessagePage, SendMessageBody, UpdateMessageBody } from '@cariosan/protocol';
import { type Kysely, sql, type Transaction } from 'kysely';
import { ulid } from 'ulidx';
import {
  type ChannelAccess,
  loadVisibleChannel,
  requireMember,
  requireModerator,
} from '../channels/channel-access';
import type { DB, Row } from '../db/database';
import { json } from '../db/json';
import { withWorkspace } from '../db/scope';
import { recordEvent } from '../events/outbox';
import { type Actor, requireActingUser } from '../http/actor';
import { AppError } from '../lib/errors';
import { toMessage } from './message.mapper';
import * as repo from './message.repository';

type Trx = Transaction<DB>;

/**
 * A message of a visible channel; an id of another channel answers 404.
 *
 * @example
 * const row = await loadMessage(trx, access, 'msg_…');
 */
export async function loadMessage(trx: Trx, access: ChannelAccess, messageId: string) {
  const row = await repo.findMessageRow(
    trx,
    access.channel.workspace_id,
    access.channel.id,
    messageId,
  );
  if (!row) throw new AppError('not_found', `No such message: ${messageId}`);
  return row;
}

/**
 * The API view of one message row, with its reaction counts.
 *
 * @example
 * return withReactions(trx, row);
 */
export async function withReactions(trx: Trx, row: Row<'messages'>): Promise<Message> {
  const counts = await repo.reactionCounts(trx, row.workspace_id, [row.id]);
  return toMessage(row, counts.get(row.id));
}

/**
 * Sends a message. The channel row is locked for the whole transaction, so seqs are handed out
 * one at a time and only for messages that commit: 1, 2, 3 … with no gap or duplicate. A
 * `client_id` already used by this author in this channel returns the first message
 * (`created: false`) and takes no seq: the check runs after the lock, so concurrent retries
 * see each other.
 *
 * @example
 * const { message, created } = await sendMessage(db, actor, 'general', { text: 'Hi', client_id: 'c1' });
 */
export function sendMessage(
  db: Kysely<DB>,
  actor: Actor,
  channelId: string,
  body: SendMessageBody,
): Promise<{ message: Message; created: boolean }> {
  const workspaceId = actor.workspaceId;
  return withWorkspace(db, workspaceId, async (trx) => {
    const author = requireActingUser(actor, 'sending a message');
    const access = await loadVisibleChannel(trx, actor, channelId, { forUpdate: true });
    requireMember(access, 'send messages');
    if (body.client_id) {
      const first = await repo.findByClientId(trx, workspaceId, channelId, author, body.client_id);
      if (first) return { message: await withReactions(trx, first), created: false };
    }
    if (body.parent_id) {
      // Locked so that a concurrent delete of the root waits for this reply's count.
      const parent = await repo.findMessageRow(trx, workspaceId, channelId, body.parent_id, {
        forUpdate: true,
      });
      if (!parent || parent.deleted_at)
        throw new AppError('not_found', `No such message: ${body.parent_id}`);
      if (parent.parent_id) {
        throw new AppError('invalid_request', 'parent_id: replies go to the thread root', {
          field: 'parent_id',
        });
      }
    }
    const seq = await repo.takeNextSeq(trx, workspaceId, channelId);
    const row = await repo.insertMessageRow(trx, {
      workspace_id: workspaceId,
      id: `msg_${ulid()}`,
      channel_id: channelId,
      seq,
      user_id: author,
      text: body.text,
      attachments: json(body.attachments),
      parent_id: body.parent_id ?? null,
      client_id: body.client_id ?? null,
    });
    if (body.parent_id) await repo.bumpReplyCount(trx, workspaceId, body.parent_id, 1);
    // One's own message is read: it must not count as unread for its author.
    await repo.advanceReadSeq(trx, workspaceId, channelId, author, seq);
    const message = toMessage(row);
    await recordEvent(trx, workspaceId, { type: 'message.new', channelId, seq, data: { message } });
    return { message, created: true };
  });
}

/**
 * History by seq, always ascending: `after` pages forward, `before` (or nothing: the newest)
 * backward. Each page is one index range scan plus one grouped reaction query.
 *
 * @example
 * const page = await listMessages(db, actor, 'general', { before: 120, limit: 50 });
 */
export function listMessages(
  db: Kysely<DB>,
  actor: Actor,
  channelId: string,
  query: { before?: number; after?: number; limit: number },
): Promise<MessagePage> {
  return withWorkspace(db, actor.workspaceId, async (trx) => {
    const { channel } = await loadVisibleChannel(trx, actor, channelId);
    // The newest page is bounded by last_seq too: with a seq range the planner picks the seq
    // index even without statistics (PGlite never autovacuums), instead of sorting the channel.
    const before =
      query.before === undefined && query.after === undefined
        ? Number(channel.last_seq) + 1
        : query.before;
    const rows = await repo.historyRows(trx, actor.workspaceId, channelId, {
      ...(before === undefined ? {} : { before }),
      ...(query.after === undefined ? {} : { after: query.after }),
      limit: query.limit + 1,
    });
    const has_more = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    if (query.after === undefined) page.reverse();
    const counts = await repo.reactionCounts(
      trx,
      actor.workspaceId,
      page.map((row) => row.id),
    );
    return { messages: page.map((row) => toMessage(row, counts.get(row.id))), has_more };
  });
}

function requireAuthor(actor: Actor, row: Row<'messages'>): void {
  if (actor.userId === undefined && actor.privileged) return;
  if (actor.userId !== row.user_id)
    throw new AppError('forbidden', 'Only the author may edit this message');
}

/**
 * Edits a message's text or attachments (the author only; the server key pair without a
 * `user_id` may edit any). A deleted message is a 409, and so is the result of an edit that
 * would leave neither text nor attachments.
 *
 * @example
 * await updateMessage(db, actor, 'general', 'msg_…', { text: 'fixed' });
 */
export function updateMessage(
  db: Kysely<DB>,
  actor: Actor,
  channelId: string,
  messageId: string,
  body: UpdateMessageBody,
): Promise<Message> {
  return withWorkspace(db, actor.workspaceId, async (trx) => {
    if (body.text === undefined && body.attachments === undefined) {
      throw new AppError('invalid_request', 'text: give text or attachments to change', {
        field: 'text',
      });
    }
    const access = await loadVisibleChannel(trx, actor, channelId);
    const row = await loadMessage(trx, access, messageId);
    requireAuthor(actor, row);
    const text = body.text ?? row.text;
    const attachments = body.attachments ?? (row.attachments as unknown[]);
    if (text.trim().length === 0 && attachments.length === 0) {
      throw new AppError('invalid_request', 'text: a message needs text or attachments', {
        field: 'text',
      });
    }
    const updated = await repo.updateLiveMessageRow(trx, actor.workspaceId, messageId, {
      text,
      attachments: json(attachments),
      edited_at: sql`now()`,
    });
    if (!updated) throw new AppError('conflict', 'The message is deleted');
    const message = await withReactions(trx, updated);
    await recordEvent(trx, actor.workspaceId, {
      type: 'message.updated',
      channelId,
      data: { message },
    });
    return message;
  });
}

/**
 * Soft-deletes a message (its author, a channel owner or moderator, a workspace admin, or the
 * server key pair): text and attachments are erased from the row, the seq stays, a reply no
 * longer counts in its root's `reply_count`. Deleting again returns the tombstone and records
 * nothing.
 *
 * @example
 * const tombstone = await deleteMessage(db, actor, 'general', 'msg_…');
 */
export function deleteMessage(
  db: Kysely<DB>,
  actor: Actor,
  channelId: string,
  messageId: string,
): Promise<Message> {
  return withWorkspace(db, actor.workspaceId, async (trx) => {
    const access = await loadVisibleChannel(trx, actor, channelId);
    const row = await loadMessage(trx, access, messageId);
    if (actor.userId !== row.user_id) requireModerator(access, actor);
    const deleted = await repo.updateLiveMessageRow(trx, actor.workspaceId, messageId, {
      text: '',
      attachments: json([]),
      deleted_at: sql`now()`,
    });
    // Already deleted, maybe by a concurrent request that got the row first: nothing to count.
    if (!deleted) return toMessage(await loadMessage(trx, access, messageId));
    if (row.parent_id) await repo.bumpReplyCount(trx, actor.workspaceId, row.parent_id, -1);
    const message = toMessage(deleted);
    await recordEvent(trx, actor.workspaceId, {
      type: 'message.deleted',
      channelId,
      data: { message },
    });
    return message;
  });
}
