import { sql, type Transaction, type UpdateObject } from 'kysely';
import type { DB, Row } from '../db/database';
import { json } from '../db/json';

type Trx = Transaction<DB>;

/**
 * A user row, deleted or not.
 *
 * @example
 * const row = await findUserRow(trx, workspaceId, 'alice');
 */
export function findUserRow(trx: Trx, workspaceId: string, userId: string) {
  return trx
    .selectFrom('users')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', userId)
    .executeTakeFirst();
}

/**
 * Inserts a user, or updates the given fields (and revives a deleted user). `created` says
 * which happened (xmax = 0 only for a freshly inserted row).
 *
 * @example
 * const { row, created } = await upsertUserRow(trx, workspaceId, 'alice', { name: 'Alice' });
 */
export async function upsertUserRow(
  trx: Trx,
  workspaceId: string,
  userId: string,
  fields: UpdateObject<DB, 'users'>,
): Promise<{ row: Row<'users'>; created: boolean }> {
  const now = new Date();
  const result = await trx
    .insertInto('users')
    .values({ ...fields, workspace_id: workspaceId, id: userId } as never)
    .onConflict((conflict) =>
      conflict
        .columns(['workspace_id', 'id'])
        .doUpdateSet({ ...fields, updated_at: now, deleted_at: null }),
    )
    .returningAll()
    .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
    .executeTakeFirstOrThrow();
  const { inserted, ...row } = result as Row<'users'> & { inserted: boolean };
  return { row, created: inserted };
}

/**
 * One page of live users ordered by id, after `afterId`.
 *
 * @example
 * const rows = await listUserRows(trx, workspaceId, 51, lastId);
 */
export function listUserRows(trx: Trx, workspaceId: string, limit: number, afterId?: string) {
  let query = trx
    .selectFrom('users')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .limit(limit);
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  return query.execute();
}

/**
 * Soft-deletes a user: profile scrubbed, tokens void, memberships gone; messages stay.
 * Returns the ids of the channels the user left, or undefined when there was no live user.
 *
 * @example
 * const leftChannels = await softDeleteUserRow(trx, workspaceId, 'alice');
 */
export async function softDeleteUserRow(
  trx: Trx,
  workspaceId: string,
  userId: string,
): Promise<string[] | undefined> {
  const now = new Date();
  const result = await trx
    .updateTable('users')
    .set({
      deleted_at: now,
      updated_at: now,
      tokens_valid_after: now,
      name: null,
      image: null,
      custom: json({}),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return undefined;
  const left = await trx
    .deleteFrom('channel_members')
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .returning('channel_id')
    .execute();
  return left.map((row) => row.channel_id);
}

/**
 * Voids every token of the user issued before now.
 *
 * @example
 * const row = await revokeUserTokensRow(trx, workspaceId, 'alice');
 */
export function revokeUserTokensRow(trx: Trx, workspaceId: string, userId: string) {
  return trx
    .updateTable('users')
    .set({ tokens_valid_after: new Date() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}
