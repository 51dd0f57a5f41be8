import { randomBytes } from 'node:crypto';
import type { Cariosan } from '@cariosan/node';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_CHANNEL } from '../src/control/control-events';
import { seal } from '../src/events/bus-seal';
import { EVENTS_CHANNEL } from '../src/events/event-wire';
import { PRESENCE_CHANNEL } from '../src/gateway/presence';
import { type LiveServer, startLiveServer } from './support/live-server';
import { openSocket, type TestSocket } from './support/ws-client';

let server: LiveServer;
let sdk: Cariosan;
let workspaceId: string;
let socket: TestSocket;
/** Sends a NOTIFY as an outsider: a role with nothing but CONNECT on PostgreSQL. */
let forge: (channel: string, payload: string) => Promise<void>;
let cleanupForger = async () => {};

beforeAll(async () => {
  server = await startLiveServer();
  const created = await server.workspace();
  sdk = created.sdk;
  workspaceId = created.credentials.workspace_id;
  await sdk.users.upsert('alice', { name: 'Alice' });
  await sdk.channels.create({ type: 'group', id: 'room', members: ['alice'] });
  socket = await openSocket(server.wsUrl, await sdk.issueUserToken('alice'));
  await socket.ok({ type: 'subscribe', channel_id: 'room' });

  const databaseUrl = server.testDb.databaseUrl;
  if (databaseUrl) {
    const role = `cariosan_forger_${randomBytes(4).toString('hex')}`;
    const owner = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
    await owner`create role ${owner(role)} login`;
    const url = new URL(databaseUrl);
    url.username = role;
    const outsider = postgres(url.href, { max: 1 });
    forge = async (channel, payload) => {
      await outsider`select pg_notify(${channel}, ${payload})`;
    };
    cleanupForger = async () => {
      await outsider.end();
      await owner`drop role if exists ${owner(role)}`;
      await owner.end();
    };
  } else {
    // PGlite has one session and nothing else can connect: forge through it.
    forge = (channel, payload) => server.testDb.handle.notify(channel, payload);
  }
});

afterAll(async () => {
  socket?.close();
  await cleanupForger();
  await server?.close();
});

const message = (text: string) => ({
  id: 'msg_01JAAAAAAAAAAAAAAAAAAAAAAA',
  channel_id: 'room',
  seq: 99,
  user_id: 'alice',
  text,
  attachments: [],
  parent_id: null,
  reply_count: 0,
  client_id: null,
  reactions: {},
  created_at: new Date().toISOString(),
  edited_at: null,
  deleted_at: null,
});

const wire = (event: Record<string, unknown>) =>
  JSON.stringify({
    w: workspaceId,
    i: null,
    c: 'room',
    s: null,
    a: new Date().toISOString(),
    ...event,
  });

describe('bus input is untrusted', () => {
  it('drops forged and malformed notifications, delivers none, and keeps serving', async () => {
    const forged = [
      // Unsealed but well-formed: what any role with CONNECT could send.
      [EVENTS_CHANNEL, wire({ t: 'message.new', s: 99, d: { message: message('forged') } })],
      [
        CONTROL_CHANNEL,
        JSON.stringify({ type: 'workspace.deleted', workspace_id: workspaceId, api_keys: [] }),
      ],
      [
        PRESENCE_CHANNEL,
        JSON.stringify({ n: 'other-node', k: 'up', u: [`${workspaceId}\u0000mallory`] }),
      ],
      // A seal copied from elsewhere does not fit another payload.
      [
        EVENTS_CHANNEL,
        `${seal('x').slice(0, 22)}.${wire({ t: 'message.new', d: { message: message('x') } })}`,
      ],
      ['cariosan_events', 'not json at all'],
    ] as const;
    for (const [channel, payload] of forged) await forge(channel, payload);

    // Sealed (as if by a node with the key) yet malformed: schema validation must drop them.
    // A well-formed reference to an outbox row that does not exist: looked up, then dropped.
    await server.testDb.handle.notify(
      EVENTS_CHANNEL,
      seal(wire({ t: 'channel.created', i: 'evt_01JAAAAAAAAAAAAAAAAAAAAAAA' })),
    );
    const malformed = [
      wire({ t: 'channel.created', d: { channel: {}, members: [null] } }),
      wire({ t: 'message.new', d: { message: { ...message('bad'), seq: 'nine' } } }),
      wire({ t: 'user.updated', c: null, d: { user: null } }),
      JSON.stringify({ w: workspaceId }),
      'null',
      '[1,2',
    ];
    for (const payload of malformed)
      await server.testDb.handle.notify(EVENTS_CHANNEL, seal(payload));

    // A real message sent after them arrives after them: NOTIFY order is commit order.
    await sdk.messages.send('room', { user_id: 'alice', text: 'real', client_id: 'real-1' });
    await socket.waitFor((f) => f.event === 'message.new' && f.data.message.text === 'real');
    expect(socket.events('message.new').map((f) => f.data.message.text)).toEqual(['real']);
    expect(socket.events('channel.created')).toEqual([]);
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    expect(await socket.ok({ type: 'ping' })).toHaveProperty('server_time');

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const rejected = (channel: string, reason: string) =>
      Number(
        new RegExp(
          `cariosan_notify_rejected_total\\{channel="${channel}",reason="${reason}"\\} (\\d+)`,
        ).exec(metrics)?.[1] ?? 0,
      );
    expect(rejected(EVENTS_CHANNEL, 'seal')).toBe(3);
    expect(rejected(CONTROL_CHANNEL, 'seal')).toBe(1);
    expect(rejected(PRESENCE_CHANNEL, 'seal')).toBe(1);
    expect(rejected(EVENTS_CHANNEL, 'schema')).toBe(malformed.length);
  });
});
