import { connect } from 'node:net';
import type { Cariosan } from '@cariosan/node';
import { CLOSE_CODES, MAX_FRAME_BYTES } from '@cariosan/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveServer, startLiveServer } from './support/live-server';
import { openSocket, rawSocket, type TestSocket } from './support/ws-client';

let server: LiveServer;
let sdk: Cariosan;
let workspaceId: string;
const sockets: TestSocket[] = [];

async function socketFor(userId: string): Promise<TestSocket> {
  const socket = await openSocket(server.wsUrl, await sdk.issueUserToken(userId));
  sockets.push(socket);
  return socket;
}

beforeAll(async () => {
  server = await startLiveServer({ CARIOSAN_WS_FRAME_RATE: '0', CARIOSAN_WS_USER_FRAME_RATE: '0' });
  const created = await server.workspace();
  sdk = created.sdk;
  workspaceId = created.credentials.workspace_id;
  for (const id of ['alice', 'bob', 'carol', 'mallory']) await sdk.users.upsert(id, { name: id });
  await sdk.channels.create({ type: 'group', id: 'team', members: ['alice', 'bob', 'carol'] });
  await sdk.channels.create({ type: 'public', id: 'lobby', members: ['alice'] });
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server.close();
});

describe('connect', () => {
  it('answers connect with the session and closes 4000 when no connect frame comes', async () => {
    const socket = await rawSocket(server.wsUrl);
    const session = await socket.ok({ type: 'connect', token: await sdk.issueUserToken('alice') });
    expect(session).toMatchObject({ user_id: 'alice', workspace_id: workspaceId });
    expect(Date.parse(session.expires_at)).toBeGreaterThan(Date.now());
    socket.close();

    const silent = await rawSocket(server.wsUrl);
    expect((await silent.closed).code).toBe(CLOSE_CODES.connect_timeout);
  }, 15_000);

  it('closes 4001 on a bad token', async () => {
    const socket = await rawSocket(server.wsUrl);
    socket.send({ type: 'connect', token: 'eyJhbGciOiJub25lIn0.e30.' });
    expect((await socket.closed).code).toBe(CLOSE_CODES.unauthorized);
  });

  it('answers a request before connect with an error and closes 4004', async () => {
    const early = await rawSocket(server.wsUrl);
    const answer = await early.request({ type: 'ping' });
    expect(answer).toMatchObject({ type: 'error', error: { code: 'unauthorized' } });
    expect((await early.closed).code).toBe(CLOSE_CODES.invalid_frame);
  });

  it('refuses an upgrade it cannot serve with SPEC error JSON and a request id', async () => {
    const answer = async (path: string, headers: Record<string, string> = {}) => {
      const url = new URL(server.wsUrl);
      const socket = connect(Number(url.port), url.hostname);
      const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra.join('')}\r\n`,
      );
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
      });
      await new Promise((resolve) => socket.on('close', resolve));
      const [head, body] = text.split('\r\n\r\n');
      return { status: Number(head!.split(' ')[1]), head: head!, body: JSON.parse(body!) };
    };
    const missing = await answer('/v1/nope');
    expect(missing.status).toBe(404);
    expect(missing.head).toMatch(/X-Request-Id: req_/);
    expect(missing.body.error).toMatchObject({ code: 'not_found' });
    const offered = await answer('/v1/ws', {
      'Sec-WebSocket-Protocol': 'graphql-ws',
      'X-Request-Id': 'mine-1',
    });
    expect(offered.status).toBe(400);
    expect(offered.head).toMatch(/X-Request-Id: mine-1/);
    expect(offered.body.error).toMatchObject({ code: 'invalid_request', request_id: 'mine-1' });
  });

  it('closes 4002 on an expired token', async () => {
    const socket = await rawSocket(server.wsUrl);
    const token = await sdk.issueUserToken('alice', { ttlSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    socket.send({ type: 'connect', token });
    expect((await socket.closed).code).toBe(CLOSE_CODES.token_expired);
  });
});

describe('frames', () => {
  it('answers malformed, unknown, oversized and binary frames with errors and stays open', async () => {
    const socket = await socketFor('alice');
    socket.send('{not json');
    await socket.waitFor((f) => f.type === 'error' && f.error.code === 'invalid_json');
    const unknown = await socket.request({ type: 'explode' });
    expect(unknown).toMatchObject({ type: 'error', id: expect.any(String) });
    expect(unknown.error.code).toBe('invalid_request');
    const badField = await socket.request({ type: 'subscribe', channel_id: 42 });
    expect(badField.error).toMatchObject({ code: 'invalid_request', field: 'channel_id' });
    socket.send(JSON.stringify({ type: 'ping', id: 'big', pad: 'x'.repeat(MAX_FRAME_BYTES) }));
    await socket.waitFor((f) => f.type === 'error' && f.error.code === 'payload_too_large');
    socket.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await socket.waitFor((f) => f.type === 'error' && /binary/.test(f.error.message));
    expect(await socket.ok({ type: 'ping' })).toHaveProperty('server_time');
  });

  it('closes a socket that sends nothing but garbage', async () => {
    const socket = await socketFor('alice');
    for (let i = 0; i < 10; i++) socket.send('garbage');
    expect((await socket.closed).code).toBe(CLOSE_CODES.invalid_frame);
  });
});

describe('subscribe and deliver', () => {
  it('delivers a message sent on one socket to every subscriber, acked after commit', async () => {
    const alice = await socketFor('alice');
    const bob = await socketFor('bob');
    await alice.ok({ type: 'subscribe', channel_id: 'team' });
    await bob.ok({ type: 'subscribe', channel_id: 'team' });
    const sent = await alice.ok({
      type: 'send',
      channel_id: 'team',
      client_id: 'hello-1',
      text: 'hello bob',
    });
    expect(sent.created).toBe(true);
    const stored = await sdk.messages.list('team', { after: sent.message.seq - 1, limit: 1 });
    expect(stored.messages[0]?.id).toBe(sent.message.id);
    const delivered = await bob.waitFor(
      (f) => f.type === 'event' && f.event === 'message.new' && f.seq === sent.message.seq,
    );
    expect(delivered.data.message.text).toBe('hello bob');
    expect(delivered.event_id).toMatch(/^evt_/);

    const again = await alice.ok({
      type: 'send',
      channel_id: 'team',
      client_id: 'hello-1',
      text: 'hello bob',
    });
    expect(again).toMatchObject({ created: false, message: { id: sent.message.id } });
  });

  it('refuses channels the user may not read, with the REST not_found', async () => {
    const mallory = await socketFor('mallory');
    const answer = await mallory.request({ type: 'subscribe', channel_id: 'team' });
    expect(answer.error.code).toBe('not_found');
    const sent = await mallory.request({
      type: 'send',
      channel_id: 'team',
      client_id: 'x',
      text: 'let me in',
    });
    expect(sent.error.code).toBe('not_found');
    // Public channels are readable by anyone, but typing and sending need membership.
    await mallory.ok({ type: 'subscribe', channel_id: 'lobby' });
    const typing = await mallory.request({ type: 'typing', channel_id: 'lobby' });
    expect(typing.error.code).toBe('forbidden');
  });

  it('replays exactly the missed messages on resubscribe with since_seq, then goes live', async () => {
    const bob = await socketFor('bob');
    const first = await bob.ok({ type: 'subscribe', channel_id: 'team' });
    const seen = first.last_seq as number;
    bob.close();
    await bob.closed;
    for (let i = 0; i < 5; i++) {
      await sdk.messages.send('team', { user_id: 'alice', text: `missed ${i}` });
    }
    const back = await socketFor('bob');
    const resumed = await back.ok({ type: 'subscribe', channel_id: 'team', since_seq: seen });
    expect(resumed.replayed).toBe(5);
    expect(back.seqs('team')).toEqual([1, 2, 3, 4, 5].map((n) => seen + n));
    await sdk.messages.send('team', { user_id: 'carol', text: 'live' });
    await back.waitUntil(() => back.seqs('team').length === 6);
    expect(back.seqs('team')).toEqual([1, 2, 3, 4, 5, 6].map((n) => seen + n));
  });

  it('stops delivering a group channel to a member removed from it', async () => {
    await sdk.channels.create({ type: 'group', id: 'temp', members: ['alice', 'carol'] });
    const carol = await socketFor('carol');
    await carol.ok({ type: 'subscribe', channel_id: 'temp' });
    await sdk.channels.updateMembers('temp', { remove: ['carol'] });
    await carol.waitFor((f) => f.event === 'member.removed' && f.data.user_id === 'carol');
    await sdk.messages.send('temp', { user_id: 'alice', text: 'not for carol' });
    const alice = await socketFor('alice');
    await alice.ok({ type: 'subscribe', channel_id: 'temp' });
    await sdk.messages.send('temp', { user_id: 'alice', text: 'also not for carol' });
    await alice.waitFor((f) => f.event === 'message.new' && f.data.message.text.startsWith('also'));
    expect(carol.seqs('temp')).toEqual([]);
    const again = await carol.request({ type: 'subscribe', channel_id: 'temp' });
    expect(again.error.code).toBe('not_found');
  });

  it('keeps seq order and completeness under many concurrent senders', async () => {
    const readers = await Promise.all(['alice', 'bob', 'carol'].map(socketFor));
    const start = await Promise.all(
      readers.map((reader) => reader.ok({ type: 'subscribe', channel_id: 'team' })),
    );
    const from = Math.max(...start.map((s) => s.last_seq as number));
    const senders = await Promise.all(['alice', 'bob', 'carol', 'alice', 'bob'].map(socketFor));
    await Promise.all(
      senders.map(async (sender, s) => {
        for (let i = 0; i < 20; i++) {
          await sender.ok({
            type: 'send',
            channel_id: 'team',
            client_id: `c-${s}-${i}`,
            text: `${s}/${i}`,
          });
        }
      }),
    );
    const expected = Array.from({ length: 100 }, (_, i) => from + i + 1);
    for (const reader of readers) {
      await reader.waitUntil(() => reader.seqs('team').filter((q) => q > from).length >= 100);
      expect(reader.seqs('team').filter((q) => q > from)).toEqual(expected);
    }
  });
});
