import type { Cariosan } from '@cariosan/node';
import { CLOSE_CODES } from '@cariosan/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type LiveServer, startLiveServer } from './support/live-server';
import { openSocket, rawSocket, TestSocket } from './support/ws-client';

let server: LiveServer;
let sdk: Cariosan;
const sockets: TestSocket[] = [];

const track = (socket: TestSocket) => {
  sockets.push(socket);
  return socket;
};

beforeAll(async () => {
  server = await startLiveServer({
    CARIOSAN_WS_FRAME_RATE: '50',
    CARIOSAN_WS_USER_FRAME_RATE: '100',
    CARIOSAN_WS_MAX_SOCKETS_PER_USER: '3',
    CARIOSAN_WS_PING_INTERVAL_S: '0.2',
  });
  const created = await server.workspace();
  sdk = created.sdk;
  for (const id of ['alice', 'bob', 'carol', 'dave', 'erin'])
    await sdk.users.upsert(id, { name: id });
  await sdk.channels.create({
    type: 'group',
    id: 'burst',
    members: ['alice', 'bob', 'dave', 'erin'],
  });
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server.close();
});

describe('limits count from the first frame', () => {
  it('admits at most the socket rate of sends pipelined behind connect in one write', async () => {
    const socket = track(await rawSocket(server.wsUrl));
    const token = await sdk.issueUserToken('alice');
    const frames = [JSON.stringify({ type: 'connect', id: 'c', token })];
    for (let i = 0; i < 300; i++) {
      frames.push(
        JSON.stringify({
          type: 'send',
          id: `s${i}`,
          channel_id: 'burst',
          client_id: `b${i}`,
          text: `m${i}`,
        }),
      );
    }
    // One TCP write: every frame is there before the token is verified.
    const tcp = (socket.ws as unknown as { _socket: import('node:net').Socket })._socket;
    tcp.cork();
    for (const frame of frames) socket.send(frame);
    tcp.uncork();
    const answers = await socket.waitUntil(() => {
      const done = socket.frames.filter((f) => typeof f.id === 'string' && f.id.startsWith('s'));
      return done.length === 300 || socket.ws.readyState !== WebSocket.OPEN ? done : undefined;
    }, 30_000);
    const acked = answers.filter((f) => f.type === 'ack').length;
    const refused = answers.filter((f) => f.type === 'error' && f.error.code === 'rate_limited');
    expect(acked).toBeGreaterThan(0);
    expect(acked).toBeLessThanOrEqual(60);
    expect(refused.length).toBe(answers.length - acked);
    const { messages } = await sdk.messages.list('burst', { user_id: 'alice', limit: 100 });
    expect(messages.length).toBe(acked);
  });

  it('answers the requests it admitted before closing a socket that ignores retry_after', async () => {
    const socket = track(await rawSocket(server.wsUrl));
    const token = await sdk.issueUserToken('carol');
    socket.send({ type: 'connect', id: 'c', token });
    for (let i = 0; i < 400; i++) socket.send({ type: 'ping', id: `p${i}` });
    const closed = await socket.closed;
    expect(closed.code).toBe(CLOSE_CODES.rate_limited);
    const answered = new Set(socket.frames.map((f) => String(f.id)));
    const refused = socket.frames.filter((f) => f.type === 'error').map((f) => f.id);
    const admitted = socket.frames.filter((f) => f.type === 'ack' && f.id !== 'c');
    expect(admitted.length).toBeGreaterThan(0);
    // Every ping that was not refused, up to the last one answered, got its ack.
    const last = Math.max(
      ...[...answered].filter((id) => /^p\d+$/.test(id)).map((id) => Number(id.slice(1))),
    );
    for (let i = 0; i <= last; i++) {
      if (!refused.includes(`p${i}`)) expect(answered.has(`p${i}`)).toBe(true);
    }
  });

  it('closes a socket whose first frame is not connect', async () => {
    const socket = track(await rawSocket(server.wsUrl));
    const answer = await socket.request({ type: 'ping' });
    expect(answer).toMatchObject({ type: 'error', error: { code: 'unauthorized' } });
    expect((await socket.closed).code).toBe(CLOSE_CODES.invalid_frame);
  });

  it('closes a socket whose first frame is not even a valid frame', async () => {
    const socket = track(await rawSocket(server.wsUrl));
    socket.send({ type: 'explode' });
    expect((await socket.closed).code).toBe(CLOSE_CODES.invalid_frame);
    expect(socket.frames[0]).toMatchObject({ type: 'error', error: { code: 'invalid_request' } });
  });
});

describe('sockets per user', () => {
  it('closes the oldest socket of a user past CARIOSAN_WS_MAX_SOCKETS_PER_USER', async () => {
    const token = await sdk.issueUserToken('bob');
    const first = track(await openSocket(server.wsUrl, token));
    const others = [];
    for (let i = 0; i < 3; i++) others.push(track(await openSocket(server.wsUrl, token)));
    expect((await first.closed).code).toBe(CLOSE_CODES.too_many_sockets);
    for (const socket of others)
      expect(await socket.ok({ type: 'ping' })).toHaveProperty('server_time');
  });
});

describe('server heartbeat', () => {
  it('keeps a socket that answers pings and terminates one that does not, ending its presence', async () => {
    const watcher = track(await openSocket(server.wsUrl, await sdk.issueUserToken('alice')));
    await watcher.ok({ type: 'subscribe', channel_id: 'burst' });

    const alive = track(await openSocket(server.wsUrl, await sdk.issueUserToken('dave')));
    let pings = 0;
    alive.ws.on('ping', () => {
      pings += 1;
    });

    const frozen = new WebSocket(server.wsUrl, { autoPong: false });
    await new Promise((resolve) => frozen.once('open', resolve));
    const silent = track(new TestSocket(frozen));
    await silent.ok({ type: 'connect', token: await sdk.issueUserToken('erin') });
    await watcher.waitFor(
      (f) => f.event === 'presence.changed' && f.data.user_id === 'erin' && f.data.online,
    );

    // 0.2 s pings: the silent socket is terminated after two intervals without a pong.
    expect((await silent.closed).code).toBe(1006);
    await watcher.waitFor(
      (f) => f.event === 'presence.changed' && f.data.user_id === 'erin' && !f.data.online,
      15_000,
    );
    await alive.waitUntil(() => pings >= 10, 15_000, 'ten pings');
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
  });
});
