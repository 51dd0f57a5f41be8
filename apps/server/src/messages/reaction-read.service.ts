import type { Message, ReadState } from '@cariosan/protocol';
import type { Kysely } from 'kysely';
import { loadVisibleChannel, requireMember } from '../channels/channel-access';
import type { DB } from '../db/database';
import { withWorkspace } from '../db/scope';
import { recordEvent } from '../events/outbox';
import { type Actor, requireActingUser } from '../http/actor';
import { AppError } from '../lib/errors';
import * as repo from './message.repository';
import { loadMessage, withReactions } from './message.service';

/**
 * Adds a reaction (members only; one per user per type). `reaction.new` is recorded only when
 * the reaction is new, so a retry is silent.
 *
 * @example
 * const message = await addReaction(db, actor, 'general', 'msg_…', 'like');
 */
export function addReaction(
  db: Kysely<DB>,
  actor: Actor,
  channelId: string,
  messageId: string,
  type: string,
): Promise<Message> {
  return withWorkspace(db, actor.workspaceId, async (trx) => {
    const userId = requireActingUser(actor, 'reacting');
    const access = await loadVisibleChannel(trx, actor, channelId);
    requireMember(access, 'react');
    const row = await loadMessage(trx, access, messageId);
    if (row.deleted_at) throw new AppError('conflict', 'The message is deleted');
    const added = await repo.insertReactionRow(trx, actor.workspaceId, messageId, userId, type);
    const message = await withReactions(trx, row);
    if (added) {
      await recordEvent(trx, actor.workspaceId, {
        type: 'reaction.new',
        channelId,
        data: { reaction: { message_id: messageId, user_id: userId, type }, message },
      });
    }
    return message;
  });
}

/**
 * Removes the acting user's reaction of a type; `reaction.deleted` only when one was there.
 *
 * @example
 * const message = await removeReaction(db, actor, 'general', 'msg_…', 'like');
 */
export function removeReaction(
  db: Kysely<DB>,
  actor: Actor,
  channelId: string,
  messageId: string,
  type: string,
): Promise<Message> {
  return withWorkspace(db, actor.workspaceId, async (trx) => {
    const userId = requireActingUser(actor, 'removing a reaction');
    const access = await loadVisibleChannel(trx, actor, channelId);
    const row = await loadMessage(trx, access, messageId);
    const removed = await repo.deleteReactionRow(trx, actor.workspaceId, messageId, userId, type);
    const message = await withReactions(trx, row);
    if (removed) {
      await recordEvent(trx, actor.workspaceId, {
        type: 'reaction.deleted',
        channelId,
        data: { reaction: { message_id: messageId, user_id: userId, type }, message },
      });
    }
    return message;
  });
}

/**
 * Moves the acting member's read position forward (never back, never past the newest
 * message); `read.updated` only when it moved.
 *
 * @example
 * const state = await markRead(db, actor, 'general', 42);
 */
export function markRead(
  db: Kysely<DB>,
  actor: Actor,
  channelId: string,
  seq: number,
): Promise<ReadState> {
  return withWorkspace(db, actor.workspaceId, async (trx) => {
    const userId = requireActingUser(actor, 'marking read');
    const access = await loadVisibleChannel(trx, actor, channelId);
    requireMember(access, 'mark it read');
    const lastSeq = Number(access.channel.last_seq);
    if (seq > lastSeq) {
      throw new AppError('invalid_request', `seq: the channel's newest message is ${lastSeq}`, {
        field: 'seq',
      });
    }
    const moved = await repo.advanceReadSeq(trx, actor.workspaceId, channelId, userId, seq);
    // Not moved: a concurrent call may have gone further than the position read above.
    const lastRead = moved
      ? seq
      : await repo.findReadSeq(trx, actor.workspaceId, channelId, userId);
    if (moved) {
      await recordEvent(trx, actor.workspaceId, {
        type: 'read.updated',
        channelId,
        data: { channel_id: channelId, user_id: userId, last_read_seq: lastRead },
      });
    }
    return {
      channel_id: channelId,
      user_id: userId,
      last_read_seq: lastRead,
      unread_count: Math.max(0, lastSeq - lastRead),
    };
  });
}
