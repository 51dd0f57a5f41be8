import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import postgres from 'postgres';
import { afterEach, describe, expect, test } from 'vitest';
import { appLoginPassword, appLoginRole, appLoginVerifier } from '../src/db/app-login';
import { openDatabase } from '../src/db/create-db';
import { withControl } from '../src/db/scope';
import { ConfigError, loadConfig } from '../src/env';
import { startServer } from '../src/server';
import { createTestDatabase, type TestDatabase } from './support/test-db';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A superuser connection to the test database (the test machine's DATABASE_URL user). */
function superuser(testDb: TestDatabase): postgres.Sql {
  const sql = postgres(testDb.databaseUrl!, { max: 1, onnotice: () => undefined });
  cleanups.push(() => sql.end());
  return sql;
}

/** A cluster-wide role made for one test; dropped with whatever it owns afterwards. */
async function probeRole(admin: postgres.Sql, attributes: string): Promise<string> {
  const name = `cariosan_probe_${randomBytes(6).toString('hex')}`;
  await admin.unsafe(`create role ${name} ${attributes}`);
  cleanups.push(async () => {
    await admin.unsafe(`drop owned by ${name}`);
    await admin.unsafe(`drop role ${name}`);
  });
  return name;
}

function urlAs(testDb: TestDatabase, user: string): string {
  const url = new URL(testDb.databaseUrl!);
  url.username = user;
  return url.href;
}

if (process.env.DATABASE_URL) {
  describe('the database fences the server (PostgreSQL)', () => {
    test("the server's sessions log in as a role that is none of superuser, owner or BYPASSRLS and cannot SET ROLE to one", async () => {
      const testDb = await createTestDatabase();
      cleanups.push(() => testDb.cleanup());
      // The test's own handle runs as the same role; close it so only the server's remain.
      await testDb.handle.close();
      const dataDir = await mkdtemp(join(tmpdir(), 'cariosan-db-role-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      const masterKey = testDb.masterKey!;
      const server = await startServer(
        loadConfig({
          DATABASE_URL: testDb.databaseUrl,
          CARIOSAN_MASTER_KEY: masterKey.toString('base64'),
          CARIOSAN_DATA_DIR: dataDir,
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'silent',
        }),
      );
      cleanups.push(() => server.close(1_000));
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const admin = superuser(testDb);
      const role = testDb.loginRole!;

      // Every other session on the database is the server's, named, as the login role; the
      // owner's migration session is gone; the LISTEN connection is one of them.
      const sessions = await admin<{ usename: string; application_name: string; query: string }[]>`
        select usename, application_name, query from pg_stat_activity
        where datname = current_database() and backend_type = 'client backend'
          and pid <> pg_backend_pid()`;
      expect(sessions.length).toBeGreaterThan(0);
      for (const session of sessions) {
        expect(session).toMatchObject({ usename: role, application_name: 'cariosan' });
      }
      expect(sessions.some((s) => /^listen /i.test(s.query))).toBe(true);

      // The role and everything it is a member of (what SET ROLE could reach).
      const reachable = await admin<
        { rolname: string; rolsuper: boolean; rolbypassrls: boolean; rolcreaterole: boolean }[]
      >`
        select rolname, rolsuper, rolbypassrls, rolcreaterole from pg_roles r
        where pg_has_role(${role}, r.oid, 'MEMBER')`;
      expect(reachable).toEqual([
        { rolname: role, rolsuper: false, rolbypassrls: false, rolcreaterole: false },
      ]);
      const owned = await admin`select relname from pg_class where relowner = ${role}::regrole`;
      expect(owned).toEqual([]);

      // And what such a session can try, as the server's own role.
      const { db } = server.deps.database;
      const settings = await sql<{ statement: string; lock: string; idle: string }>`
        select current_setting('statement_timeout') as statement,
          current_setting('lock_timeout') as lock,
          current_setting('idle_in_transaction_session_timeout') as idle`.execute(db);
      expect(settings.rows).toEqual([{ statement: '30s', lock: '10s', idle: '1min' }]);
      const [owner] = await admin<{ name: string }[]>`
        select tableowner as name from pg_tables where tablename = 'messages'`;
      for (const target of ['postgres', owner!.name, 'cariosan_app']) {
        await expect(
          db.connection().execute((session) => sql`set role ${sql.id(target)}`.execute(session)),
        ).rejects.toThrow(/permission denied to set role/);
      }
      await expect(sql`set session authorization postgres`.execute(db)).rejects.toThrow(
        /permission denied/,
      );
      await expect(
        sql`alter table messages disable row level security`.execute(db),
      ).rejects.toThrow(/must be owner/);
      await expect(sql`create role cariosan_escape`.execute(db)).rejects.toThrow(
        /permission denied to create role/,
      );
    }, 60_000);

    test('the login role stores the password derived from the master key, as a SCRAM verifier', async () => {
      const testDb = await createTestDatabase();
      cleanups.push(() => testDb.cleanup());
      const admin = superuser(testDb);
      const role = testDb.loginRole!;
      const [row] = await admin<{ rolpassword: string; rolcanlogin: boolean }[]>`
        select rolpassword, rolcanlogin from pg_authid where rolname = ${role}`;
      expect(row).toEqual({
        rolpassword: appLoginVerifier(testDb.masterKey!, role),
        rolcanlogin: true,
      });
      expect(row!.rolpassword).not.toContain(appLoginPassword(testDb.masterKey!, role));
    });

    test('an owner that is no superuser, only CREATEROLE, sets it up where PUBLIC may not connect (as docker-compose)', async () => {
      const serverUrl = process.env.DATABASE_URL!;
      const root = postgres(serverUrl, { max: 1, onnotice: () => undefined });
      cleanups.push(() => root.end());
      const owner = await probeRole(root, 'login createrole');
      const name = `cariosan_t_${randomBytes(8).toString('hex')}`;
      await root.unsafe(`create database ${name} owner ${owner}`);
      await root.unsafe(`revoke connect, temporary on database ${name} from public`);
      // Runs before probeRole's cleanup: the database, then the login role the server made.
      cleanups.push(async () => {
        await root.unsafe(`drop database if exists ${name} with (force)`);
        await root.unsafe(`drop role if exists ${appLoginRole(name)}`);
      });
      const url = new URL(serverUrl);
      url.username = owner;
      url.pathname = `/${name}`;
      const handle = await openDatabase({ databaseUrl: url.href, masterKey: randomBytes(32) });
      cleanups.push(() => handle.close());
      const { rows } = await sql<{ me: string }>`select current_user as me`.execute(handle.db);
      expect(rows).toEqual([{ me: appLoginRole(name) }]);
      expect(await handle.isReady()).toBe(true);
    });

    test('nodes starting at once on one database all get in', async () => {
      const testDb = await createTestDatabase();
      cleanups.push(() => testDb.cleanup());
      const nodes = await Promise.all(
        Array.from({ length: 4 }, () =>
          openDatabase({ databaseUrl: testDb.databaseUrl, masterKey: testDb.masterKey }),
        ),
      );
      for (const node of nodes) cleanups.push(() => node.close());
      for (const node of nodes) expect(await node.isReady()).toBe(true);
    });

    test.each([
      ['a superuser', '', /postgres is a superuser/],
      // How the server logged in before: current_user looked fenced, SET ROLE postgres worked.
      [
        'a superuser with the startup parameter role=cariosan_app',
        'role=',
        /postgres is a superuser/,
      ],
      ['a BYPASSRLS role', 'login bypassrls', /cariosan_probe_\w+ has BYPASSRLS/],
      ['a CREATEROLE role', 'login createrole', /cariosan_probe_\w+ has CREATEROLE/],
      ['a member of a table owner', 'owner', /its role cariosan_probe_\w+ owns tables/],
    ])('refuses to serve through %s, saying how to fix it', async (_, attributes, reason) => {
      const testDb = await createTestDatabase();
      cleanups.push(() => testDb.cleanup());
      const admin = superuser(testDb);
      let user = 'postgres';
      if (attributes === 'owner') {
        const owner = await probeRole(admin, 'nologin');
        await admin.unsafe(`create table probe_owned (id int)`);
        await admin.unsafe(`alter table probe_owned owner to ${owner}`);
        user = await probeRole(admin, `login in role ${owner}`);
      } else if (attributes && attributes !== 'role=') {
        user = await probeRole(admin, attributes);
      }
      const appDatabaseUrl = new URL(urlAs(testDb, user));
      if (attributes === 'role=') appDatabaseUrl.searchParams.set('role', 'cariosan_app');
      const opened = openDatabase({
        databaseUrl: testDb.databaseUrl,
        appDatabaseUrl: appDatabaseUrl.href,
      });
      await expect(opened).rejects.toThrow(reason);
      await expect(opened).rejects.toThrow(/refusing to serve: .*CARIOSAN_APP_DATABASE_URL/);
    });

    test("serves through an operator's own role in cariosan_app, with control scope RLS", async () => {
      const testDb = await createTestDatabase();
      cleanups.push(() => testDb.cleanup());
      const user = await probeRole(superuser(testDb), 'login in role cariosan_app');
      const handle = await openDatabase({
        databaseUrl: testDb.databaseUrl,
        appDatabaseUrl: urlAs(testDb, user),
      });
      cleanups.push(() => handle.close());
      await withControl(handle.db, (trx) =>
        trx.insertInto('workspaces').values({ id: 'ws_own', name: 'own role' }).execute(),
      );
      const { rows } = await sql<{ me: string; visible: number }>`
        select current_user as me, (select count(*)::int from workspaces) as visible`.execute(
        handle.db,
      );
      // Outside control scope the workspace row is invisible: RLS binds this role.
      expect(rows).toEqual([{ me: user, visible: 0 }]);
    });
  });
} else {
  describe('the database fences the server (PGlite)', () => {
    test('the one in-process session runs as cariosan_app, which RLS binds', async () => {
      const testDb = await createTestDatabase();
      cleanups.push(() => testDb.cleanup());
      const { db } = testDb.handle;
      await withControl(db, (trx) =>
        trx.insertInto('workspaces').values({ id: 'ws_lite', name: 'lite' }).execute(),
      );
      const { rows } = await sql<{ me: string; visible: number }>`
        select current_user as me, (select count(*)::int from workspaces) as visible`.execute(db);
      expect(rows).toEqual([{ me: 'cariosan_app', visible: 0 }]);
    });
  });
}

test('CARIOSAN_APP_DATABASE_URL needs DATABASE_URL, which runs the migrations', () => {
  expect(() => loadConfig({ CARIOSAN_APP_DATABASE_URL: 'postgres://app@db/cariosan' })).toThrow(
    ConfigError,
  );
});
