import { Kysely, sql } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import postgres from 'postgres';
import { assertChannelName } from './channel-name';
import type { DbHandle } from './create-db';
import type { DB } from './database';
import { assertRoleIsFenced, hasNoPendingMigrations, runMigrations } from './migrate';
import { PgListener } from './pg-listener';

const INT8_OID = 20;

type Options = postgres.Options<Record<string, postgres.PostgresType>>;

/**
 * Options shared by every postgres.js client of the server.
 *
 * int8 comes back as a JS number, not postgres.js' default string: int8 columns are seq
 * numbers, counters and identity ids, all far below 2^53, and PGlite returns numbers
 * too, so both backends hand out the same types.
 *
 * @example
 * const owner = postgres(url, { ...postgresOptions(), max: 1 });
 */
export function postgresOptions(): Options {
  return {
    // Notices like "relation already exists, skipping" are not the app's business.
    onnotice: () => undefined,
    types: {
      int8: {
        to: INT8_OID,
        from: [INT8_OID],
        serialize: (value: unknown) => String(value),
        parse: (value: string) => Number(value),
      },
    },
    connection: { application_name: 'cariosan' },
  };
}

/**
 * Runs pending migrations as the URL's user (the schema owner) on a short-lived connection.
 *
 * @example
 * const applied = await migratePostgres('postgres://owner@db/cariosan', 'cariosan_app');
 */
export async function migratePostgres(url: string, appRole: string): Promise<string[]> {
  const owner = postgres(url, { ...postgresOptions(), max: 1 });
  const db = new Kysely<unknown>({ dialect: new PostgresJSDialect({ postgres: owner }) });
  try {
    return await runMigrations(db, appRole);
  } finally {
    await db.destroy();
  }
}

/**
 * Opens a postgres.js pool whose every connection starts as `appRole` (a startup
 * parameter, so not even the first statement runs as the owner).
 *
 * @example
 * const handle = await openPostgres({ url, appRole: 'cariosan_app', migrate: true, maxConnections: 10 });
 */
export async function openPostgres(options: {
  url: string;
  appRole: string;
  migrate: boolean;
  maxConnections: number;
}): Promise<DbHandle> {
  const { url, appRole } = options;
  if (options.migrate) await migratePostgres(url, appRole);
  const base = postgresOptions();
  const appOptions: Options = {
    ...base,
    connection: { ...base.connection, role: appRole },
  };
  const pool = postgres(url, { ...appOptions, max: options.maxConnections });
  const db = new Kysely<DB>({ dialect: new PostgresJSDialect({ postgres: pool }) });
  try {
    if (await hasNoPendingMigrations(db)) await assertRoleIsFenced(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const listener = new PgListener(url, appOptions);
  let closing: Promise<void> | undefined;
  return {
    db,
    kind: 'postgres',
    listen: async (channel, onMessage, onReconnect) => {
      assertChannelName(channel);
      return listener.listen(channel, onMessage, onReconnect);
    },
    notify: async (channel, payload) => {
      assertChannelName(channel);
      await sql`select pg_notify(${channel}, ${payload})`.execute(db);
    },
    isReady: () => hasNoPendingMigrations(db),
    close: () => {
      closing ??= listener.close().then(() => db.destroy());
      return closing;
    },
  };
}
