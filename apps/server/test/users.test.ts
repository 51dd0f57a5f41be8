import { Cariosan } from '@cariosan/node';
import { ROUTES } from '@cariosan/protocol';
import { sql } from 'kysely';
import { ulid } from 'ulidx';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ControlEvent } from '../src/control/control-events';
import { withWorkspace } from '../src/db/scope';
import type { RevealedCredentials } from '../src/workspaces/workspace.service';
import { apiAs, serverApi } from './support/api';
import { createTestServer, type TestServer } from './support/test-server';

let server: TestServer;
let ws: RevealedCredentials;
let api: ReturnType<typeof serverApi>;

beforeAll(async () => {
  server = await createTestServer();
  ws = await server.createWorkspace();
  api = serverApi(server, ws);
});
afterAll(async () => {
  await server?.close();
});

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
const tokenFor = (userId: string) =>
  new Cariosan({ apiKey: ws.api_key, apiSecret: ws.api_secret }).issueUserToken(userId);

describe('users', () => {
  it('upserts: 201 on create, 200 on update keeping omitted fields', async () => {
    const created = await api('PUT', '/v1/users/alice', { name: 'Alice', custom: { plan: 'pro' } });
    expect(created.status).toBe(201);
    expect(v.is(ROUTES.upsertUser.response, created.body)).toBe(true);
    const updated = await api('PUT', '/v1/users/alice', { image: 'https://example.com/a.png' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      name: 'Alice',
      image: 'https://example.com/a.png',
      custom: { plan: 'pro' },
    });
    expect((await api('GET', '/v1/users/alice')).body).toMatchObject({
      id: 'alice',
      name: 'Alice',
    });
  });

  it('rejects invalid fields with 400 naming them', async () => {
    for (const [body, field] of [
      [{ name: 5 }, 'name'],
      [{ image: 'not a url' }, 'image'],
      [{ role: 'root' }, 'role'],
      [{ custom: { big: 'x'.repeat(9000) } }, 'custom'],
    ] as const) {
      const response = await api('PUT', '/v1/users/bob', body);
      expect(response.status).toBe(400);
      expect(response.body.error.field).toBe(field);
    }
    expect((await api('PUT', '/v1/users/bad id!', {})).body.error.field).toBe('user_id');
  });

  it('lists users with keyset pagination', async () => {
    for (const id of ['p1', 'p2', 'p3', 'p4', 'p5']) await api('PUT', `/v1/users/${id}`, {});
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ id: string }>; next_cursor: string | null } } =
        await api('GET', `/v1/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.items.map((u) => u.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(['p1', 'p2', 'p3', 'p4', 'p5']));
    expect((await api('GET', '/v1/users?cursor=garbage')).status).toBe(400);
  });

  it('revoke-tokens makes earlier tokens fail and later ones work', async () => {
    await api('PUT', '/v1/users/carol', {});
    const sdk = new Cariosan({ apiKey: ws.api_key, apiSecret: ws.api_secret });
    const early = await sdk.issueUserToken('carol');
    expect((await apiAs(server, `Bearer ${early}`)('GET', '/v1/users/carol')).status).toBe(200);
    expect((await api('POST', '/v1/users/carol/revoke-tokens')).status).toBe(200);
    expect((await apiAs(server, `Bearer ${early}`)('GET', '/v1/users/carol')).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const later = await sdk.issueUserToken('carol');
    expect((await apiAs(server, `Bearer ${later}`)('GET', '/v1/users/carol')).status).toBe(200);
  });

  it('deletes a user softly: gone from reads and lists, tokens void, revived by upsert', async () => {
    await api('PUT', '/v1/users/dave', { name: 'Dave' });
    const token = await new Cariosan({
      apiKey: ws.api_key,
      apiSecret: ws.api_secret,
    }).issueUserToken('dave');
    expect((await api('DELETE', '/v1/users/dave')).body).toEqual({ id: 'dave', deleted: true });
    expect((await api('GET', '/v1/users/dave')).status).toBe(404);
    expect((await api('DELETE', '/v1/users/dave')).status).toBe(404);
    expect((await apiAs(server, `Bearer ${token}`)('GET', '/v1/users/alice')).status).toBe(401);
    const revived = await api('PUT', '/v1/users/dave', {});
    expect(revived.status).toBe(200);
    expect(revived.body.name).toBeNull();
  });

  it('keeps provisioning to the server key pair', async () => {
    await api('PUT', '/v1/users/erin', {});
    const user = apiAs(
      server,
      `Bearer ${await new Cariosan({ apiKey: ws.api_key, apiSecret: ws.api_secret }).issueUserToken('erin')}`,
    );
    expect((await user('PUT', '/v1/users/erin', { role: 'admin' })).status).toBe(403);
    expect((await user('GET', '/v1/users')).status).toBe(403);
    expect((await user('GET', '/v1/users/alice')).status).toBe(200);
  });
});

describe('user events, deletion and isolation', () => {
  it('records user.updated in the outbox on create and on update, with the user as saved', async () => {
    const before = await lastOutboxId();
    await api('PUT', '/v1/users/ulla', { name: 'Ulla' });
    await api('PUT', '/v1/users/ulla', { custom: { team: 'blue' } });
    const events = await outboxSince(before);
    expect(events.map((e) => e.type)).toEqual(['user.updated', 'user.updated']);
    expect(events[0]!.payload.user).toMatchObject({ id: 'ulla', name: 'Ulla', custom: {} });
    expect(events[1]!.payload.user).toMatchObject({ name: 'Ulla', custom: { team: 'blue' } });
  });

  it('writes nothing when the upsert is refused', async () => {
    const before = await lastOutboxId();
    expect((await api('PUT', '/v1/users/nobody', { role: 'root' })).status).toBe(400);
    expect(await outboxSince(before)).toEqual([]);
    expect((await api('GET', '/v1/users/nobody')).status).toBe(404);
  });

  it('deleting removes memberships (member.removed each) and scrubs the profile but keeps messages', async () => {
    await api('PUT', '/v1/users/vic', { name: 'Vic', image: 'https://example.com/v.png' });
    await api('PUT', '/v1/users/wes', {});
    const channel = (await api('POST', '/v1/channels', { type: 'group', members: ['vic', 'wes'] }))
      .body.channel.id as string;
    const messageId = `msg_${ulid()}`;
    await inWorkspace(async (trx) => {
      await sql`update channels set last_seq = 1, last_message_at = now()
        where workspace_id = ${ws.workspace_id} and id = ${channel}`.execute(trx);
      await sql`insert into messages (workspace_id, id, channel_id, seq, user_id, text)
        values (${ws.workspace_id}, ${messageId}, ${channel}, 1, 'vic', 'hi')`.execute(trx);
    });
    const before = await lastOutboxId();
    expect((await api('DELETE', '/v1/users/vic')).status).toBe(200);
    const events = await outboxSince(before);
    expect(events.map((e) => e.type)).toEqual(['user.updated', 'member.removed']);
    expect(events[0]!.payload.user).toMatchObject({ id: 'vic', name: null, image: null });
    expect(events[1]).toMatchObject({ channel_id: channel, payload: { user_id: 'vic' } });
    const members = (await api('GET', `/v1/channels/${channel}`)).body.members;
    expect(members.map((m: { user_id: string }) => m.user_id)).toEqual(['wes']);
    const message = await inWorkspace((trx) =>
      sql<{ text: string }>`select text from messages where id = ${messageId}`.execute(trx),
    );
    expect(message.rows).toEqual([{ text: 'hi' }]);
    const listed = (await api('GET', '/v1/users?limit=100')).body.items.map(
      (u: { id: string }) => u.id,
    );
    expect(listed).not.toContain('vic');
  });

  it('a revived user keeps no token issued before the deletion', async () => {
    await api('PUT', '/v1/users/yan', {});
    const old = await tokenFor('yan');
    await api('DELETE', '/v1/users/yan');
    expect((await api('PUT', '/v1/users/yan', { name: 'Yan again' })).body.name).toBe('Yan again');
    expect((await apiAs(server, `Bearer ${old}`)('GET', '/v1/users/yan')).status).toBe(401);
  });

  it('revoke-tokens answers the schema, 404 for unknown users, and tells every node', async () => {
    const heard: ControlEvent[] = [];
    const stop = server.controlBus.onEvent((event) => heard.push(event));
    try {
      await api('PUT', '/v1/users/zoe', {});
      const revoked = await api('POST', '/v1/users/zoe/revoke-tokens');
      expect(v.is(ROUTES.revokeUserTokens.response, revoked.body)).toBe(true);
      expect(revoked.body.user_id).toBe('zoe');
      await vi.waitFor(() =>
        expect(heard).toContainEqual({
          type: 'user.tokens_revoked',
          workspace_id: ws.workspace_id,
          user_id: 'zoe',
        }),
      );
      expect((await api('POST', '/v1/users/ghost/revoke-tokens')).status).toBe(404);
    } finally {
      stop();
    }
  });

  it('refuses a banned user even for reading profiles', async () => {
    await api('PUT', '/v1/users/bram', {});
    const bram = apiAs(server, `Bearer ${await tokenFor('bram')}`);
    expect((await bram('GET', '/v1/users/alice')).status).toBe(200);
    await api('PUT', '/v1/users/bram', { banned: true });
    const refused = await bram('GET', '/v1/users/alice');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
  });

  it('validates list parameters', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=x', 'other=1']) {
      expect((await api('GET', `/v1/users?${query}`)).status).toBe(400);
    }
    const page = await api('GET', '/v1/users?limit=100');
    expect(v.is(ROUTES.listUsers.response, page.body)).toBe(true);
    expect(page.body.next_cursor).toBeNull();
  });

  it("answers 404 for another workspace's users, whose ids stay independent", async () => {
    const other = await server.createWorkspace({ name: 'Other' });
    const otherApi = serverApi(server, other);
    expect((await otherApi('GET', '/v1/users/alice')).status).toBe(404);
    expect((await otherApi('DELETE', '/v1/users/alice')).status).toBe(404);
    expect((await otherApi('POST', '/v1/users/alice/revoke-tokens')).status).toBe(404);
    expect((await otherApi('GET', '/v1/users')).body.items).toEqual([]);
    expect((await otherApi('PUT', '/v1/users/alice', { name: 'Other Alice' })).status).toBe(201);
    expect((await api('GET', '/v1/users/alice')).body.name).toBe('Alice');
    const token = await tokenFor('alice');
    expect((await apiAs(server, `Bearer ${token}`)('GET', '/v1/users/alice')).body.name).toBe(
      'Alice',
    );
  });
});
