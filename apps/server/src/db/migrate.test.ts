import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { assertRoleIsFenced, hasNoPendingMigrations, runMigrations } from './migrate';
import { MIGRATION_NAMES } from './migrations';
import { PGliteDialect } from './pglite-dialect';

let owner: Kysely<unknown>;

beforeAll(() => {
  owner = new Kysely({ dialect: new PGliteDialect({ pglite: () => PGlite.create() }) });
});

afterAll(() => owner.destroy());

test('a pending migration makes the database not ready until it is applied', async () => {
  expect(await hasNoPendingMigrations(owner)).toBe(false);
  expect(await runMigrations(owner, 'cariosan_app')).toEqual([...MIGRATION_NAMES]);
  expect(await hasNoPendingMigrations(owner)).toBe(true);
  expect(await runMigrations(owner, 'cariosan_app')).toEqual([]);
});

test('a superuser session is refused as the app role', async () => {
  await expect(assertRoleIsFenced(owner)).rejects.toThrow(/superuser or has BYPASSRLS/);
});

test('the migration gives the app role no way around RLS', async () => {
  const { rows } = await sql<{ rolsuper: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>`
    select rolsuper, rolbypassrls, rolcanlogin from pg_roles where rolname = 'cariosan_app'`.execute(
    owner,
  );
  expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false, rolcanlogin: false }]);
  const { rows: tables } = await sql<{ relname: string }>`
    select relname from pg_class
    where relnamespace = 'public'::regnamespace and relkind = 'r'
      and relname not like 'kysely_%' and not (relrowsecurity and relforcerowsecurity)`.execute(
    owner,
  );
  expect(tables).toEqual([]);
});

test('the down migration removes the schema', async () => {
  const { createMigrationProvider } = await import('./migrations');
  const migrations = await createMigrationProvider().getMigrations();
  await migrations['0001-init']!.down!(owner);
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_class
    where relnamespace = 'public'::regnamespace and relname = 'workspaces'`.execute(owner);
  expect(rows).toEqual([{ n: 0 }]);
});
