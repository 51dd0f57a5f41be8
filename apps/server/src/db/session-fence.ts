import { type Kysely, sql } from 'kysely';

interface Escape {
  session_user: string;
  role: string;
  superuser: boolean;
  bypassrls: boolean;
  createrole: boolean;
  owns: boolean;
}

/**
 * Throws unless RLS really binds this PostgreSQL session: its login role, and every role it
 * could `SET ROLE` to, is no superuser, has no BYPASSRLS, no CREATEROLE (which before
 * PostgreSQL 16 can grant itself any non-superuser role) and owns no table (an owner may turn
 * RLS off). The message says what is wrong and how to fix it.
 *
 * Why the session and not `current_user`: with a startup `role=` on a privileged login,
 * `current_user` looks fenced while `SET ROLE postgres` is one statement away.
 *
 * @example
 * await assertSessionIsFenced(appDb); // before serving a single request
 */
export async function assertSessionIsFenced<T>(db: Kysely<T>): Promise<void> {
  const { rows } = await sql<Escape>`
    select session_user::text as session_user, r.rolname::text as role,
      r.rolsuper as superuser, r.rolbypassrls as bypassrls, r.rolcreaterole as createrole,
      exists (select from pg_class c where c.relowner = r.oid and c.relkind in ('r', 'p')
        and c.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
      ) as owns
    from pg_roles r
    where pg_has_role(session_user, r.oid, 'MEMBER')
    order by r.rolname`.execute(db);
  const escapes = rows.filter((r) => r.superuser || r.bypassrls || r.createrole || r.owns);
  if (escapes.length === 0) return;
  const login = escapes[0]!.session_user;
  const reasons = escapes.map((r) => {
    const what = [
      r.superuser && 'is a superuser',
      r.bypassrls && 'has BYPASSRLS',
      r.createrole && 'has CREATEROLE',
      r.owns && 'owns tables',
    ].filter(Boolean);
    return `${r.role === login ? login : `its role ${r.role}`} ${what.join(', ')}`;
  });
  throw new Error(
    `refusing to serve: PostgreSQL role ${login} could bypass row-level security ` +
      `(${reasons.join('; ')}). Serve through a login role that is none of these and a member ` +
      'of no role that is: unset CARIOSAN_APP_DATABASE_URL to let Cariosan create one from ' +
      'DATABASE_URL (an owner with CREATEROLE) and CARIOSAN_MASTER_KEY, or point it at a role ' +
      'of your own, e.g. `CREATE ROLE chat_app LOGIN PASSWORD … IN ROLE cariosan_app`',
  );
}
