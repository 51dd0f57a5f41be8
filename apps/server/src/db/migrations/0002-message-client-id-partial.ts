import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Makes the client_id uniqueness a partial index (`where client_id is not null`). As a full
 * unique constraint on (workspace_id, channel_id, user_id, client_id) it also matched the
 * history query's `workspace_id = … and channel_id = …`, and without statistics (embedded
 * PGlite has no autovacuum, a fresh bulk load none yet) the planner could pick it and sort the
 * whole channel instead of range-scanning (workspace_id, channel_id, seq). The partial index
 * serves only lookups that name a client_id, and stops indexing messages without one.
 *
 * @example
 * const migration = createMessageClientIdMigration();
 * await migration.up(db);
 */
export function createMessageClientIdMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`alter table messages
        drop constraint messages_workspace_id_channel_id_user_id_client_id_key`.execute(db);
      await sql`create unique index messages_client_id_idx
        on messages (workspace_id, channel_id, user_id, client_id)
        where client_id is not null`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await sql`drop index messages_client_id_idx`.execute(db);
      await sql`alter table messages add constraint
        messages_workspace_id_channel_id_user_id_client_id_key
        unique (workspace_id, channel_id, user_id, client_id)`.execute(db);
    },
  };
}
