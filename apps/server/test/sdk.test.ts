import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cariosan, CariosanError, isCariosanError, type Message } from '@cariosan/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/env';
import { type RunningServer, startServer } from '../src/server';
import { createWorkspace } from '../src/workspaces/workspace.service';
import { createTestDatabase, type TestDatabase } from './support/test-db';

// `@cariosan/node` against a real server over real HTTP: the SDK's own tests use a fake
// server, and the SDK cannot depend on the server (that would be a cycle), so this lives here.

let dataDir: string;
let testDb: TestDatabase | undefined;
let server: RunningServer;
let cariosan: Cariosan;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cariosan-sdk-'));
  if (process.env.DATABASE_URL) testDb = await createTestDatabase();
  server = await startServer(
    loadConfig({
      CARIOSAN_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      ...(testDb
        ? {
            DATABASE_URL: testDb.databaseUrl,
            CARIOSAN_MASTER_KEY: testDb.masterKey!.toString('base64'),
          }
        : {}),
    }),
  );
  const created = await createWorkspace(
    { db: server.deps.database.db, masterKey: server.deps.masterKey },
    { name: 'SDK app' },
    'test',
  );
  if (!created.ok) throw new Error(created.error.message);
  cariosan = new Cariosan({
    apiKey: created.value.api_key,
    apiSecret: created.value.api_secret,
    baseUrl: server.url,
    // Every answer of the real server must match the protocol's response schemas.
    validateResponses: true,
  });
});
afterAll(async () => {
  await server?.close(1000);
  await testDb?.cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

async function failureOf(promise: Promise<unknown>): Promise<CariosanError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isCariosanError(error), String(error)).toBe(true);
  return error as CariosanError;
}

describe('@cariosan/node against a real server', () => {
  const channelId = `design-${randomBytes(4).toString('hex')}`;
  const sent: Message[] = [];

  it('knows its workspace', async () => {
    const info = await cariosan.workspace.get();
    expect(info).toMatchObject({ api_key: cariosan.apiKey, caller: { kind: 'server' } });
    expect(info.workspace_id).toMatch(/^ws_/);
  });

  it('upserts, reads and lists users', async () => {
    const alice = await cariosan.users.upsert('alice', { name: 'Alice', custom: { plan: 'pro' } });
    expect(alice).toMatchObject({
      id: 'alice',
      name: 'Alice',
      custom: { plan: 'pro' },
      role: 'user',
    });
    await cariosan.users.upsert('bob', { name: 'Bob' });
    await cariosan.users.upsert('carol@example.com', { name: 'Carol', role: 'admin' });
    const renamed = await cariosan.users.upsert('alice', { name: 'Alice A.' });
    expect(renamed.custom).toEqual({ plan: 'pro' });
    expect((await cariosan.users.get('carol@example.com')).role).toBe('admin');
    const page = await cariosan.users.list({ limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.next_cursor).not.toBeNull();
    const rest = await cariosan.users.list({ cursor: page.next_cursor!, limit: 10 });
    expect([...page.items, ...rest.items].map((u) => u.id).sort()).toEqual([
      'alice',
      'bob',
      'carol@example.com',
    ]);
  });

  it('creates a channel and manages it', async () => {
    const created = await cariosan.channels.create({
      type: 'group',
      id: channelId,
      name: 'Design',
      members: ['bob'],
      user_id: 'alice',
    });
    expect(created.channel).toMatchObject({ id: channelId, type: 'group', name: 'Design' });
    expect(created.members.map((m) => m.user_id).sort()).toEqual(['alice', 'bob']);
    const updated = await cariosan.channels.update(channelId, { name: 'Design team' });
    expect(updated.channel.name).toBe('Design team');
    const members = await cariosan.channels.updateMembers(channelId, {
      add: ['carol@example.com'],
    });
    expect(members.members).toHaveLength(3);
    expect((await cariosan.channels.get(channelId)).channel.name).toBe('Design team');
  });

  it('sends messages with gapless seqs, idempotently on client_id', async () => {
    for (let i = 1; i <= 5; i++) {
      const message = await cariosan.messages.send(channelId, {
        text: `hello ${i}`,
        user_id: i % 2 ? 'alice' : 'bob',
        client_id: `c-${i}`,
      });
      expect(message).toMatchObject({ seq: i, text: `hello ${i}`, channel_id: channelId });
      sent.push(message);
    }
    const retry = await cariosan.messages.send(channelId, {
      text: 'hello 1',
      user_id: 'alice',
      client_id: 'c-1',
    });
    expect(retry.id).toBe(sent[0]!.id);
  });

  it('pages history backward and forward', async () => {
    const newest = await cariosan.messages.list(channelId, { limit: 2 });
    expect(newest.messages.map((m) => m.seq)).toEqual([4, 5]);
    expect(newest.has_more).toBe(true);
    const older = await cariosan.messages.list(channelId, { before: 4, limit: 2 });
    expect(older.messages.map((m) => m.seq)).toEqual([2, 3]);
    const forward = await cariosan.messages.list(channelId, { after: 3 });
    expect(forward.messages.map((m) => m.seq)).toEqual([4, 5]);
    expect(forward.has_more).toBe(false);
  });

  it('edits, reacts (also with an emoji in the path) and deletes', async () => {
    const [first, second] = [sent[0]!, sent[1]!];
    const edited = await cariosan.messages.update(channelId, first.id, {
      text: 'hello 1 (edited)',
      user_id: 'alice',
    });
    expect(edited.edited_at).not.toBeNull();
    const liked = await cariosan.messages.addReaction(channelId, second.id, {
      type: '👍',
      user_id: 'alice',
    });
    expect(liked.reactions['👍']).toBe(1);
    await cariosan.messages.addReaction(channelId, second.id, { type: 'like', user_id: 'bob' });
    const unliked = await cariosan.messages.removeReaction(channelId, second.id, '👍', {
      user_id: 'alice',
    });
    expect(unliked.reactions['👍'] ?? 0).toBe(0);
    expect(unliked.reactions.like).toBe(1);
    const deleted = await cariosan.messages.delete(channelId, first.id, { user_id: 'alice' });
    expect(deleted).toMatchObject({ id: first.id, seq: 1, text: '' });
    expect(deleted.deleted_at).not.toBeNull();
  });

  it('marks read and lists channels with unread counts', async () => {
    // Carol joined after the messages and has sent none: everything is unread for her.
    const carol = 'carol@example.com';
    const before = await cariosan.channels.list({ user_id: carol });
    expect(before.items.find((item) => item.channel.id === channelId)?.unread_count).toBe(5);
    const read = await cariosan.messages.markRead(channelId, { seq: 3, user_id: carol });
    expect(read).toMatchObject({
      channel_id: channelId,
      user_id: carol,
      last_read_seq: 3,
      unread_count: 2,
    });
    // Forward only: an older seq leaves the position where it is.
    const back = await cariosan.messages.markRead(channelId, { seq: 1, user_id: carol });
    expect(back.last_read_seq).toBe(3);
    const list = await cariosan.channels.list({ user_id: carol });
    const entry = list.items.find((item) => item.channel.id === channelId);
    expect(entry).toMatchObject({ unread_count: 2, last_read_seq: 3 });
    expect(entry!.last_message?.seq).toBe(5);
    expect(list.total_unread_count).toBe(2);
    // Sending reads up to one's own message: bob wrote seq 4.
    const bobs = await cariosan.channels.list({ user_id: 'bob' });
    expect(bobs.items.find((item) => item.channel.id === channelId)?.unread_count).toBe(1);
  });

  it('throws a typed CariosanError on a 404 and a 400', async () => {
    const missing = await failureOf(cariosan.users.get('nobody'));
    expect(missing).toBeInstanceOf(CariosanError);
    expect(missing).toMatchObject({ code: 'not_found', status: 404 });
    expect(missing.requestId).toMatch(/^req_/);
    const invalid = await failureOf(
      cariosan.messages.markRead(channelId, { seq: -1, user_id: 'bob' }),
    );
    expect(invalid).toMatchObject({ code: 'invalid_request', status: 400, field: 'seq' });
    expect(invalid.requestId).toMatch(/^req_/);
    const empty = await failureOf(
      cariosan.callRoute('sendMessage', { channel_id: channelId }, { body: { user_id: 'alice' } }),
    );
    expect(empty).toMatchObject({ code: 'invalid_request', status: 400 });
    const noChannel = await failureOf(
      cariosan.messages.list('no-such-channel', { user_id: 'bob' }),
    );
    expect(noChannel).toMatchObject({ code: 'not_found', status: 404 });
  });

  it('revokes tokens, deletes a channel and a user', async () => {
    const revoked = await cariosan.users.revokeTokens('bob');
    expect(revoked.user_id).toBe('bob');
    expect(await cariosan.channels.delete(channelId, { user_id: 'alice' })).toEqual({
      id: channelId,
      deleted: true,
    });
    expect((await failureOf(cariosan.channels.get(channelId))).status).toBe(404);
    expect(await cariosan.users.delete('carol@example.com')).toEqual({
      id: 'carol@example.com',
      deleted: true,
    });
    expect((await failureOf(cariosan.users.get('carol@example.com'))).code).toBe('not_found');
  });
});
