import type { Migration, MigrationProvider } from 'kysely';
import { createInitMigration } from './0001-init';
import { createMessageClientIdMigration } from './0002-message-client-id-partial';
import { createWorkerScopeMigration } from './0003-worker-scope';
import { createWebhooksMigration } from './0004-webhooks';
import { createMasterKeyCheckMigration } from './0005-master-key-check';

/**
 * The unprivileged role every application query runs as.
 *
 * @example
 * await openDatabase({ appRole: DEFAULT_APP_ROLE });
 */
export const DEFAULT_APP_ROLE = 'cariosan_app';

const MIGRATIONS: Record<string, (appRole: string) => Migration> = {
  '0001-init': createInitMigration,
  '0002-message-client-id-partial': createMessageClientIdMigration,
  '0003-worker-scope': createWorkerScopeMigration,
  '0004-webhooks': createWebhooksMigration,
  '0005-master-key-check': createMasterKeyCheckMigration,
};

/**
 * Names of all migrations, in the order they apply.
 *
 * @example
 * const latest = MIGRATION_NAMES.at(-1);
 */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS).sort();

/**
 * In-code migrations for Kysely's Migrator, so a bundled build needs no migration folder.
 *
 * @example
 * const migrator = new Migrator({ db, provider: createMigrationProvider() });
 * await migrator.migrateToLatest();
 */
export function createMigrationProvider(options: { appRole?: string } = {}): MigrationProvider {
  const appRole = options.appRole ?? DEFAULT_APP_ROLE;
  // The role name is spliced into DO blocks as a literal; keep it a plain identifier.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(appRole)) {
    throw new Error(`invalid app role name: ${appRole}`);
  }
  return {
    async getMigrations() {
      return Object.fromEntries(
        Object.entries(MIGRATIONS).map(([name, create]) => [name, create(appRole)]),
      );
    },
  };
}
