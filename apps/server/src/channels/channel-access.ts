import type { Transaction } from 'kysely';
import type { DB, Row } from '../db/database';
import type { Actor } from '../http/actor';
import { AppError } from '../lib/errors';

type Trx = Transaction<DB>;

/** A channel as one actor sees it: the row, the actor's membership and user row if any. */
export interface ChannelAccess {
  channel: Row<'channels'>;
  membership: Row<'channel_members'> | undefined;
  user: Row<'users'> | undefined;
}

/**
 * The acting user's row. A user that does not exist (or was deleted) is a 404 for a server
 * naming it; a banned user may act on nothing.
 *
 * @example
 * const user = await loadActingUser(trx, actor);
 */
export async function loadActingUser(trx: Trx, actor: Actor): Promise<Row<'users'> | undefined> {
  if (!actor.userId) return undefined;
  const user = await trx
    .selectFrom('users')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', actor.userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!user) throw new AppError('not_found', `No such user: ${actor.userId}`);
  if (user.banned) throw new AppError('forbidden', 'This user is banned');
  return user;
}

/**
 * Loads a channel the actor may see, or answers 404 exactly as for a channel that does not
 * exist (so ids of other workspaces and private channels reveal nothing). Public channels are
 * visible to every user of the workspace; group and dm channels to their members; everything
 * to the server key pair. `forUpdate` locks the channel row (seq assignment).
 *
 * @example
 * const access = await loadVisibleChannel(trx, actor, channelId);
 */
export async function loadVisibleChannel(
  trx: Trx,
  actor: Actor,
  channelId: string,
  options: { forUpdate?: boolean } = {},
): Promise<ChannelAccess> {
  const user = await loadActingUser(trx, actor);
  let query = trx
    .selectFrom('channels')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', channelId);
  if (options.forUpdate) query = query.forUpdate();
  const channel = await query.executeTakeFirst();
  const notFound = new AppError('not_found', `No such channel: ${channelId}`);
  if (!channel) throw notFound;
  const membership = actor.userId
    ? await trx
        .selectFrom('channel_members')
        .selectAll()
        .where('workspace_id', '=', actor.workspaceId)
        .where('channel_id', '=', channelId)
        .where('user_id', '=', actor.userId)
        .executeTakeFirst()
    : undefined;
  if (actor.privileged) return { channel, membership, user };
  if (membership?.banned) throw new AppError('forbidden', 'You are banned from this channel');
  if (!membership && channel.type !== 'public') throw notFound;
  return { channel, membership, user };
}

/**
 * Posting, reacting and marking read need membership (a public channel must be joined first).
 *
 * @example
 * requireMember(access, 'send messages');
 */
export function requireMember(access: ChannelAccess, action: string): Row<'channel_members'> {
  if (access.membership && !access.membership.banned) return access.membership;
  throw new AppError('forbidden', `Join the channel to ${action}`);
}

/**
 * Managing a channel (rename, delete, other people's membership) needs the owner or a
 * moderator role, a workspace admin, or the server key pair.
 *
 * @example
 * requireModerator(access, actor);
 */
export function requireModerator(access: ChannelAccess, actor: Actor): void {
  if (actor.privileged) return;
  if (access.user?.role === 'admin') return;
  const role = access.membership?.role;
  if (role === 'owner' || role === 'moderator') return;
  throw new AppError('forbidden', 'Only the channel owner or a moderator may do this');
}
