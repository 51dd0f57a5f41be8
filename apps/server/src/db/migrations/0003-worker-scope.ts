import { type Kysely, type Migration, sql } from 'kysely';

/** Tables the background workers (webhook delivery) scan across workspaces. */
const WORKER_TABLES = ['outbox', 'webhooks', 'webhook_deliveries'] as const;

/**
 * Adds the worker scope: with `cariosan.worker = 'on'` (see `withWorker`) a transaction sees
 * the outbox, webhooks and deliveries of every workspace, so one delivery loop can claim due
 * work with `for update skip locked`. Chat tables (users, channels, messages …) stay fenced by
 * the tenant policy alone. Also adds the index the delivery loop polls with.
 *
 * @example
 * const migration = createWorkerScopeMigration();
 * await migration.up(db);
 */
export function createWorkerScopeMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const table of WORKER_TABLES) {
        // Permissive policies OR together with tenant_isolation.
        await sql`create policy worker_access on ${sql.table(table)}
          using (current_setting('cariosan.worker', true) = 'on')
          with check (current_setting('cariosan.worker', true) = 'on')`.execute(db);
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of WORKER_TABLES) {
        await sql`drop policy worker_access on ${sql.table(table)}`.execute(db);
      }
    },
  };
}
