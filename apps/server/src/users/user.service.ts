import type { Deleted, TokensRevoked, UpsertUserBody, User, UserPage } from '@cariosan/protocol';
import type { Kysely } from 'kysely';
import { loadActingUser } from '../channels/channel-access';
import { emitControlEvent } from '../control/control-events';
import type { DB } from '../db/database';
import { json } from '../db/json';
import { withWorkspace } from '../db/scope';
import { recordEvent } from '../events/outbox';
import type { Actor } from '../http/actor';
import { decodeCursor, encodeCursor } from '../lib/cursor';
import { AppError } from '../lib/errors';
import { iso } from '../lib/time';
import { toUser } from './user.mapper';
import * as repo from './user.repository';

const notFound = (userId: string) => new AppError('not_found', `No such user: ${userId}`);

/**
 * Creates or updates a user (server key pair); omitted fields keep their values and a deleted
 * user is revived. Records `user.updated`.
 *
 * @example
 * const { user, created } = await upsertUser(db, workspaceId, 'alice', { name: 'Alice' });
 */
export function upsertUser(
  db: Kysely<DB>,
  workspaceId: string,
  userId: string,
  body: UpsertUserBody,
): Promise<{ user: User; created: boolean }> {
  return withWorkspace(db, workspaceId, async (trx) => {
    const fields = {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.image !== undefined ? { image: body.image } : {}),
      ...(body.custom !== undefined ? { custom: json(body.custom) } : {}),
      ...(body.role !== undefined ? { role: body.role } : {}),
      ...(body.banned !== undefined ? { banned: body.banned } : {}),
    };
    const { row, created } = await repo.upsertUserRow(trx, workspaceId, userId, fields);
    const user = toUser(row);
    await recordEvent(trx, workspaceId, { type: 'user.updated', data: { user } });
    return { user, created };
  });
}

/**
 * A live user of the workspace: any caller of the workspace may read profiles, except a
 * banned user, who may do nothing.
 *
 * @example
 * const user = await getUser(db, actor, 'alice');
 */
export function getUser(db: Kysely<DB>, actor: Actor, userId: string): Promise<User> {
  return withWorkspace(db, actor.workspaceId, async (trx) => {
    await loadActingUser(trx, actor);
    const row = await repo.findUserRow(trx, actor.workspaceId, userId);
    if (!row || row.deleted_at) throw notFound(userId);
    return toUser(row);
  });
}

/**
 * Users by id, keyset-paginated.
 *
 * @example
 * const page = await listUsers(db, workspaceId, { limit: 50 });
 */
export function listUsers(
  db: Kysely<DB>,
  workspaceId: string,
  query: { limit: number; cursor?: string },
): Promise<UserPage> {
  const after = query.cursor === undefined ? undefined : String(decodeCursor(query.cursor, 1)[0]);
  return withWorkspace(db, workspaceId, async (trx) => {
    const rows = await repo.listUserRows(trx, workspaceId, query.limit + 1, after);
    const items = rows.slice(0, query.limit).map(toUser);
    const last = items[items.length - 1];
    return {
      items,
      next_cursor: rows.length > query.limit && last ? encodeCursor([last.id]) : null,
    };
  });
}

/**
 * Soft-deletes a user: profile scrubbed, memberships removed (one `member.removed` each),
 * tokens revoked on every node; their messages stay.
 *
 * @example
 * await deleteUser(db, workspaceId, 'alice');
 */
export function deleteUser(db: Kysely<DB>, workspaceId: string, userId: string): Promise<Deleted> {
  return withWorkspace(db, workspaceId, async (trx) => {
    const leftChannels = await repo.softDeleteUserRow(trx, workspaceId, userId);
    if (!leftChannels) throw notFound(userId);
    const row = await repo.findUserRow(trx, workspaceId, userId);
    if (row)
      await recordEvent(trx, workspaceId, { type: 'user.updated', data: { user: toUser(row) } });
    // Member lists shown by clients must drop the user, as if each channel had been left.
    for (const channelId of leftChannels) {
      await recordEvent(trx, workspaceId, {
        type: 'member.removed',
        channelId,
        data: { channel_id: channelId, user_id: userId },
      });
    }
    await emitControlEvent(trx, {
      type: 'user.tokens_revoked',
      workspace_id: workspaceId,
      user_id: userId,
    });
    return { id: userId, deleted: true as const };
  });
}

/**
 * Voids every token of a user issued before now; live sockets hear it through the control
 * channel.
 *
 * @example
 * await revokeUserTokens(db, workspaceId, 'alice');
 */
export function revokeUserTokens(
  db: Kysely<DB>,
  workspaceId: string,
  userId: string,
): Promise<TokensRevoked> {
  return withWorkspace(db, workspaceId, async (trx) => {
    const row = await repo.revokeUserTokensRow(trx, workspaceId, userId);
    if (!row?.tokens_valid_after) throw notFound(userId);
    await emitControlEvent(trx, {
      type: 'user.tokens_revoked',
      workspace_id: workspaceId,
      user_id: userId,
    });
    return { user_id: userId, tokens_valid_after: iso(row.tokens_valid_after) };
  });
}
