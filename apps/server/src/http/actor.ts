import { AppError } from '../lib/errors';
import type { Principal } from './app-env';

/**
 * Who a request acts as. A user JWT acts as its user. The server key pair acts on the whole
 * workspace (`userId` undefined) or as the user it names in `user_id`; it is `privileged`:
 * membership and authorship rules do not limit it, only the existence of what it names.
 */
export type Actor =
  | { kind: 'user'; workspaceId: string; userId: string; privileged: false }
  | { kind: 'server'; workspaceId: string; userId: string | undefined; privileged: true };

/**
 * Resolves the actor from the principal and the request's `user_id` (body or query). A user
 * may only name themself.
 *
 * @example
 * const actor = resolveActor(c.get('auth'), body.user_id);
 */
export function resolveActor(principal: Principal | undefined, userId: string | undefined): Actor {
  if (!principal) throw new AppError('unauthorized', 'Not authenticated');
  if (principal.kind === 'server') {
    return { kind: 'server', workspaceId: principal.workspaceId, userId, privileged: true };
  }
  if (userId !== undefined && userId !== principal.userId) {
    throw new AppError('forbidden', 'user_id is for server callers; a user acts only as themself', {
      field: 'user_id',
    });
  }
  return {
    kind: 'user',
    workspaceId: principal.workspaceId,
    userId: principal.userId,
    privileged: false,
  };
}

/**
 * The user an action is performed as; fails when a server caller did not name one.
 *
 * @example
 * const author = requireActingUser(actor, 'sending a message');
 */
export function requireActingUser(actor: Actor, action: string): string {
  if (actor.userId) return actor.userId;
  throw new AppError(
    'invalid_request',
    `user_id is required for ${action} with the server key pair`,
    {
      field: 'user_id',
    },
  );
}

/**
 * Refuses routes that only the server key pair may call (e.g. user upsert).
 *
 * @example
 * requireServer(c.get('auth'));
 */
export function requireServer(principal: Principal | undefined): void {
  if (principal?.kind !== 'server') {
    throw new AppError('forbidden', 'This route needs the server key pair');
  }
}
