import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from './database';

/**
 * Runs fn in a transaction where RLS sees only this workspace
 * (set_config('cariosan.workspace_id', id, true)): a query that forgets its
 * `where workspace_id = …` still cannot read or write another tenant's rows. It guards
 * against forgotten filters, not against a session that runs arbitrary SQL (which could set
 * any id); the login role only makes sure RLS applies at all (`session-fence.ts`).
 *
 * @example
 * const channels = await withWorkspace(db, 'ws_01J…', (trx) =>
 *   trx.selectFrom('channels').selectAll().where('workspace_id', '=', 'ws_01J…').execute(),
 * );
 */
export function withWorkspace<T>(
  db: Kysely<DB>,
  workspaceId: string,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  if (!workspaceId) throw new Error('withWorkspace needs a workspace id');
  return scoped(db, workspaceId, 'off', fn);
}

/**
 * Runs fn in a transaction in control scope: workspaces, api_keys and audit_log across
 * all workspaces (for the CLI, the admin API and credential lookup). Tenant tables stay
 * invisible, so control code cannot read chat data by accident.
 *
 * @example
 * const key = await withControl(db, (trx) =>
 *   trx.selectFrom('api_keys').selectAll().where('api_key', '=', apiKey).executeTakeFirst(),
 * );
 */
export function withControl<T>(
  db: Kysely<DB>,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  return scoped(db, '', 'on', fn);
}

/**
 * Runs fn in a transaction in worker scope: outbox, webhooks and webhook_deliveries of all
 * workspaces (for the delivery loop that claims due work across tenants). Every other tenant
 * table stays invisible; load a delivery's chat data with withWorkspace.
 *
 * @example
 * const due = await withWorker(db, (trx) =>
 *   trx.selectFrom('webhook_deliveries').selectAll().where('status', '=', 'pending').execute(),
 * );
 */
export function withWorker<T>(
  db: Kysely<DB>,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  return scoped(db, '', 'off', fn, 'on');
}

function scoped<T>(
  db: Kysely<DB>,
  workspaceId: string,
  control: 'on' | 'off',
  fn: (trx: Transaction<DB>) => Promise<T>,
  worker: 'on' | 'off' = 'off',
): Promise<T> {
  if (db.isTransaction) {
    // Re-scoping an open transaction would leak the new scope into the caller's remaining
    // statements; pass the db down instead and let each scope own its transaction.
    throw new Error('withWorkspace/withControl need the db, not a transaction');
  }
  return db.transaction().execute(async (trx) => {
    // All settings in one statement: one round trip, and a scope never inherits another.
    await sql`select set_config('cariosan.workspace_id', ${workspaceId}, true),
      set_config('cariosan.control', ${control}, true),
      set_config('cariosan.worker', ${worker}, true)`.execute(trx);
    return fn(trx);
  });
}
