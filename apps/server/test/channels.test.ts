import { Cariosan } from '@cariosan/node';
import { ROUTES } from '@cariosan/protocol';
import { sql } from 'kysely';
import { ulid } from 'ulidx';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWorkspace } from '../src/db/scope';
import type { RevealedCredentials } from '../src/workspaces/workspace.service';
import { apiAs, serverApi } from './support/api';
import { createTestServer, type TestServer } from './support/test-server';

let server: TestServer;
let ws: RevealedCredentials;
let api: ReturnType<typeof serverApi>;
let sdk: Cariosan;

const USERS = ['olga', 'mia', 'nora', 'ada', 'walt', 'vera', 'dina', 'dora', 'bo', 'sam'];

beforeAll(async () => {
  server = await createTestServer();
  ws = await server.createWorkspace();
  api = serverApi(server, ws);
  sdk = new Cariosan({ apiKey: ws.api_key, apiSecret: ws.api_secret });
  for (const id of USERS) await api('PUT', `/v1/users/${id}`, {});
  await api('PUT', '/v1/users/ada', { role: 'admin' });
});
afterAll(async () => {
  await server?.close();
});

const as = async (userId: string) => apiAs(server, `Bearer ${await sdk.issueUserToken(userId)}`);
const inWorkspace = <T>(fn: Parameters<typeof withWorkspace<T>>[2]) =>
  withWorkspace(server.deps.database.db, ws.workspace_id, fn);
const lastOutboxId = async () =>
  Number(
    (
      await inWorkspace((trx) =>
        sql<{ id: string }>`select coalesce(max(id), 0) as id from outbox`.execute(trx),
      )
    ).rows[0]!.id,
  );
// biome-ignore lint/suspicious/noExplicitAny: payloads are checked by each test's assertions
type Payload = Record<string, any>;
const outboxSince = (id: number) =>
  inWorkspace(
    async (trx) =>
      (
        await sql<{ type: string; channel_id: string | null; payload: Payload }>`
        select type, channel_id, payload from outbox where id > ${id} order by id`.execute(trx)
      ).rows,
  );
const memberIds = (body: { members: Array<{ user_id: string }> }) =>
  body.members.map((m) => m.user_id).sort();

describe('creating channels', () => {
  it('makes the acting user the owner, records channel.created with the members', async () => {
    const olga = await as('olga');
    const before = await lastOutboxId();
    const created = await olga('POST', '/v1/channels', {
      type: 'group',
      name: 'Design',
      custom: { color: 'red' },
      members: ['mia', 'nora'],
    });
    expect(created.status).toBe(201);
    expect(v.is(ROUTES.createChannel.response, created.body)).toBe(true);
    expect(created.body.channel).toMatchObject({
      type: 'group',
      name: 'Design',
      custom: { color: 'red' },
      created_by: 'olga',
      last_seq: 0,
      last_message_at: null,
    });
    expect(created.body.channel.id).toMatch(/^ch_[0-9A-HJKMNP-TV-Z]{26}$/);
    const roles = Object.fromEntries(
      created.body.members.map((m: { user_id: string; role: string }) => [m.user_id, m.role]),
    );
    expect(roles).toEqual({ olga: 'owner', mia: 'member', nora: 'member' });
    const events = await outboxSince(before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'channel.created',
      channel_id: created.body.channel.id,
    });
    expect(events[0]!.payload).toEqual(created.body);
  });

  it('takes a chosen id once; the second create is a 409', async () => {
    const first = await api('POST', '/v1/channels', { type: 'public', id: 'general', members: [] });
    expect(first.status).toBe(201);
    expect(first.body.channel).toMatchObject({ id: 'general', created_by: null });
    const again = await api('POST', '/v1/channels', { type: 'group', id: 'general', members: [] });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'conflict', field: 'id' });
  });

  it('lets the server act as a user, who becomes the owner', async () => {
    const created = await api('POST', '/v1/channels', {
      type: 'group',
      members: ['mia'],
      user_id: 'sam',
    });
    expect(created.status).toBe(201);
    expect(created.body.channel.created_by).toBe('sam');
    expect(created.body.members.find((m: { user_id: string }) => m.user_id === 'sam').role).toBe(
      'owner',
    );
  });

  it('refuses unknown or deleted members with a 404 naming them, creating nothing', async () => {
    await api('PUT', '/v1/users/gone', {});
    await api('DELETE', '/v1/users/gone');
    const before = await lastOutboxId();
    for (const missing of ['ghost', 'gone']) {
      const refused = await api('POST', '/v1/channels', {
        type: 'group',
        id: `never-${missing}`,
        members: ['mia', missing],
      });
      expect(refused.status).toBe(404);
      expect(refused.body.error.message).toContain(missing);
      expect((await api('GET', `/v1/channels/never-${missing}`)).status).toBe(404);
    }
    expect(await outboxSince(before)).toEqual([]);
  });

  it('validates the body with 400 naming the field', async () => {
    for (const [body, field] of [
      [{ type: 'room', members: [] }, 'type'],
      [{ type: 'group', members: ['bad id'] }, 'members.0'],
      [{ type: 'group', name: 'x'.repeat(201) }, 'name'],
      [{ type: 'group', extra: 1 }, 'extra'],
    ] as const) {
      const response = await api('POST', '/v1/channels', body);
      expect(response.status).toBe(400);
      expect(response.body.error.field).toBe(field);
    }
    const olga = await as('olga');
    const other = await olga('POST', '/v1/channels', { type: 'group', user_id: 'mia' });
    expect(other.status).toBe(403);
  });
});

describe('direct messages', () => {
  it('is one channel per pair, whoever asks first; the second ask answers 200', async () => {
    const dina = await as('dina');
    const dora = await as('dora');
    const first = await dina('POST', '/v1/channels', { type: 'dm', members: ['dora'] });
    expect(first.status).toBe(201);
    expect(memberIds(first.body)).toEqual(['dina', 'dora']);
    const second = await dora('POST', '/v1/channels', { type: 'dm', members: ['dina'] });
    expect(second.status).toBe(200);
    expect(v.is(ROUTES.createChannel.response, second.body)).toBe(true);
    expect(second.body.channel.id).toBe(first.body.channel.id);
    const byServer = await api('POST', '/v1/channels', { type: 'dm', members: ['dora', 'dina'] });
    expect(byServer.status).toBe(200);
    expect(byServer.body.channel.id).toBe(first.body.channel.id);
  });

  it('needs exactly two distinct members, the actor included', async () => {
    const dina = await as('dina');
    for (const members of [['dina'], [], ['dora', 'bo'], ['dina', 'dina']]) {
      const response = await dina('POST', '/v1/channels', { type: 'dm', members });
      expect(response.status).toBe(400);
      expect(response.body.error.field).toBe('members');
    }
    expect((await api('POST', '/v1/channels', { type: 'dm', members: ['bo'] })).status).toBe(400);
  });

  it('creates exactly one channel when ten creates of the same dm race', async () => {
    const bo = await as('bo');
    const sam = await as('sam');
    const before = await lastOutboxId();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0
          ? bo('POST', '/v1/channels', { type: 'dm', members: ['sam'] })
          : sam('POST', '/v1/channels', { type: 'dm', members: ['bo'] }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    expect(new Set(results.map((r) => r.body.channel.id)).size).toBe(1);
    for (const result of results) expect(memberIds(result.body)).toEqual(['bo', 'sam']);
    const rows = await inWorkspace((trx) =>
      sql<{ n: string }>`select count(*) as n from channels where dm_key = 'bo:sam'`.execute(trx),
    );
    expect(Number(rows.rows[0]!.n)).toBe(1);
    const events = await outboxSince(before);
    expect(events.filter((e) => e.type === 'channel.created')).toHaveLength(1);
  });

  it('restores the membership of a member deleted and revived, and never lets members change', async () => {
    await api('PUT', '/v1/users/rick', {});
    const dina = await as('dina');
    const dm = (await dina('POST', '/v1/channels', { type: 'dm', members: ['rick'] })).body;
    await api('DELETE', '/v1/users/rick');
    expect(memberIds((await dina('GET', `/v1/channels/${dm.channel.id}`)).body)).toEqual(['dina']);
    await api('PUT', '/v1/users/rick', {});
    const again = await dina('POST', '/v1/channels', { type: 'dm', members: ['rick'] });
    expect(again.status).toBe(200);
    expect(again.body.channel.id).toBe(dm.channel.id);
    expect(memberIds(again.body)).toEqual(['dina', 'rick']);
    const path = `/v1/channels/${dm.channel.id}/members`;
    expect((await dina('POST', path, { add: ['bo'] })).status).toBe(403);
    expect((await api('POST', path, { remove: ['rick'] })).status).toBe(403);
  });
});

describe('reading, updating and deleting a channel', () => {
  it("hides another user's group channel exactly like a missing one", async () => {
    const vera = await as('vera');
    const walt = await as('walt');
    const group = (await vera('POST', '/v1/channels', { type: 'group', members: [] })).body.channel
      .id as string;
    const shown = await vera('GET', `/v1/channels/${group}`);
    expect(shown.status).toBe(200);
    expect(v.is(ROUTES.getChannel.response, shown.body)).toBe(true);
    const hidden = await walt('GET', `/v1/channels/${group}`);
    const missing = await walt('GET', '/v1/channels/ch_missing');
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(hidden.body.error.code).toBe(missing.body.error.code);
    expect(hidden.body.error.message.replace(group, 'ID')).toBe(
      missing.body.error.message.replace('ch_missing', 'ID'),
    );
    expect((await walt('PATCH', `/v1/channels/${group}`, { name: 'x' })).status).toBe(404);
    expect((await walt('DELETE', `/v1/channels/${group}`)).status).toBe(404);
    expect((await walt('POST', `/v1/channels/${group}/members`, { add: ['walt'] })).status).toBe(
      404,
    );
  });

  it('lets the owner, a workspace admin or the server rename; records channel.updated', async () => {
    const olga = await as('olga');
    const mia = await as('mia');
    const ada = await as('ada');
    const id = (await olga('POST', '/v1/channels', { type: 'public', members: ['mia'] })).body
      .channel.id as string;
    const before = await lastOutboxId();
    const renamed = await olga('PATCH', `/v1/channels/${id}`, { name: 'Team', custom: { a: 1 } });
    expect(renamed.status).toBe(200);
    expect(v.is(ROUTES.updateChannel.response, renamed.body)).toBe(true);
    expect(renamed.body.channel).toMatchObject({ name: 'Team', custom: { a: 1 } });
    expect((await mia('PATCH', `/v1/channels/${id}`, { name: 'Mine' })).status).toBe(403);
    expect((await ada('PATCH', `/v1/channels/${id}`, { name: null })).body.channel.name).toBeNull();
    const byServer = await api('PATCH', `/v1/channels/${id}`, { custom: {} });
    expect(byServer.body.channel).toMatchObject({ name: null, custom: {} });
    const events = await outboxSince(before);
    expect(events.map((e) => e.type)).toEqual([
      'channel.updated',
      'channel.updated',
      'channel.updated',
    ]);
    expect(events[0]!.payload.channel).toMatchObject({ id, name: 'Team' });
  });

  it('deletes a channel with its messages, replies and reactions; channel.deleted keeps it as it was', async () => {
    const olga = await as('olga');
    const mia = await as('mia');
    const id = (
      await olga('POST', '/v1/channels', { type: 'group', name: 'Old', members: ['mia'] })
    ).body.channel.id as string;
    const [parent, reply] = [`msg_${ulid()}`, `msg_${ulid()}`];
    await inWorkspace(async (trx) => {
      const w = ws.workspace_id;
      await sql`update channels set last_seq = 2, last_message_at = now()
        where workspace_id = ${w} and id = ${id}`.execute(trx);
      await sql`insert into messages (workspace_id, id, channel_id, seq, user_id, text, parent_id, reply_count)
        values (${w}, ${parent}, ${id}, 1, 'olga', 'root', null, 1),
               (${w}, ${reply}, ${id}, 2, 'mia', 'reply', ${parent}, 0)`.execute(trx);
      await sql`insert into reactions (workspace_id, message_id, user_id, type)
        values (${w}, ${parent}, 'mia', 'like')`.execute(trx);
    });
    expect((await mia('DELETE', `/v1/channels/${id}`)).status).toBe(403);
    const before = await lastOutboxId();
    const deleted = await olga('DELETE', `/v1/channels/${id}`);
    expect(deleted.status).toBe(200);
    expect(v.is(ROUTES.deleteChannel.response, deleted.body)).toBe(true);
    expect(deleted.body).toEqual({ id, deleted: true });
    expect((await api('GET', `/v1/channels/${id}`)).status).toBe(404);
    const left = await inWorkspace((trx) =>
      sql<{ n: string }>`select (select count(*) from messages where channel_id = ${id})
        + (select count(*) from reactions where message_id = ${parent})
        + (select count(*) from channel_members where channel_id = ${id}) as n`.execute(trx),
    );
    expect(Number(left.rows[0]!.n)).toBe(0);
    const events = await outboxSince(before);
    expect(events.map((e) => e.type)).toEqual(['channel.deleted']);
    expect(events[0]!.payload.channel).toMatchObject({ id, name: 'Old', last_seq: 2 });
  });
});
