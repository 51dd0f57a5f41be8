import type { Kysely } from 'kysely';
import { decryptAtRest } from '../auth/credentials';
import type { DB } from '../db/database';
import { withControl } from '../db/scope';

/**
 * The current webhook signing key of each workspace, decrypted from `api_keys.webhook_key_enc`
 * (AES-256-GCM under the master key, bound to the key record's id). Read from the database for
 * every batch of deliveries rather than cached: a delivery claimed after `rotate-secret`
 * committed is signed with the new key, on every node, with no invalidation to miss.
 *
 * @example
 * const keys = await loadSigningKeys(db, masterKey, ['ws_…']);
 * const key = keys.get('ws_…'); // undefined for a deleted workspace
 */
export async function loadSigningKeys(
  db: Kysely<DB>,
  masterKey: Buffer,
  workspaceIds: readonly string[],
): Promise<Map<string, Buffer>> {
  const keys = new Map<string, Buffer>();
  if (workspaceIds.length === 0) return keys;
  const rows = await withControl(db, (trx) =>
    trx
      .selectFrom('api_keys')
      .select(['id', 'workspace_id', 'webhook_key_enc'])
      .where('workspace_id', 'in', [...new Set(workspaceIds)])
      .where('revoked_at', 'is', null)
      // A workspace has one key record today; if it gets several, the oldest signs.
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
  );
  for (const row of rows) {
    if (keys.has(row.workspace_id)) continue;
    keys.set(row.workspace_id, decryptAtRest(masterKey, row.webhook_key_enc, row.id));
  }
  return keys;
}
