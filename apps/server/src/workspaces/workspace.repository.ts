import type { Insertable, InsertObject, Transaction } from 'kysely';
import type { DB } from '../db/database';

type Trx = Transaction<DB>;

/** What `workspace list` shows: one row per workspace with its key. */
export interface WorkspaceListRow {
  id: string;
  name: string;
  external_id: string | null;
  is_test: boolean;
  created_at: Date;
  api_key: string | null;
}

/**
 * Inserts a workspace unless its external_id is taken; false when it was (a concurrent
 * "ensure" may have won the race).
 *
 * @example
 * const inserted = await insertWorkspace(trx, { id, name, is_test: false });
 */
export async function insertWorkspace(
  trx: Trx,
  row: Insertable<DB['workspaces']>,
): Promise<boolean> {
  const inserted = await trx
    .insertInto('workspaces')
    .values(row)
    .onConflict((conflict) => conflict.column('external_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * @example
 * await insertApiKey(trx, { id, workspace_id, api_key, secret_hash, … });
 */
export async function insertApiKey(trx: Trx, row: Insertable<DB['api_keys']>): Promise<void> {
  await trx.insertInto('api_keys').values(row).execute();
}

/**
 * Every workspace, oldest first, with its active key.
 *
 * @example
 * const rows = await listWorkspaceRows(trx);
 */
export async function listWorkspaceRows(
  trx: Trx,
  externalId?: string,
): Promise<WorkspaceListRow[]> {
  let query = trx
    .selectFrom('workspaces as w')
    .leftJoin('api_keys as k', (join) =>
      join.onRef('k.workspace_id', '=', 'w.id').on('k.revoked_at', 'is', null),
    )
    .select(['w.id', 'w.name', 'w.external_id', 'w.is_test', 'w.created_at', 'k.api_key'])
    .orderBy('w.created_at')
    .orderBy('w.id');
  if (externalId !== undefined) query = query.where('w.external_id', '=', externalId);
  return (await query.execute()) as WorkspaceListRow[];
}

/**
 * @example
 * const workspace = await findWorkspaceById(trx, 'ws_…');
 */
export async function findWorkspaceById(trx: Trx, id: string) {
  return trx.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * The active key records of a workspace, locked so concurrent rotations serialize.
 *
 * @example
 * const keys = await lockActiveKeys(trx, workspaceId);
 */
export async function lockActiveKeys(trx: Trx, workspaceId: string) {
  return trx
    .selectFrom('api_keys')
    .select(['id', 'api_key', 'generation'])
    .where('workspace_id', '=', workspaceId)
    .where('revoked_at', 'is', null)
    .forUpdate()
    .execute();
}

/** New secret material for one key record. */
export interface KeySecretUpdate {
  secret_hash: string;
  token_public_key: Buffer;
  webhook_key_enc: Buffer;
  generation: number;
  rotated_at: Date;
}

/**
 * @example
 * await updateKeySecret(trx, keyId, { secret_hash, token_public_key, … });
 */
export async function updateKeySecret(
  trx: Trx,
  keyId: string,
  update: KeySecretUpdate,
): Promise<void> {
  await trx.updateTable('api_keys').set(update).where('id', '=', keyId).execute();
}

/**
 * Deletes a workspace; its tenant rows go with it through ON DELETE CASCADE.
 *
 * @example
 * const deleted = await deleteWorkspaceRow(trx, 'ws_…');
 */
export async function deleteWorkspaceRow(trx: Trx, id: string): Promise<boolean> {
  const result = await trx.deleteFrom('workspaces').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * The record a presented api_key authenticates against.
 *
 * @example
 * const record = await findActiveKey(trx, 'pk_live_…');
 */
export async function findActiveKey(trx: Trx, apiKey: string) {
  return trx
    .selectFrom('api_keys')
    .select(['id', 'workspace_id', 'api_key', 'secret_hash', 'token_public_key', 'generation'])
    .where('api_key', '=', apiKey)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/**
 * @example
 * await insertAudit(trx, { workspace_id, actor: 'cli', action: 'workspace.created' });
 */
export async function insertAudit(trx: Trx, row: InsertObject<DB, 'audit_log'>): Promise<void> {
  await trx.insertInto('audit_log').values(row).execute();
}
