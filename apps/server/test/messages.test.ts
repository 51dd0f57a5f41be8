import { Cariosan } from '@cariosan/node';
import { ROUTES } from '@cariosan/protocol';
import { type RawBuilder, sql } from 'kysely';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWorkspace } from '../src/db/scope';
import type { RevealedCredentials } from '../src/workspaces/workspace.service';
import { apiAs, serverApi } from './support/api';
import { createTestServer, type TestServer } from './support/test-server';

type Caller = ReturnType<typeof apiAs>;
let server: TestServer;
let ws: RevealedCredentials;
let api: Caller;
let alice: Caller;
let bob: Caller;
let carol: Caller;
let dave: Caller;
let mod: Caller;

/**
 * Users (`name` or `name:admin`) and channels (`type member:role …`) straight in SQL, so these
 * tests depend on the message routes only.
 */
async function seed(workspaceId: string, users: string, channels: Record<string, string>) {
  await withWorkspace(server.deps.database.db, workspaceId, async (trx) => {
    for (const [id, role = 'user'] of users.split(' ').map((u) => u.split(':'))) {
      await sql`insert into users (workspace_id, id, role) values (${workspaceId}, ${id}, ${role})`.execute(
        trx,
      );
    }
    for (const [id, spec] of Object.entries(channels)) {
      const [type, ...members] = spec.split(' ');
      await sql`insert into channels (workspace_id, id, type) values (${workspaceId}, ${id}, ${type})`.execute(
        trx,
      );
      for (const [user, role = 'member'] of members.map((m) => m.split(':'))) {
        await sql`insert into channel_members (workspace_id, channel_id, user_id, role)
          values (${workspaceId}, ${id}, ${user}, ${role})`.execute(trx);
      }
    }
  });
}

type Event = { type: string; seq: number | null; channel_id: string };
const query = async <T>(text: RawBuilder<T>, workspaceId = ws.workspace_id) =>
  (await withWorkspace(server.deps.database.db, workspaceId, (trx) => text.execute(trx))).rows;
const outboxMark = async () =>
  (await query(sql<{ id: number }>`select coalesce(max(id), 0)::int as id from outbox`))[0]!.id;
const eventsSince = (mark: number) =>
  query(sql<Event>`select type, seq, channel_id from outbox where id > ${mark} order by id`);

beforeAll(async () => {
  server = await createTestServer();
  ws = await server.createWorkspace();
  api = serverApi(server, ws);
  await seed(ws.workspace_id, 'alice bob carol dave:admin mod', {
    team: 'group alice:owner bob mod:moderator',
    lobby: 'public alice bob',
  });
  const sdk = new Cariosan({ apiKey: ws.api_key, apiSecret: ws.api_secret });
  const as = async (id: string) => apiAs(server, `Bearer ${await sdk.issueUserToken(id)}`);
  alice = await as('alice');
  bob = await as('bob');
  carol = await as('carol');
  dave = await as('dave');
  mod = await as('mod');
});
afterAll(async () => {
  await server?.close();
});

const path = (suffix = '', channel = 'team') => `/v1/channels/${channel}/messages${suffix}`;
const send = (who: Caller, text: string, channel = 'team') =>
  who('POST', path('', channel), { text });

describe('sending', () => {
  it('returns 201 with the schema and records message.new with its seq in the same transaction', async () => {
    const mark = await outboxMark();
    const sent = await alice('POST', path(), {
      text: 'hello',
      attachments: [{ url: 'https://x/y.png' }],
    });
    expect(sent.status).toBe(201);
    expect(v.is(ROUTES.sendMessage.response, sent.body)).toBe(true);
    expect(sent.body).toMatchObject({
      user_id: 'alice',
      text: 'hello',
      reactions: {},
      edited_at: null,
    });
    expect(await eventsSince(mark)).toEqual([
      { type: 'message.new', seq: sent.body.seq, channel_id: 'team' },
    ]);
    const [row] = await query(sql<{ same_tx: boolean; payload: string; attachments: string }>`select
      m.xmin::text = o.xmin::text as same_tx, jsonb_typeof(o.payload) as payload,
      jsonb_typeof(m.attachments) as attachments
      from messages m join outbox o on o.payload->'message'->>'id' = m.id where m.id = ${sent.body.id}`);
    expect(row).toEqual({ same_tx: true, payload: 'object', attachments: 'array' });
  });

  it('replays a client_id with 200 and the first message, taking no seq', async () => {
    const first = await bob('POST', path(), { text: 'once', client_id: 'bob:1' });
    const retry = await bob('POST', path(), { text: 'changed', client_id: 'bob:1' });
    expect([first.status, retry.status]).toEqual([201, 200]);
    expect(retry.body).toEqual(first.body);
    expect((await send(bob, 'next')).body.seq).toBe(first.body.seq + 1);
  });

  it('needs a user_id with the server key pair, and an author who is a member', async () => {
    expect((await api('POST', path(), { text: 'x' })).body.error.field).toBe('user_id');
    expect((await api('POST', path(), { text: 'x', user_id: 'carol' })).status).toBe(403);
    expect((await api('POST', path(), { text: 'x', user_id: 'ghost' })).status).toBe(404);
    expect((await send(carol, 'x', 'lobby')).status).toBe(403);
    expect((await send(carol, 'x')).status).toBe(404);
    expect((await api('POST', path(), { text: 'x', user_id: 'bob' })).status).toBe(201);
  });
});

describe('input validation', () => {
  it('rejects wrong types and oversized fields in every body and query with 400 naming the field, recording nothing', async () => {
    const target = (await send(alice, 'target')).body.id as string;
    const mark = await outboxMark();
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', path(), { text: 42 }, 'text'],
      ['POST', path(), { text: 'x'.repeat(8 * 1024 + 1) }, 'text'],
      ['POST', path(), { text: 'é'.repeat(4097) }, 'text'],
      ['POST', path(), { text: '   ' }, 'text'],
      [
        'POST',
        path(),
        { text: 'a', attachments: Array.from({ length: 11 }, () => ({})) },
        'attachments',
      ],
      ['POST', path(), { text: 'a', attachments: [{ blob: 'x'.repeat(17_000) }] }, 'attachments'],
      ['POST', path(), { text: 'a', attachments: ['x'] }, 'attachments.0'],
      ['POST', path(), { text: 'a', client_id: 'has space' }, 'client_id'],
      ['POST', path(), { text: 'a', client_id: 'x'.repeat(65) }, 'client_id'],
      ['POST', path(), { text: 'a', client_id: 7 }, 'client_id'],
      ['POST', path(), { text: 'a', parent_id: 'nope' }, 'parent_id'],
      ['POST', path(), { text: 'a', extra: true }, 'extra'],
      ['PATCH', path(`/${target}`), { text: ['x'] }, 'text'],
      ['PATCH', path(`/${target}`), { text: 'x'.repeat(8193) }, 'text'],
      ['PATCH', path(`/${target}`), { attachments: {} }, 'attachments'],
      ['PATCH', path(`/${target}`), {}, 'text'],
      ['PATCH', path(`/${target}`), { text: '', attachments: [] }, 'text'],
      ['PATCH', path('/msg_bad'), { text: 'x' }, 'message_id'],
      ['POST', path(`/${target}/reactions`), { type: '' }, 'type'],
      ['POST', path(`/${target}/reactions`), { type: 'a b' }, 'type'],
      ['POST', path(`/${target}/reactions`), { type: 'x'.repeat(33) }, 'type'],
      ['POST', path(`/${target}/reactions`), { type: 1 }, 'type'],
      ['POST', '/v1/channels/team/read', { seq: -1 }, 'seq'],
      ['POST', '/v1/channels/team/read', { seq: 1.5 }, 'seq'],
      ['POST', '/v1/channels/team/read', { seq: '3' }, 'seq'],
      ['POST', '/v1/channels/team/read', {}, 'seq'],
      ['GET', path('?limit=101'), undefined, 'limit'],
      ['GET', path('?limit=0'), undefined, 'limit'],
      ['GET', path('?before=abc'), undefined, 'before'],
      ['GET', path('?after=-1'), undefined, 'after'],
      ['GET', path('?page=2'), undefined, 'page'],
    ];
    for (const [method, url, body, field] of cases) {
      const response = await alice(method, url, body);
      expect({ method, url, field, status: response.status }).toEqual({
        method,
        url,
        field,
        status: 400,
      });
      expect(response.body.error.field).toBe(field);
    }
    expect(await eventsSince(mark)).toEqual([]);
  });
});

describe('threads', () => {
  it('gives replies their own channel seq, counts them on the root, and refuses bad parents', async () => {
    const root = await send(alice, 'root');
    const reply = await bob('POST', path(), { text: 'reply', parent_id: root.body.id });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ seq: root.body.seq + 1, parent_id: root.body.id });
    expect(
      (await alice('POST', path(), { text: 'n', parent_id: reply.body.id })).body.error.field,
    ).toBe('parent_id');
    const elsewhere = (await send(alice, 'in lobby', 'lobby')).body.id;
    expect((await alice('POST', path(), { text: 'n', parent_id: elsewhere })).status).toBe(404);
    const page = await alice('GET', path(`?after=${root.body.seq - 1}&limit=2`));
    expect(page.body.messages[0]).toMatchObject({ id: root.body.id, reply_count: 1 });
    await bob('DELETE', path(`/${reply.body.id}`));
    await bob('DELETE', path(`/${reply.body.id}`));
    expect(
      (await alice('GET', path(`?after=${root.body.seq - 1}&limit=1`))).body.messages[0]
        .reply_count,
    ).toBe(0);
    await alice('DELETE', path(`/${root.body.id}`));
    expect((await alice('POST', path(), { text: 'late', parent_id: root.body.id })).status).toBe(
      404,
    );
  });
});

describe('editing', () => {
  it('lets only the author edit (the server key pair as any user too), stamps edited_at and records message.updated', async () => {
    const sent = await send(alice, 'typo');
    const mark = await outboxMark();
    expect((await bob('PATCH', path(`/${sent.body.id}`), { text: 'hacked' })).status).toBe(403);
    expect((await mod('PATCH', path(`/${sent.body.id}`), { text: 'hacked' })).status).toBe(403);
    expect(
      (await api('PATCH', path(`/${sent.body.id}`), { text: 'hacked', user_id: 'bob' })).status,
    ).toBe(403);
    expect(await eventsSince(mark)).toEqual([]);
    const edited = await alice('PATCH', path(`/${sent.body.id}`), { text: 'fixed' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ text: 'fixed', seq: sent.body.seq });
    expect(edited.body.edited_at).not.toBeNull();
    const byServer = await api('PATCH', path(`/${sent.body.id}`), {
      attachments: [{ url: 'https://x' }],
    });
    expect(byServer.body).toMatchObject({ text: 'fixed', attachments: [{ url: 'https://x' }] });
    expect((await eventsSince(mark)).map((e) => e.type)).toEqual([
      'message.updated',
      'message.updated',
    ]);
  });
});

describe('deleting', () => {
  it('soft-deletes: the text is gone from the database, the seq stays, a second delete changes nothing', async () => {
    const sent = await alice('POST', path(), {
      text: 'regrettable words',
      attachments: [{ url: 'https://x' }],
    });
    expect((await bob('DELETE', path(`/${sent.body.id}`))).status).toBe(403);
    const mark = await outboxMark();
    const deleted = await alice('DELETE', path(`/${sent.body.id}`));
    expect(deleted.body).toMatchObject({
      id: sent.body.id,
      seq: sent.body.seq,
      text: '',
      attachments: [],
    });
    expect(deleted.body.deleted_at).not.toBeNull();
    const [row] = await query(
      sql<{
        text: string;
        attachments: unknown;
      }>`select text, attachments from messages where id = ${sent.body.id}`,
    );
    expect(row).toEqual({ text: '', attachments: [] });
    const dump = await query(sql<{ t: string }>`select to_jsonb(m)::text as t from messages m`);
    expect(dump.map((r) => r.t).join()).not.toContain('regrettable');
    const again = await alice('DELETE', path(`/${sent.body.id}`));
    expect(again).toEqual(deleted);
    expect((await alice('PATCH', path(`/${sent.body.id}`), { text: 'x' })).status).toBe(409);
    expect((await bob('POST', path(`/${sent.body.id}/reactions`), { type: 'like' })).status).toBe(
      409,
    );
    expect((await eventsSince(mark)).map((e) => e.type)).toEqual(['message.deleted']);
    const history = await alice('GET', path(`?after=${sent.body.seq - 1}&limit=1`));
    expect(history.body.messages[0]).toMatchObject({ id: sent.body.id, text: '' });
  });

  it("lets a channel owner or moderator, a workspace admin and the server delete others' messages", async () => {
    const byOwner = await send(bob, 'a');
    const byMod = await send(bob, 'b');
    const byServer = await send(bob, 'c');
    expect((await alice('DELETE', path(`/${byOwner.body.id}`))).status).toBe(200);
    expect((await mod('DELETE', path(`/${byMod.body.id}`))).status).toBe(200);
    expect((await api('DELETE', path(`/${byServer.body.id}`))).status).toBe(200);
    const inLobby = await send(alice, 'public', 'lobby');
    expect((await carol('DELETE', path(`/${inLobby.body.id}`, 'lobby'))).status).toBe(403);
    expect((await dave('DELETE', path(`/${inLobby.body.id}`, 'lobby'))).status).toBe(200);
  });
});

describe('reactions', () => {
  it('keeps one reaction per user per type, counts them, and records events only for changes', async () => {
    const sent = await send(alice, 'react to me');
    const url = path(`/${sent.body.id}/reactions`);
    const mark = await outboxMark();
    expect((await alice('POST', url, { type: 'like' })).body.reactions).toEqual({ like: 1 });
    expect((await alice('POST', url, { type: 'like' })).body.reactions).toEqual({ like: 1 });
    expect((await bob('POST', url, { type: 'like' })).body.reactions).toEqual({ like: 2 });
    expect((await bob('POST', url, { type: '🎉' })).body.reactions).toEqual({ like: 2, '🎉': 1 });
    expect((await bob('DELETE', `${url}/like`)).body.reactions).toEqual({ like: 1, '🎉': 1 });
    expect((await bob('DELETE', `${url}/like`)).body.reactions).toEqual({ like: 1, '🎉': 1 });
    expect(
      (await alice('GET', path(`?after=${sent.body.seq - 1}&limit=1`))).body.messages[0].reactions,
    ).toEqual({ like: 1, '🎉': 1 });
    const [rows] = await query(
      sql<{
        n: number;
      }>`select count(*)::int as n from reactions where message_id = ${sent.body.id}`,
    );
    expect(rows!.n).toBe(2);
    expect((await eventsSince(mark)).map((e) => e.type)).toEqual([
      'reaction.new',
      'reaction.new',
      'reaction.new',
      'reaction.deleted',
    ]);
  });

  it('lets only members react', async () => {
    const sent = await send(alice, 'public', 'lobby');
    expect(
      (await carol('POST', path(`/${sent.body.id}/reactions`, 'lobby'), { type: 'like' })).status,
    ).toBe(403);
    expect(
      (await api('POST', path(`/${sent.body.id}/reactions`, 'lobby'), { type: 'like' })).body.error
        .field,
    ).toBe('user_id');
  });
});

describe('read state', () => {
  it('moves forward only, never past the newest message, records read.updated only on a move', async () => {
    const last = (await send(alice, 'latest')).body.seq as number;
    const read = (seq: unknown, who = mod) => who('POST', '/v1/channels/team/read', { seq });
    const mark = await outboxMark();
    expect((await read(last - 2)).body).toEqual({
      channel_id: 'team',
      user_id: 'mod',
      last_read_seq: last - 2,
      unread_count: 2,
    });
    expect((await read(1)).body).toMatchObject({ last_read_seq: last - 2, unread_count: 2 });
    expect((await read(last - 2)).body.last_read_seq).toBe(last - 2);
    expect((await read(last + 1)).body.error.field).toBe('seq');
    expect((await carol('POST', '/v1/channels/lobby/read', { seq: 0 })).status).toBe(403);
    // The sender's own message is read for them.
    expect((await read(0, alice)).body).toMatchObject({ last_read_seq: last, unread_count: 0 });
    expect(await eventsSince(mark)).toEqual([
      { type: 'read.updated', seq: null, channel_id: 'team' },
    ]);
  });
});

describe('isolation', () => {
  it("answers 404 for another workspace's channels and messages and for a message of another channel", async () => {
    const other = await server.createWorkspace();
    await seed(other.workspace_id, 'zed', { secret: 'public zed:owner' });
    const zed = serverApi(server, other);
    const foreign = (await zed('POST', path('', 'secret'), { text: 'private', user_id: 'zed' }))
      .body.id as string;
    const inLobby = (await send(alice, 'lobby message', 'lobby')).body.id as string;
    const mark = await outboxMark();
    for (const [who, method, url, body] of [
      [api, 'GET', path('', 'secret'), undefined],
      [alice, 'GET', path('', 'secret'), undefined],
      [api, 'POST', path('', 'secret'), { text: 'x', user_id: 'alice' }],
      [alice, 'POST', '/v1/channels/secret/read', { seq: 0 }],
      [alice, 'PATCH', path(`/${foreign}`), { text: 'x' }],
      [api, 'DELETE', path(`/${foreign}`), undefined],
      [alice, 'POST', path(`/${foreign}/reactions`), { type: 'like' }],
      [alice, 'POST', path(), { text: 'x', parent_id: foreign }],
      [alice, 'PATCH', path(`/${inLobby}`), { text: 'x' }],
      [api, 'DELETE', path(`/${inLobby}`), undefined],
      [alice, 'DELETE', path(`/${inLobby}/reactions/like`), undefined],
    ] as Array<[Caller, string, string, unknown]>) {
      const response = await who(method, url, body);
      expect({ method, url, status: response.status }).toEqual({ method, url, status: 404 });
      expect(response.body.error.code).toBe('not_found');
    }
    expect(await eventsSince(mark)).toEqual([]);
    const [row] = await query(
      sql<{ text: string }>`select text from messages where id = ${foreign}`,
      other.workspace_id,
    );
    expect(row!.text).toBe('private');
  });
});
