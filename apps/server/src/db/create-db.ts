import type { Kysely } from 'kysely';
import type { DB } from './database';
import { DEFAULT_APP_ROLE } from './migrations';
import { migratePGlite, openPGlite } from './pglite-backend';
import { migratePostgres, openPostgres } from './postgres-backend';

/**
 * An open database: a Kysely instance fenced by row-level security plus the few
 * connection-level features (LISTEN/NOTIFY, readiness) that Kysely does not cover.
 *
 * @example
 * const handle = await openDatabase({ databaseUrl: process.env.DATABASE_URL, masterKey });
 * await withWorkspace(handle.db, workspaceId, (trx) => trx.selectFrom('channels').selectAll().execute());
 */
export interface DbHandle {
  /**
   * Kysely running as the unprivileged app role (RLS applies): on PostgreSQL a login role
   * that cannot reach a privileged one, on PGlite its one session after `SET ROLE`.
   */
  db: Kysely<DB>;
  kind: 'pglite' | 'postgres';
  /**
   * LISTEN on a channel; returns an unlisten function. Re-listens automatically when the
   * PostgreSQL connection drops, then calls onReconnect so callers can flush caches and
   * catch up on notifications sent while it was down. Channel names are case-sensitive,
   * 1–63 chars of `[A-Za-z0-9_.:-]`.
   */
  listen(
    channel: string,
    onMessage: (payload: string) => void,
    onReconnect?: () => void,
  ): Promise<() => Promise<void>>;
  /** pg_notify(channel, payload); inside a transaction use `sql` with pg_notify on the trx. */
  notify(channel: string, payload: string): Promise<void>;
  /** true when the db answers and no migration is pending (for /readyz) */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Where the data lives and how to connect to it.
 *
 * @example
 * const options: OpenDatabaseOptions = { dataDir: './.cariosan/pg' };
 */
export interface OpenDatabaseOptions {
  /**
   * `postgres://…` of a real server; its user owns the schema (or is a superuser), runs the
   * migrations and sets up the login role the sessions serving requests use.
   */
  databaseUrl?: string;
  /**
   * PostgreSQL only: serve through this URL's role (created and granted by the operator)
   * instead of the login role derived from `masterKey`. It must be unable to bypass RLS.
   */
  appDatabaseUrl?: string;
  /** PostgreSQL only: the master key the login role's password is derived from. */
  masterKey?: Buffer;
  /**
   * PGlite's own directory (created 0700), used when there is no databaseUrl; undefined
   * means in memory. One process at a time: PGlite does not lock it.
   */
  dataDir?: string;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  /**
   * The NOLOGIN role the migrations grant to (default 'cariosan_app'): PGlite's session
   * switches to it, PostgreSQL's login role gets the same privileges.
   */
  appRole?: string;
  /** postgres.js pool size (default 10); PGlite always has one connection. */
  maxConnections?: number;
}

/**
 * Opens PostgreSQL (with `databaseUrl`) or embedded PGlite, migrates it unless told not
 * to, and returns a handle whose queries all run as the unprivileged app role. On
 * PostgreSQL that needs `masterKey` or `appDatabaseUrl`.
 *
 * @example
 * const handle = await openDatabase({ databaseUrl: process.env.DATABASE_URL, masterKey, dataDir: '.cariosan/pg' });
 * try { console.log(await handle.isReady()); } finally { await handle.close(); }
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DbHandle> {
  const appRole = options.appRole ?? DEFAULT_APP_ROLE;
  const migrate = options.migrate ?? true;
  return options.databaseUrl
    ? openPostgres({
        url: options.databaseUrl,
        appUrl: options.appDatabaseUrl,
        masterKey: options.masterKey,
        appRole,
        migrate,
        maxConnections: options.maxConnections ?? 10,
      })
    : openPGlite({
        dataDir: options.dataDir,
        appRole,
        migrate,
        ...(options.masterKey ? { masterKey: options.masterKey } : {}),
      });
}

/**
 * Applies pending migrations as the schema owner and closes again (`cariosan migrate`).
 *
 * @example
 * const { applied } = await migrateDatabase({ databaseUrl: process.env.DATABASE_URL });
 * console.log(applied.length ? `applied ${applied.join(', ')}` : 'up to date');
 */
export async function migrateDatabase(
  options: OpenDatabaseOptions,
): Promise<{ applied: string[] }> {
  const appRole = options.appRole ?? DEFAULT_APP_ROLE;
  const applied = options.databaseUrl
    ? await migratePostgres(options.databaseUrl, appRole)
    : await migratePGlite(options.dataDir, appRole);
  return { applied };
}
