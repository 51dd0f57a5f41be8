import { Cariosan } from '@cariosan/node';
import { ROUTES } from '@cariosan/protocol';
import { sql } from 'kysely';
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

beforeAll(async () => {
  server = await createTestServer();
  ws = await server.createWorkspace();
  api = serverApi(server, ws);
  sdk = new Cariosan({ apiKey: ws.api_key, apiSecret: ws.api_secret });
  for (const id of ['olga', 'mia', 'nora', 'ada', 'walt', 'bea']) {
    await api('PUT', `/v1/users/${id}`, {});
  }
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

async function group(owner: string, type: 'group' | 'public', members: string[]) {
  const created = await (await as(owner))('POST', '/v1/channels', { type, members });
  return created.body.channel.id as string;
}

describe('joining and leaving', () => {
  it('lets any user see and join a public channel, and leave it', async () => {
    const walt = await as('walt');
    const id = await group('olga', 'public', []);
    const seen = await walt('GET', `/v1/channels/${id}`);
    expect(seen.status).toBe(200);
    expect(memberIds(seen.body)).toEqual(['olga']);
    const before = await lastOutboxId();
    const joined = await walt('POST', `/v1/channels/${id}/members`, { add: ['walt'] });
    expect(joined.status).toBe(200);
    expect(v.is(ROUTES.updateMembers.response, joined.body)).toBe(true);
    expect(memberIds(joined.body)).toEqual(['olga', 'walt']);
    const left = await walt('POST', `/v1/channels/${id}/members`, { remove: ['walt'] });
    expect(memberIds(left.body)).toEqual(['olga']);
    const events = await outboxSince(before);
    expect(events.map((e) => e.type)).toEqual(['member.added', 'member.removed']);
    expect(events[0]).toMatchObject({
      channel_id: id,
      payload: { channel_id: id, member: { user_id: 'walt', role: 'member' } },
    });
    expect(events[1]!.payload).toEqual({ channel_id: id, user_id: 'walt' });
  });

  it('lets a member leave a group but not join one they are not in', async () => {
    const mia = await as('mia');
    const walt = await as('walt');
    const id = await group('olga', 'group', ['mia']);
    expect((await walt('POST', `/v1/channels/${id}/members`, { add: ['walt'] })).status).toBe(404);
    const left = await mia('POST', `/v1/channels/${id}/members`, { remove: ['mia'] });
    expect(left.status).toBe(200);
    expect(memberIds(left.body)).toEqual(['olga']);
    expect((await mia('GET', `/v1/channels/${id}`)).status).toBe(404);
  });

  it('starts a new member with the history before them read', async () => {
    const id = await group('olga', 'public', []);
    await inWorkspace((trx) =>
      sql`update channels set last_seq = 5 where workspace_id = ${ws.workspace_id}
        and id = ${id}`.execute(trx),
    );
    const joined = await (await as('bea'))('POST', `/v1/channels/${id}/members`, { add: ['bea'] });
    expect(joined.body.members.find((m: { user_id: string }) => m.user_id === 'bea')).toMatchObject(
      { role: 'member', last_read_seq: 5 },
    );
  });
});

describe('managing other members', () => {
  it('needs the owner, a moderator, a workspace admin or the server', async () => {
    const id = await group('olga', 'public', ['mia']);
    const path = `/v1/channels/${id}/members`;
    const mia = await as('mia');
    const walt = await as('walt');
    expect((await mia('POST', path, { add: ['nora'] })).status).toBe(403);
    expect((await mia('POST', path, { remove: ['olga'] })).status).toBe(403);
    expect((await walt('POST', path, { add: ['walt', 'nora'] })).status).toBe(403);
    expect((await mia('POST', path, { add: ['mia'], remove: ['olga'] })).status).toBe(403);
    const olga = await as('olga');
    expect(memberIds((await olga('POST', path, { add: ['nora'] })).body)).toEqual([
      'mia',
      'nora',
      'olga',
    ]);
    await inWorkspace((trx) =>
      sql`update channel_members set role = 'moderator' where workspace_id = ${ws.workspace_id}
        and channel_id = ${id} and user_id = 'nora'`.execute(trx),
    );
    const nora = await as('nora');
    expect(memberIds((await nora('POST', path, { remove: ['mia'] })).body)).toEqual([
      'nora',
      'olga',
    ]);
    const ada = await as('ada');
    expect(memberIds((await ada('POST', path, { add: ['bea'] })).body)).toContain('bea');
    const byServer = await api('POST', path, { add: ['walt'], remove: ['bea'] });
    expect(memberIds(byServer.body)).toEqual(['nora', 'olga', 'walt']);
  });

  it('treats adding a member and removing a non-member as no-ops without events', async () => {
    const id = await group('olga', 'group', ['mia']);
    const before = await lastOutboxId();
    const response = await api('POST', `/v1/channels/${id}/members`, {
      add: ['mia', 'olga'],
      remove: ['walt'],
    });
    expect(response.status).toBe(200);
    expect(memberIds(response.body)).toEqual(['mia', 'olga']);
    expect(response.body.members.find((m: { user_id: string }) => m.user_id === 'olga').role).toBe(
      'owner',
    );
    expect(await outboxSince(before)).toEqual([]);
  });

  it('refuses unknown users with 404 and contradictions with 400, changing nothing', async () => {
    const id = await group('olga', 'group', ['mia']);
    const olga = await as('olga');
    const before = await lastOutboxId();
    const unknown = await olga('POST', `/v1/channels/${id}/members`, {
      add: ['nora', 'ghost'],
      remove: ['mia'],
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('ghost');
    const both = await olga('POST', `/v1/channels/${id}/members`, {
      add: ['nora'],
      remove: ['nora'],
    });
    expect(both.status).toBe(400);
    expect(both.body.error.field).toBe('remove');
    expect(await outboxSince(before)).toEqual([]);
    expect(memberIds((await olga('GET', `/v1/channels/${id}`)).body)).toEqual(['mia', 'olga']);
  });
});

describe('bans', () => {
  it('refuses a banned user everywhere, and a member banned from a channel in that channel', async () => {
    await api('PUT', '/v1/users/ben', {});
    const ben = await as('ben');
    const open = await group('olga', 'public', ['ben']);
    const other = await group('olga', 'public', ['ben']);
    await inWorkspace((trx) =>
      sql`update channel_members set banned = true where workspace_id = ${ws.workspace_id}
        and channel_id = ${open} and user_id = 'ben'`.execute(trx),
    );
    expect((await ben('GET', `/v1/channels/${open}`)).status).toBe(403);
    expect((await ben('POST', `/v1/channels/${open}/members`, { add: ['ben'] })).status).toBe(403);
    expect((await ben('GET', `/v1/channels/${other}`)).status).toBe(200);
    const listed = (await ben('GET', '/v1/channels')).body.items.map(
      (item: { channel: { id: string } }) => item.channel.id,
    );
    expect(listed).toContain(other);
    expect(listed).not.toContain(open);

    await api('PUT', '/v1/users/ben', { banned: true });
    for (const [method, path, body] of [
      ['GET', '/v1/channels', undefined],
      ['GET', `/v1/channels/${other}`, undefined],
      ['POST', '/v1/channels', { type: 'group', members: [] }],
      ['POST', `/v1/channels/${other}/members`, { remove: ['ben'] }],
    ] as const) {
      const refused = await ben(method, path, body);
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
    }
    const asBen = await api('POST', '/v1/channels', { type: 'group', user_id: 'ben' });
    expect(asBen.status).toBe(403);
  });
});

describe('isolation', () => {
  it("answers 404 for another workspace's channels and users", async () => {
    const id = await group('olga', 'public', ['mia']);
    const other = serverApi(server, await server.createWorkspace({ name: 'Other' }));
    expect((await other('GET', `/v1/channels/${id}`)).status).toBe(404);
    expect((await other('PATCH', `/v1/channels/${id}`, { name: 'x' })).status).toBe(404);
    expect((await other('DELETE', `/v1/channels/${id}`)).status).toBe(404);
    expect((await other('POST', `/v1/channels/${id}/members`, { add: [] })).status).toBe(404);
    expect((await other('GET', '/v1/channels?user_id=olga')).status).toBe(404);
    const members = await other('POST', '/v1/channels', { type: 'group', members: ['olga'] });
    expect(members.status).toBe(404);
    const all = await other('GET', '/v1/channels');
    expect(all.body).toEqual({ items: [], next_cursor: null, total_unread_count: 0 });
    expect((await api('GET', `/v1/channels/${id}`)).status).toBe(200);
  });
});
