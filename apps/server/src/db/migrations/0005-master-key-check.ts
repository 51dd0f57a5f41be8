import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Adds `master_key_check`: one row holding a check value of the master key the database was
 * first opened with, so a node started with another `CARIOSAN_MASTER_KEY` refuses to start
 * instead of failing later on every encrypted secret. Visible in control scope only, like
 * the other control tables.
 *
 * @example
 * await createMasterKeyCheckMigration('cariosan_app').up(db);
 */
export function createMasterKeyCheckMigration(appRole: string): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`create table master_key_check (
        singleton boolean primary key default true check (singleton),
        check_value text not null,
        created_at timestamptz not null default now()
      )`.execute(db);
      await sql`alter table master_key_check enable row level security`.execute(db);
      await sql`alter table master_key_check force row level security`.execute(db);
      await sql`create policy control_access on master_key_check
        using (current_setting('cariosan.control', true) = 'on')
        with check (current_setting('cariosan.control', true) = 'on')`.execute(db);
      await sql`grant select, insert on master_key_check to ${sql.id(appRole)}`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await sql`drop table master_key_check`.execute(db);
    },
  };
}
