import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { assertChannelName } from './channel-name';
import type { DbHandle } from './create-db';
import type { DB } from './database';
import { assertMasterKeyMatches } from './master-key-check';
import { assertRoleIsFenced, hasNoPendingMigrations, runMigrations } from './migrate';
import { Mutex } from './mutex';
import { PGliteDialect } from './pglite-dialect';

const BYTEA_OID = 17;

/**
 * Starts PGlite in dataDir (created 0700) or in memory, optionally from a dump.
 *
 * bytea is parsed into a Buffer, as postgres.js does, so both backends return one type.
 *
 * @example
 * const pglite = await createPGlite('./.cariosan/pg');
 */
export async function createPGlite(dataDir?: string, template?: Blob): Promise<PGlite> {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  return PGlite.create({
    ...(dataDir !== undefined ? { dataDir } : {}),
    ...(template ? { loadDataDir: template } : {}),
    parsers: { [BYTEA_OID]: (text: string) => Buffer.from(text.slice(2), 'hex') },
  });
}

/**
 * Migrates the PGlite database in dataDir (as the superuser `postgres`) and closes it.
 *
 * @example
 * const applied = await migratePGlite('./.cariosan/pg', 'cariosan_app');
 */
export async function migratePGlite(
  dataDir: string | undefined,
  appRole: string,
): Promise<string[]> {
  const db = new Kysely<unknown>({
    dialect: new PGliteDialect({ pglite: await createPGlite(dataDir) }),
  });
  try {
    return await runMigrations(db, appRole);
  } finally {
    await db.destroy();
  }
}

/**
 * A dump of a freshly migrated in-memory database. Starting from it takes a fraction of
 * initdb plus migrations, which is what makes a fresh PGlite per test affordable.
 *
 * @example
 * const template = await createPGliteTemplate('cariosan_app');
 * const handle = await openPGlite({ appRole: 'cariosan_app', migrate: true, template });
 */
export async function createPGliteTemplate(appRole: string): Promise<Blob> {
  const pglite = await createPGlite();
  const db = new Kysely<unknown>({ dialect: new PGliteDialect({ pglite }) });
  try {
    await runMigrations(db, appRole);
    return await pglite.dumpDataDir('none');
  } finally {
    await db.destroy();
  }
}

/**
 * Opens PGlite, migrates as `postgres`, then switches the one session to `appRole`,
 * so every later query (Kysely's, LISTEN, NOTIFY) is bound by RLS.
 *
 * @example
 * const handle = await openPGlite({ dataDir: undefined, appRole: 'cariosan_app', migrate: true });
 */
export async function openPGlite(options: {
  dataDir: string | undefined;
  appRole: string;
  migrate: boolean;
  template?: Blob;
  /** Checked against the key the data dir was first opened with (see master-key-check.ts). */
  masterKey?: Buffer;
}): Promise<DbHandle> {
  const { appRole } = options;
  const mutex = new Mutex();
  const pglite = await createPGlite(options.dataDir, options.template);
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite, mutex }) });
  try {
    if (options.migrate) await runMigrations(db, appRole);
    if (options.masterKey) await assertMasterKeyMatches(db, options.masterKey);
    await sql`set role ${sql.id(appRole)}`.execute(db).catch((error: unknown) => {
      throw new Error(`cannot switch to role ${appRole}; run \`cariosan migrate\` first`, {
        cause: error,
      });
    });
    if (await hasNoPendingMigrations(db)) await assertRoleIsFenced(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    db,
    kind: 'pglite',
    listen: async (channel, onMessage) => {
      assertChannelName(channel);
      // Quoted so PGlite keeps the case, as postgres.js does. The mutex keeps LISTEN out
      // of a transaction in flight on the shared session (its rollback would undo it).
      const unlisten = await mutex.runExclusive(() => pglite.listen(`"${channel}"`, onMessage));
      return () => mutex.runExclusive(() => (pglite.closed ? Promise.resolve() : unlisten()));
    },
    notify: async (channel, payload) => {
      assertChannelName(channel);
      await sql`select pg_notify(${channel}, ${payload})`.execute(db);
    },
    isReady: () => hasNoPendingMigrations(db),
    close: () => {
      closing ??= db.destroy();
      return closing;
    },
  };
}
