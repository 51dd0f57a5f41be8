import { type Kysely, Migrator, sql } from 'kysely';
import { createMigrationProvider, MIGRATION_NAMES } from './migrations';

/**
 * Applies every pending migration and returns the names it applied, in order.
 * Kysely's Migrator takes a lock row, so concurrent callers on one database are safe.
 *
 * @example
 * const applied = await runMigrations(ownerDb, 'cariosan_app');
 */
export async function runMigrations<T>(db: Kysely<T>, appRole: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider: createMigrationProvider({ appRole }) });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(setup)'} failed: ${describe(error)}`, {
      cause: error,
    });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * True when every known migration is recorded as applied; false on any error, because a
 * readiness probe must answer rather than throw.
 *
 * @example
 * if (!(await hasNoPendingMigrations(db))) console.warn('run `cariosan migrate`');
 */
export async function hasNoPendingMigrations<T>(db: Kysely<T>): Promise<boolean> {
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    const applied = new Set(rows.map((row) => row.name));
    return MIGRATION_NAMES.every((name) => applied.has(name));
  } catch {
    return false;
  }
}

/**
 * Throws unless the session runs as a role that RLS really binds: not a superuser, no
 * BYPASSRLS. A misconfigured role would silently turn tenant isolation off.
 *
 * @example
 * await assertRoleIsFenced(appDb);
 */
export async function assertRoleIsFenced<T>(db: Kysely<T>): Promise<void> {
  const { rows } = await sql<{ role: string; privileged: boolean }>`
    select current_user as role, rolsuper or rolbypassrls as privileged
    from pg_roles where rolname = current_user`.execute(db);
  const row = rows[0];
  if (!row || row.privileged) {
    throw new Error(
      `database role ${row?.role ?? '(unknown)'} is a superuser or has BYPASSRLS; ` +
        'tenant isolation needs an unprivileged app role',
    );
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
