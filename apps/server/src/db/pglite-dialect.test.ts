import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PGliteDialect } from './pglite-dialect';

interface TestDB {
  counter: { id: number; value: number };
  item: { id: number };
}

let db: Kysely<TestDB>;

beforeAll(async () => {
  db = new Kysely<TestDB>({ dialect: new PGliteDialect({ pglite: () => PGlite.create() }) });
  await sql`create table counter (id int primary key, value int not null)`.execute(db);
  await sql`create table item (id int primary key)`.execute(db);
  await db.insertInto('counter').values({ id: 1, value: 0 }).execute();
  await db
    .insertInto('item')
    .values(Array.from({ length: 7 }, (_, id) => ({ id })))
    .execute();
});

afterAll(() => db.destroy());

test('the PGlite dialect serializes concurrent transactions', async () => {
  await Promise.all(
    Array.from({ length: 20 }, () =>
      db.transaction().execute(async (trx) => {
        const { value } = await trx
          .selectFrom('counter')
          .select('value')
          .where('id', '=', 1)
          .executeTakeFirstOrThrow();
        // Yield so that, without the lock, other transactions would read the same value.
        await new Promise((resolve) => setTimeout(resolve, 1));
        await trx
          .updateTable('counter')
          .set({ value: value + 1 })
          .where('id', '=', 1)
          .execute();
      }),
    ),
  );
  const { value } = await db.selectFrom('counter').select('value').executeTakeFirstOrThrow();
  expect(value).toBe(20);
});

test('a failed transaction rolls back and frees the connection', async () => {
  const failing = db.transaction().execute(async (trx) => {
    await trx.updateTable('counter').set({ value: -1 }).execute();
    throw new Error('abort');
  });
  await expect(failing).rejects.toThrow('abort');
  const { value } = await db.selectFrom('counter').select('value').executeTakeFirstOrThrow();
  expect(value).not.toBe(-1);
});

test('savepoints roll back only their part of a transaction', async () => {
  const trx = await db.startTransaction().execute();
  await trx.updateTable('counter').set({ value: 100 }).execute();
  const savepoint = await trx.savepoint('inner').execute();
  await savepoint.updateTable('counter').set({ value: 200 }).execute();
  await savepoint.rollbackToSavepoint('inner').execute();
  await trx.commit().execute();
  const { value } = await db.selectFrom('counter').select('value').executeTakeFirstOrThrow();
  expect(value).toBe(100);
});

test('writes report how many rows they affected', async () => {
  const result = await db.updateTable('counter').set({ value: 0 }).executeTakeFirst();
  expect(result.numUpdatedRows).toBe(1n);
});

test('streaming yields every row in chunks', async () => {
  const ids: number[] = [];
  for await (const row of db.selectFrom('item').select('id').orderBy('id').stream(3)) {
    ids.push(row.id);
  }
  expect(ids).toEqual([0, 1, 2, 3, 4, 5, 6]);
});
