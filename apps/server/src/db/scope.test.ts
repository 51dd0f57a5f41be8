import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-db';
import { withControl, withWorker, withWorkspace } from './scope';

const A = 'ws_A';
const B = 'ws_B';

let testDb: TestDatabase;

async function seedWorkspace(id: string, channelIds: string[]): Promise<void> {
  const { db } = testDb.handle;
  await withControl(db, (trx) => trx.insertInto('workspaces').values({ id, name: id }).execute());
  await withWorkspace(db, id, async (trx) => {
    await trx.insertInto('users').values({ workspace_id: id, id: 'alice' }).execute();
    for (const channelId of channelIds) {
      await trx
        .insertInto('channels')
        .values({ workspace_id: id, id: channelId, type: 'group' })
        .execute();
    }
  });
}

function channelIds(rows: { id: string }[]): string[] {
  return rows.map((row) => row.id).sort();
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  await seedWorkspace(A, ['a1', 'a2']);
  await seedWorkspace(B, ['b1']);
});

afterAll(() => testDb.cleanup());

describe('row-level security', () => {
  test('RLS stops a query that forgets its workspace filter', async () => {
    const { db } = testDb.handle;

    const scoped = await withWorkspace(db, A, (trx) =>
      trx.selectFrom('channels').selectAll().execute(),
    );
    expect(channelIds(scoped)).toEqual(['a1', 'a2']);

    expect(await db.selectFrom('channels').selectAll().execute()).toEqual([]);

    const foreignInsert = withWorkspace(db, A, (trx) =>
      trx.insertInto('channels').values({ workspace_id: B, id: 'sneaky', type: 'group' }).execute(),
    );
    await expect(foreignInsert).rejects.toThrow(/row-level security/);

    const updated = await withWorkspace(db, A, (trx) =>
      trx.updateTable('channels').set({ name: 'renamed' }).executeTakeFirst(),
    );
    expect(updated.numUpdatedRows).toBe(2n);
    const deleted = await withWorkspace(db, A, (trx) =>
      trx.deleteFrom('channels').executeTakeFirst(),
    );
    expect(deleted.numDeletedRows).toBe(2n);

    const survivors = await withWorkspace(db, B, (trx) =>
      trx.selectFrom('channels').select(['id', 'name']).execute(),
    );
    expect(survivors).toEqual([{ id: 'b1', name: null }]);
  });

  test('the app role is not a superuser and cannot bypass RLS', async () => {
    const { rows } = await sql<{ role: string; rolsuper: boolean; rolbypassrls: boolean }>`
      select current_user as role, rolsuper, rolbypassrls
      from pg_roles where rolname = current_user`.execute(testDb.handle.db);
    // PostgreSQL: the database's own login role; PGlite: its session after SET ROLE.
    const role = testDb.loginRole ?? 'cariosan_app';
    expect(rows).toEqual([{ role, rolsuper: false, rolbypassrls: false }]);
  });

  test('tenant tables are invisible in control scope, control tables visible', async () => {
    const { db } = testDb.handle;
    const seen = await withControl(db, async (trx) => ({
      workspaces: await trx.selectFrom('workspaces').select('id').execute(),
      users: await trx.selectFrom('users').selectAll().execute(),
      channels: await trx.selectFrom('channels').selectAll().execute(),
    }));
    expect(channelIds(seen.workspaces)).toEqual([A, B]);
    expect(seen.users).toEqual([]);
    expect(seen.channels).toEqual([]);

    const tenantWrite = withControl(db, (trx) =>
      trx.insertInto('users').values({ workspace_id: A, id: 'mallory' }).execute(),
    );
    await expect(tenantWrite).rejects.toThrow(/row-level security/);
  });

  test('worker scope sees the outbox of every workspace but no chat table', async () => {
    const { db } = testDb.handle;
    for (const w of [A, B]) {
      await withWorkspace(db, w, (trx) =>
        trx
          .insertInto('outbox')
          .values({ workspace_id: w, event_id: `evt_${w}`, type: 'channel.created', payload: '{}' })
          .execute(),
      );
    }
    const seen = await withWorker(db, async (trx) => ({
      outbox: await trx.selectFrom('outbox').select('workspace_id').orderBy('id').execute(),
      channels: await trx.selectFrom('channels').selectAll().execute(),
      workspaces: await trx.selectFrom('workspaces').selectAll().execute(),
    }));
    expect(seen.outbox.map((row) => row.workspace_id)).toEqual([A, B]);
    expect(seen.channels).toEqual([]);
    expect(seen.workspaces).toEqual([]);
    const inWorkspace = await withWorkspace(db, A, (trx) =>
      trx.selectFrom('outbox').select('workspace_id').execute(),
    );
    expect(inWorkspace).toEqual([{ workspace_id: A }]);
    await withWorker(db, (trx) => trx.deleteFrom('outbox').execute());
  });

  test('a workspace scope sees only its own workspace row and api keys', async () => {
    const { db } = testDb.handle;
    await withControl(db, (trx) =>
      trx
        .insertInto('api_keys')
        .values([A, B].map((workspaceId) => apiKey(workspaceId)))
        .execute(),
    );
    const seen = await withWorkspace(db, A, async (trx) => ({
      workspaces: await trx.selectFrom('workspaces').select('id').execute(),
      keys: await trx.selectFrom('api_keys').select('workspace_id').execute(),
    }));
    expect(seen).toEqual({ workspaces: [{ id: A }], keys: [{ workspace_id: A }] });
  });

  test('the audit log is append-only for the app', async () => {
    const { db } = testDb.handle;
    await withControl(db, (trx) =>
      trx.insertInto('audit_log').values({ workspace_id: A, actor: 'cli', action: 'x' }).execute(),
    );
    const rewrite = withControl(db, (trx) =>
      trx.updateTable('audit_log').set({ action: 'y' }).execute(),
    );
    await expect(rewrite).rejects.toThrow(/permission denied/);
  });

  test('deleting a workspace in control scope removes all of its tenant rows', async () => {
    const { db } = testDb.handle;
    const id = 'ws_doomed';
    await seedWorkspace(id, ['c']);
    await withWorkspace(db, id, async (trx) => {
      await trx
        .insertInto('channel_members')
        .values({ workspace_id: id, channel_id: 'c', user_id: 'alice' })
        .execute();
      await trx
        .insertInto('messages')
        .values({
          workspace_id: id,
          id: 'm',
          channel_id: 'c',
          seq: 1,
          user_id: 'alice',
          text: 'hi',
        })
        .execute();
      await trx
        .insertInto('reactions')
        .values({ workspace_id: id, message_id: 'm', user_id: 'alice', type: 'like' })
        .execute();
    });

    await withControl(db, (trx) => trx.deleteFrom('workspaces').where('id', '=', id).execute());

    const left = await withWorkspace(db, id, async (trx) => [
      ...(await trx.selectFrom('users').select('id').execute()),
      ...(await trx.selectFrom('channels').select('id').execute()),
      ...(await trx.selectFrom('messages').select('id').execute()),
    ]);
    expect(left).toEqual([]);
  });

  test('a scope cannot be opened on a transaction', async () => {
    const { db } = testDb.handle;
    const nested = withWorkspace(db, A, (trx) => withControl(trx, async () => 1));
    await expect(nested).rejects.toThrow(/not a transaction/);
  });
});

function apiKey(workspaceId: string) {
  return {
    id: `key_${workspaceId}`,
    workspace_id: workspaceId,
    api_key: `pk_live_${workspaceId}`,
    secret_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    token_public_key: Buffer.alloc(32, 1),
    webhook_key_enc: Buffer.from('sealed'),
  };
}
