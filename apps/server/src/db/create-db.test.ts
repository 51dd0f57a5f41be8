import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-db';
import { type DbHandle, migrateDatabase, openDatabase } from './create-db';
import { MIGRATION_NAMES } from './migrations';
import { withControl, withWorkspace } from './scope';

function nextMessage(handle: DbHandle, channel: string): Promise<string> {
  return new Promise((resolve, reject) => {
    handle.listen(channel, (payload) => resolve(payload)).catch(reject);
  });
}

describe('openDatabase', () => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase();
  });

  afterAll(() => testDb.cleanup());

  test('a migrated database is ready, a closed one is not', async () => {
    const fresh = await createTestDatabase();
    expect(await fresh.handle.isReady()).toBe(true);
    await fresh.cleanup();
    expect(await fresh.handle.isReady()).toBe(false);
  });

  test('int8, jsonb, text[], bytea and timestamptz come back as the same JS types', async () => {
    const { db } = testDb.handle;
    await withControl(db, async (trx) => {
      await trx.insertInto('workspaces').values({ id: 'ws_types', name: 'types' }).execute();
      await trx
        .insertInto('api_keys')
        .values({
          id: 'key_types',
          workspace_id: 'ws_types',
          api_key: 'pk_live_types',
          secret_hash: 'hash',
          token_public_key: Buffer.alloc(32, 7),
          webhook_key_enc: Buffer.from([1, 2, 3]),
        })
        .execute();
    });
    const key = await withControl(db, (trx) =>
      trx
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', 'key_types')
        .executeTakeFirstOrThrow(),
    );
    expect(Buffer.isBuffer(key.token_public_key)).toBe(true);
    expect(key.token_public_key).toEqual(Buffer.alloc(32, 7));
    expect(key.created_at).toBeInstanceOf(Date);

    const row = await withWorkspace(db, 'ws_types', async (trx) => {
      await trx.insertInto('users').values({ workspace_id: 'ws_types', id: 'u' }).execute();
      await trx
        .insertInto('channels')
        .values({ workspace_id: 'ws_types', id: 'c', type: 'public', custom: { topic: 'x' } })
        .execute();
      await trx
        .insertInto('messages')
        .values({
          workspace_id: 'ws_types',
          id: 'msg_1',
          channel_id: 'c',
          seq: 2 ** 40,
          user_id: 'u',
          text: 'hi',
          attachments: [{ type: 'image', url: 'https://x/y.png' }],
        })
        .execute();
      await trx
        .insertInto('webhooks')
        .values({ workspace_id: 'ws_types', id: 'wh_1', url: 'https://x', events: ['message.new'] })
        .execute();
      return {
        message: await trx.selectFrom('messages').selectAll().executeTakeFirstOrThrow(),
        webhook: await trx.selectFrom('webhooks').select('events').executeTakeFirstOrThrow(),
        count: await trx
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow(),
      };
    });
    expect(row.message.seq).toBe(2 ** 40);
    expect(row.message.attachments).toEqual([{ type: 'image', url: 'https://x/y.png' }]);
    expect(row.webhook.events).toEqual(['message.new']);
    expect(row.count.n).toBe(1);
  });

  test('listen/notify delivers a payload', async () => {
    const received = nextMessage(testDb.handle, 'cariosan_test');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await testDb.handle.notify('cariosan_test', '{"hello":"world"}');
    expect(await received).toBe('{"hello":"world"}');
  });

  test('a notification from a rolled-back transaction is never delivered', async () => {
    const { db } = testDb.handle;
    const payloads: string[] = [];
    let arrived: () => void = () => undefined;
    const barrier = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const unlisten = await testDb.handle.listen('cariosan_tx', (payload) => {
      payloads.push(payload);
      if (payload === 'committed') arrived();
    });
    const rolledBack = db.transaction().execute(async (trx) => {
      await sql`select pg_notify('cariosan_tx', 'rolled back')`.execute(trx);
      throw new Error('abort');
    });
    await expect(rolledBack).rejects.toThrow('abort');
    await testDb.handle.notify('cariosan_tx', 'committed');
    await barrier;
    await unlisten();
    expect(payloads).toEqual(['committed']);
  });

  test('channel names outside the shared alphabet are refused', async () => {
    await expect(testDb.handle.notify('bad"name', 'x')).rejects.toThrow(/invalid/);
    await expect(testDb.handle.listen('', () => undefined)).rejects.toThrow(/invalid/);
  });

  // Only a real server has a connection that can drop; PGlite runs in-process.
  if (process.env.DATABASE_URL) {
    test('listen re-listens after the connection drops and calls onReconnect', async () => {
      const payloads: string[] = [];
      let reconnected: () => void = () => undefined;
      const reconnect = new Promise<void>((resolve) => {
        reconnected = resolve;
      });
      await testDb.handle.listen(
        'cariosan_drop',
        (payload) => payloads.push(payload),
        () => reconnected(),
      );
      const owner = postgres(testDb.databaseUrl!, { max: 1 });
      try {
        const killed = await owner`
          select pg_terminate_backend(pid) as ok from pg_stat_activity
          where datname = current_database() and query ilike 'listen%'`;
        expect(killed.length).toBeGreaterThan(0);
      } finally {
        await owner.end();
      }
      await reconnect;
      const delivered = nextMessage(testDb.handle, 'cariosan_drop');
      await testDb.handle.notify('cariosan_drop', 'after');
      expect(await delivered).toBe('after');
      expect(payloads).toEqual(['after']);
    });
  }
});

describe('migrations', () => {
  test('migrations are idempotent: opening a migrated database twice applies nothing', async () => {
    const testDb = await createTestDatabase({ persistent: true });
    try {
      await testDb.handle.close();
      const target = testDb.databaseUrl
        ? { databaseUrl: testDb.databaseUrl, masterKey: testDb.masterKey }
        : { dataDir: testDb.dataDir };
      expect(await migrateDatabase(target)).toEqual({ applied: [] });
      for (let i = 0; i < 2; i++) {
        const reopened = await openDatabase(target);
        expect(await reopened.isReady()).toBe(true);
        await reopened.close();
      }
    } finally {
      await testDb.cleanup();
    }
  });

  test('PGlite persists across reopen of the same dataDir', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cariosan-persist-'));
    const dataDir = join(root, 'pg');
    try {
      expect(await migrateDatabase({ dataDir })).toEqual({ applied: [...MIGRATION_NAMES] });
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);

      const first = await openDatabase({ dataDir });
      expect(first.kind).toBe('pglite');
      await withControl(first.db, (trx) =>
        trx.insertInto('workspaces').values({ id: 'ws_kept', name: 'kept' }).execute(),
      );
      await first.close();

      const second = await openDatabase({ dataDir });
      const names = await withControl(second.db, (trx) =>
        trx.selectFrom('workspaces').select('name').execute(),
      );
      await second.close();
      expect(names).toEqual([{ name: 'kept' }]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

test('parallel createTestDatabase calls give isolated databases', async () => {
  const databases = await Promise.all(Array.from({ length: 4 }, () => createTestDatabase()));
  try {
    await Promise.all(
      databases.map((testDb, i) =>
        withControl(testDb.handle.db, (trx) =>
          trx
            .insertInto('workspaces')
            .values({ id: `ws_${i}`, name: `${i}` })
            .execute(),
        ),
      ),
    );
    const seen = await Promise.all(
      databases.map((testDb) =>
        withControl(testDb.handle.db, (trx) => trx.selectFrom('workspaces').select('id').execute()),
      ),
    );
    expect(seen).toEqual([0, 1, 2, 3].map((i) => [{ id: `ws_${i}` }]));
  } finally {
    await Promise.all(databases.map((testDb) => testDb.cleanup()));
  }
});
