import { Kysely, sql } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import postgres from 'postgres';
import { assertChannelName } from './channel-name';
import type { DbHandle } from './create-db';
import type { DB } from './database';
import { assertMasterKeyMatches } from './master-key-check';
import { hasNoPendingMigrations, runMigrations } from './migrate';
import { PgListener } from './pg-listener';
import { type AppLogin, provisionAppLogin } from './provision-app-login';
import { assertSessionIsFenced } from './session-fence';

const INT8_OID = 20;

type Options = postgres.Options<Record<string, postgres.PostgresType>>;

/**
 * Startup parameters of every session that serves requests. The name lets operators (and
 * checks) find them in `pg_stat_activity`; the timeouts (SPEC §6) make a lost or stuck node
 * give its locks back within seconds instead of holding up every writer behind it.
 */
const SERVING_SESSION = {
  application_name: 'cariosan',
  statement_timeout: '30s',
  lock_timeout: '10s',
  idle_in_transaction_session_timeout: '60s',
};

/** The owner's short-lived session: migrations may take long, and it is not a server session. */
const OWNER_SESSION = { application_name: 'cariosan-migrate' };

/**
 * Options shared by every postgres.js client of the server, with these startup parameters.
 *
 * int8 comes back as a JS number, not postgres.js' default string: int8 columns are seq
 * numbers, counters and identity ids, all far below 2^53, and PGlite returns numbers
 * too, so both backends hand out the same types.
 *
 * @example
 * const owner = postgres(url, { ...postgresOptions({ application_name: 'cariosan-migrate' }), max: 1 });
 */
export function postgresOptions(connection: Record<string, string>): Options {
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
    connection,
  };
}

/**
 * Runs pending migrations as the URL's user (the schema owner) on a short-lived connection.
 *
 * @example
 * const applied = await migratePostgres('postgres://owner@db/cariosan', 'cariosan_app');
 */
export function migratePostgres(url: string, appRole: string): Promise<string[]> {
  return asOwner(url, (owner) => runMigrations(owner, appRole));
}

export interface OpenPostgresOptions {
  /** The owner's (or a superuser's) URL: migrations, and setting up the login role. */
  url: string;
  /** An operator's own login role to serve through; without it one is derived. */
  appUrl?: string;
  /** Derives the login role's password; required without appUrl. */
  masterKey?: Buffer;
  /** The NOLOGIN role the migrations grant to; the login role gets the same privileges. */
  appRole: string;
  migrate: boolean;
  maxConnections: number;
}

/**
 * Migrates as the owner and sets up the login role on a connection closed before serving,
 * then opens a postgres.js pool (and the LISTEN connection) logged in as that role, and
 * refuses to go on if those sessions could get around RLS.
 *
 * @example
 * const handle = await openPostgres({ url, masterKey, appRole: 'cariosan_app', migrate: true, maxConnections: 10 });
 */
export async function openPostgres(options: OpenPostgresOptions): Promise<DbHandle> {
  const serving = await prepareAsOwner(options);
  const appOptions: Options = {
    ...postgresOptions(SERVING_SESSION),
    ...(serving.login ? { username: serving.login.user, password: serving.login.password } : {}),
  };
  const pool = postgres(serving.url, { ...appOptions, max: options.maxConnections });
  const db = new Kysely<DB>({ dialect: new PostgresJSDialect({ postgres: pool }) });
  try {
    await assertSessionIsFenced(db).catch((error: unknown) => {
      if ((error as { code?: string }).code !== '28P01' || !serving.login) throw error;
      throw new Error(
        `PostgreSQL refused the password of ${serving.login.user}, which is derived from ` +
          'CARIOSAN_MASTER_KEY: start every node and the CLI with the same key',
        { cause: error },
      );
    });
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const listener = new PgListener(serving.url, appOptions);
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
      // A bounded end: connections still busy after 5 s are closed, so a query that never
      // returns cannot hold up a shutdown (end() without a timeout waits for it forever).
      closing ??= listener
        .close()
        .then(() => pool.end({ timeout: 5 }))
        .then(() => db.destroy());
      return closing;
    },
  };
}

async function prepareAsOwner(
  options: OpenPostgresOptions,
): Promise<{ url: string; login?: AppLogin }> {
  const { appUrl, masterKey } = options;
  if (!appUrl && !masterKey) {
    throw new Error(
      'CARIOSAN_MASTER_KEY is required with DATABASE_URL: the login role the server serves ' +
        'through gets its password from it (or set CARIOSAN_APP_DATABASE_URL)',
    );
  }
  if (appUrl && !options.migrate) return { url: appUrl };
  return asOwner(options.url, async (owner) => {
    if (options.migrate) await runMigrations(owner, options.appRole);
    // Before anything is derived from the key: a wrong one must not reset the login's password.
    if (masterKey) await assertMasterKeyMatches(owner, masterKey);
    if (appUrl || !masterKey) return { url: appUrl ?? options.url };
    return {
      url: options.url,
      login: await provisionAppLogin(owner, { template: options.appRole, masterKey }),
    };
  });
}

async function asOwner<T>(url: string, fn: (owner: Kysely<unknown>) => Promise<T>): Promise<T> {
  const owner = postgres(url, { ...postgresOptions(OWNER_SESSION), max: 1 });
  const db = new Kysely<unknown>({ dialect: new PostgresJSDialect({ postgres: owner }) });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}
