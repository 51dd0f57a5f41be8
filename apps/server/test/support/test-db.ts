import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { appLoginRole } from '../../src/db/app-login';
import { type DbHandle, openDatabase } from '../../src/db/create-db';
import { DEFAULT_APP_ROLE } from '../../src/db/migrations';
import { createPGliteTemplate, openPGlite } from '../../src/db/pglite-backend';

/**
 * A fresh, migrated database for one test (file), and how to get rid of it.
 *
 * @example
 * const testDb = await createTestDatabase();
 * afterAll(() => testDb.cleanup());
 */
export interface TestDatabase {
  handle: DbHandle;
  /** Set on PostgreSQL: the URL of this test's own database (its owner may connect). */
  databaseUrl?: string;
  /**
   * Set on PostgreSQL: the master key the handle's login role password derives from; a
   * server started with another key resets that password (the handle's open sessions stay).
   */
  masterKey?: Buffer;
  /** Set on PostgreSQL: the login role the handle's sessions run as (dropped in cleanup). */
  loginRole?: string;
  /** Set for a persistent PGlite: its directory, to reopen it. */
  dataDir?: string;
  cleanup(): Promise<void>;
}

let template: Promise<Blob> | undefined;

/**
 * A fresh, migrated database: when process.env.DATABASE_URL is set, a new database
 * `cariosan_t_<random>` created on that server and opened as its own login role, derived from
 * a random master key as in production (both dropped in cleanup, the database with FORCE);
 * otherwise PGlite, in memory or in a fresh temp dir when {persistent: true}.
 *
 * In-memory PGlite databases start from a migrated dump made once per process: initdb and
 * migrations take seconds, loading the dump well under one.
 *
 * @example
 * const { handle, cleanup } = await createTestDatabase();
 * try { expect(await handle.isReady()).toBe(true); } finally { await cleanup(); }
 */
export async function createTestDatabase(
  options: { persistent?: boolean } = {},
): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) return createOnServer(serverUrl);
  if (options.persistent) {
    const dataDir = await mkdtemp(join(tmpdir(), 'cariosan-test-'));
    const handle = await openDatabase({ dataDir });
    return {
      handle,
      dataDir,
      cleanup: async () => {
        await handle.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  template ??= createPGliteTemplate(DEFAULT_APP_ROLE);
  const handle = await openPGlite({
    dataDir: undefined,
    appRole: DEFAULT_APP_ROLE,
    migrate: true,
    template: await template,
  });
  return { handle, cleanup: () => handle.close() };
}

async function createOnServer(serverUrl: string): Promise<TestDatabase> {
  const name = `cariosan_t_${randomBytes(8).toString('hex')}`;
  await admin(serverUrl, (sql) => sql`create database ${sql(name)}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.href;
  // Roles are cluster-wide, so each database's login role goes with it: parallel test files
  // and CI runs on one server never share a role, a password or a leftover.
  const loginRole = appLoginRole(name);
  const drop = async () => {
    await admin(serverUrl, (sql) => sql`drop database if exists ${sql(name)} with (force)`);
    await admin(serverUrl, (sql) => sql`drop role if exists ${sql(loginRole)}`);
  };
  const masterKey = randomBytes(32);
  let handle: DbHandle;
  try {
    handle = await openDatabase({ databaseUrl, masterKey, maxConnections: 5 });
  } catch (error) {
    await drop();
    throw error;
  }
  return {
    handle,
    databaseUrl,
    masterKey,
    loginRole,
    cleanup: async () => {
      await handle.close();
      await drop();
    },
  };
}

async function admin(
  serverUrl: string,
  statement: (sql: postgres.Sql) => postgres.PendingQuery<postgres.Row[]>,
): Promise<void> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => undefined });
  try {
    await statement(sql);
  } finally {
    await sql.end();
  }
}
