import { type Kysely, sql, type Transaction } from 'kysely';
import { appLoginPassword, appLoginRole, appLoginVerifier } from './app-login';

/** Credentials of the role the server's sessions log in as. */
export interface AppLogin {
  user: string;
  password: string;
}

const PRIVILEGES = /^[A-Z]+( [A-Z]+)?$/;

/**
 * As the schema owner: makes sure this database's login role exists (LOGIN, no superuser,
 * no BYPASSRLS, CREATEROLE or CREATEDB, NOINHERIT, a member of nothing), sets its password to
 * the one derived from the master key, and gives it exactly the privileges the migrations
 * granted to `template` (the NOLOGIN role `cariosan_app`), so migrations keep one grant list.
 * Idempotent and safe when several nodes start at once. Throws, saying what to do, when the
 * owner may not create roles.
 *
 * @example
 * const login = await provisionAppLogin(ownerDb, { template: 'cariosan_app', masterKey });
 * const pool = postgres(url, { username: login.user, password: login.password });
 */
export async function provisionAppLogin(
  owner: Kysely<unknown>,
  options: { template: string; masterKey: Buffer },
): Promise<AppLogin> {
  const { rows } = await sql<{ db: string }>`select current_database() as db`.execute(owner);
  const database = rows[0]!.db;
  const user = appLoginRole(database);
  try {
    await owner.transaction().execute(async (trx) => {
      // Advisory locks are per database, as the role is: nodes of one database starting at
      // once would otherwise race on one pg_authid row ("tuple concurrently updated").
      await sql`select pg_advisory_xact_lock(hashtext('cariosan.app-login'))`.execute(trx);
      await createRole(trx, user);
      // A literal: utility statements take no parameters. It is a verifier, not the password.
      const verifier = sql.lit(appLoginVerifier(options.masterKey, user));
      await sql`alter role ${sql.id(user)} with login password ${verifier}`.execute(trx);
      await grantConnect(trx, database, user);
      await mirrorGrants(trx, options.template, user);
    });
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    throw new Error(
      `cannot set up the PostgreSQL login role ${user}: the DATABASE_URL user needs CREATEROLE ` +
        '(or must be a superuser), or create a login role yourself and set CARIOSAN_APP_DATABASE_URL',
      { cause: error },
    );
  }
  return { user, password: appLoginPassword(options.masterKey, user) };
}

async function createRole(trx: Transaction<unknown>, user: string): Promise<void> {
  // The name is a plain identifier (appLoginRole); a parallel creator is harmless.
  await sql`do $$ begin
    if not exists (select from pg_roles where rolname = ${sql.lit(user)}) then
      execute format('create role %I login nosuperuser nobypassrls nocreaterole nocreatedb
        noreplication noinherit', ${sql.lit(user)});
    end if;
  exception when duplicate_object or unique_violation then null;
  end $$`.execute(trx);
}

async function grantConnect(trx: Transaction<unknown>, database: string, user: string) {
  // PUBLIC usually has CONNECT; a hardened cluster may have revoked it.
  const { rows } = await sql<{ ok: boolean }>`
    select has_database_privilege(${user}, current_database(), 'CONNECT') as ok`.execute(trx);
  if (!rows[0]?.ok) {
    await sql`grant connect on database ${sql.id(database)} to ${sql.id(user)}`.execute(trx);
  }
}

async function mirrorGrants(trx: Transaction<unknown>, template: string, user: string) {
  const { rows: schemas } = await sql<{ schema: string; privileges: string[] }>`
    select n.nspname as schema, array_agg(a.privilege_type) as privileges
    from pg_namespace n cross join lateral aclexplode(n.nspacl) a
    where a.grantee = ${template}::regrole
    group by n.nspname`.execute(trx);
  for (const { schema, privileges } of schemas) {
    await sql`grant ${keywords(privileges)} on schema ${sql.id(schema)} to ${sql.id(user)}`.execute(
      trx,
    );
  }
  const { rows: relations } = await sql<{
    schema: string;
    name: string;
    kind: string;
    privileges: string[];
  }>`
    select n.nspname as schema, c.relname as name, c.relkind::text as kind,
      array_agg(a.privilege_type) as privileges
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
      cross join lateral aclexplode(c.relacl) a
    where a.grantee = ${template}::regrole
    group by n.nspname, c.relname, c.relkind`.execute(trx);
  for (const { schema, name, kind, privileges } of relations) {
    const on = kind === 'S' ? sql`sequence` : sql`table`;
    await sql`grant ${keywords(privileges)} on ${on} ${sql.id(schema, name)}
      to ${sql.id(user)}`.execute(trx);
  }
}

function keywords(privileges: string[]) {
  for (const privilege of privileges) {
    if (!PRIVILEGES.test(privilege)) throw new Error(`unexpected privilege ${privilege}`);
  }
  return sql.raw(privileges.join(', '));
}
