export { createMigrationProvider, DEFAULT_APP_ROLE, MIGRATION_NAMES } from './provider';
