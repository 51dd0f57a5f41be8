import type { Cariosan } from '@cariosan/node';
import { CLOSE_CODES } from '@cariosan/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveServer, startLiveServer } from './support/live-server';
import { openSocket, type TestSocket } from './support/ws-client';

let server: LiveServer;
let sdk: Cariosan;
const sockets: TestSocket[] = [];

async function socketFor(userId: string, client = sdk, ttlSeconds?: number): Promise<TestSocket> {
  const token = await client.issueUserToken(userId, ttlSeconds ? { ttlSeconds } : {});
  const socket = await openSocket(server.wsUrl, token);
  sockets.push(socket);
  return socket;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  server = await startLiveServer({
    CARIOSAN_WS_FRAME_RATE: '20',
    CARIOSAN_WS_USER_FRAME_RATE: '0',
    CARIOSAN_WS_MAX_BUFFERED_BYTES: String(256 * 1024),
  });
  const created = await server.workspace();
  sdk = created.sdk;
  for (const id of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) {
    await sdk.users.upsert(id, {});
  }
  await sdk.channels.create({
    type: 'group',
    id: 'team',
    members: ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'],
  });
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server.close();
});

describe('tokens over time', () => {
  it('warns before expiry and closes 4002 after it', async () => {
    const socket = await socketFor('alice', sdk, 2);
    const warning = await socket.waitFor((f) => f.type === 'token_expiring');
    expect(Date.parse(warning.expires_at)).toBeGreaterThan(Date.now());
    expect((await socket.closed).code).toBe(CLOSE_CODES.token_expired);
  });

  it('refresh swaps the token without dropping the socket', async () => {
    const socket = await socketFor('alice', sdk, 2);
    await socket.ok({ type: 'subscribe', channel_id: 'team' });
    const session = await socket.ok({
      type: 'refresh',
      token: await sdk.issueUserToken('alice', { ttlSeconds: 3600 }),
    });
    expect(Date.parse(session.expires_at)).toBeGreaterThan(Date.now() + 3_000_000);
    const foreign = await socket.request({
      type: 'refresh',
      token: await sdk.issueUserToken('bob'),
    });
    expect(foreign.error.code).toBe('unauthorized');
    await sleep(2_500);
    expect(await socket.ok({ type: 'ping' })).toHaveProperty('server_time');
    const sent = await sdk.messages.send('team', { user_id: 'bob', text: 'still there?' });
    await socket.waitFor((f) => f.event === 'message.new' && f.seq === sent.seq);
  });

  it('revoking a user closes that user’s sockets with 4003 and no one else’s', async () => {
    const bob = await socketFor('bob');
    const carol = await socketFor('carol');
    await sdk.users.revokeTokens('bob');
    expect((await bob.closed).code).toBe(CLOSE_CODES.token_revoked);
    expect(await carol.ok({ type: 'ping' })).toHaveProperty('server_time');
  });

  it('banning a user closes their sockets with 4005', async () => {
    const dave = await socketFor('dave');
    await sdk.users.upsert('dave', { banned: true });
    expect((await dave.closed).code).toBe(CLOSE_CODES.user_banned);
    await sdk.users.upsert('dave', { banned: false });
  });

  it('rotating the secret closes sockets signed with the old one; new tokens work', async () => {
    const other = await server.workspace();
    await other.sdk.users.upsert('zoe', {});
    const old = await socketFor('zoe', other.sdk);
    const rotated = await server.rotateSecret(other.credentials.workspace_id);
    expect((await old.closed).code).toBe(CLOSE_CODES.token_revoked);
    const { Cariosan: Client } = await import('@cariosan/node');
    const fresh = new Client({
      apiKey: rotated.api_key,
      apiSecret: rotated.api_secret,
      baseUrl: server.url,
    });
    const socket = await socketFor('zoe', fresh);
    expect(await socket.ok({ type: 'ping' })).toHaveProperty('server_time');
    await server.deleteWorkspace(other.credentials.workspace_id);
    expect((await socket.closed).code).toBe(CLOSE_CODES.workspace_deleted);
  });
});

describe('overload', () => {
  it('closes a slow consumer with 4009 and never holds up a fast one', async () => {
    const fast = await socketFor('erin');
    const slow = await socketFor('carol');
    await fast.ok({ type: 'subscribe', channel_id: 'team' });
    const { last_seq: from } = await slow.ok({ type: 'subscribe', channel_id: 'team' });
    // Stop reading: the server's send buffer for this socket can only grow.
    const rawSocket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })
      ._socket;
    rawSocket.pause();
    const big = 'x'.repeat(8000);
    const attachments = [{ type: 'file', blob: 'y'.repeat(15_000) }];
    const count = 400;
    const sending = (async () => {
      for (let i = 0; i < count; i++) {
        await sdk.messages.send('team', { user_id: 'alice', text: big, attachments });
      }
    })();
    // Read again as soon as the server gives up on it (its close frame waits behind the backlog,
    // and a socket that stays stalled is destroyed a few seconds later).
    const closedAsSlow = () =>
      /cariosan_ws_slow_consumer_closes_total \d/.test(server.deps.metrics.render());
    for (let waited = 0; !closedAsSlow() && waited < 30_000; waited += 20) await sleep(20);
    rawSocket.resume();
    expect((await slow.closed).code).toBe(CLOSE_CODES.slow_consumer);
    await sending;
    const expected = Array.from({ length: count }, (_, i) => from + i + 1);
    await fast.waitUntil(() => fast.seqs('team').filter((q) => q > from).length >= count, 30_000);
    expect(fast.seqs('team').filter((q) => q > from)).toEqual(expected);
    // What the slow socket did get is a gap-free prefix: it resumes from its last seq.
    const got = slow.seqs('team');
    expect(got).toEqual(expected.slice(0, got.length));
  }, 60_000);

  it('refuses frames past the per-socket rate with retry_after', async () => {
    const socket = await socketFor('alice');
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => socket.request({ type: 'ping' })),
    );
    const refused = answers.filter((a) => a.type === 'error');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0].error).toMatchObject({ code: 'rate_limited', retry_after: 1 });
    expect(answers.filter((a) => a.type === 'ack').length).toBeGreaterThanOrEqual(20);
  });
});

describe('typing and presence', () => {
  it('broadcasts typing once per burst and stops it by itself or on send', async () => {
    const alice = await socketFor('alice');
    const bob = await socketFor('bob');
    await alice.ok({ type: 'subscribe', channel_id: 'team' });
    await bob.ok({ type: 'subscribe', channel_id: 'team' });
    for (let i = 0; i < 5; i++) await alice.ok({ type: 'typing', channel_id: 'team' });
    await bob.waitFor((f) => f.event === 'typing.start' && f.data.user_id === 'alice');
    await alice.ok({ type: 'send', channel_id: 'team', client_id: 'typed-1', text: 'done' });
    await bob.waitFor((f) => f.event === 'typing.stop' && f.data.user_id === 'alice');
    expect(bob.events('typing.start').filter((f) => f.data.user_id === 'alice')).toHaveLength(1);
  });

  it('counts several tabs of a user once and reports offline after the last closes', async () => {
    const watcher = await socketFor('alice');
    await watcher.ok({ type: 'subscribe', channel_id: 'team' });
    const states = () =>
      watcher
        .events('presence.changed')
        .filter((f) => f.data.user_id === 'frank')
        .map((f) => f.data.online);
    const first = await socketFor('frank');
    await watcher.waitUntil(() => states().length === 1);
    // A subscriber arriving later learns who is online from its subscribe ack.
    const late = await socketFor('bob');
    const ack = await late.ok({ type: 'subscribe', channel_id: 'team' });
    expect(ack.online).toEqual(expect.arrayContaining(['frank', 'alice', 'bob']));
    late.close();
    const second = await socketFor('frank');
    first.close();
    await sleep(500);
    expect(states()).toEqual([true]);
    second.close();
    await watcher.waitUntil(() => states().length === 2, 10_000);
    expect(states()).toEqual([true, false]);
  });
  it('leaves presence out of channels over 500 members, as their subscribe acks do', async () => {
    // 501 members: four named users and 496 filler ones, then gina.
    const filler = Array.from({ length: 496 }, (_, i) => `crowd-${i}`);
    for (const id of filler) await sdk.users.upsert(id, {});
    await sdk.channels.create({
      type: 'group',
      id: 'crowd',
      members: ['alice', 'bob', 'carol', 'dave', ...filler.slice(0, 496)],
    });
    // gina is new to this file: no earlier socket of hers is within its offline grace.
    await sdk.users.upsert('gina', {});
    await sdk.channels.updateMembers('crowd', { add: ['gina'] });
    await sdk.channels.updateMembers('team', { add: ['gina'] });
    const watcher = await socketFor('alice');
    const crowdAck = await watcher.ok({ type: 'subscribe', channel_id: 'crowd' });
    expect(crowdAck.online).toEqual([]);
    await watcher.ok({ type: 'subscribe', channel_id: 'team' });
    const gina = await socketFor('gina');
    const inTeam = (f: { channel_id: string; data: { user_id: string } }) =>
      f.channel_id === 'team' && f.data.user_id === 'gina';
    await watcher.waitUntil(() => watcher.events('presence.changed').some(inTeam));
    await sleep(300);
    expect(watcher.events('presence.changed').filter((f) => f.channel_id === 'crowd')).toEqual([]);
    gina.close();
  });
});

describe('large events', () => {
  it('delivers an event too large for a NOTIFY through the outbox, in order', async () => {
    const bob = await socketFor('bob');
    const { last_seq: from } = await bob.ok({ type: 'subscribe', channel_id: 'team' });
    await sdk.messages.send('team', { user_id: 'alice', text: 'small' });
    await sdk.messages.send('team', { user_id: 'alice', text: 'é'.repeat(4000) });
    await sdk.messages.send('team', { user_id: 'alice', text: 'small again' });
    await bob.waitUntil(() => bob.seqs('team').length >= 3);
    expect(bob.seqs('team')).toEqual([from + 1, from + 2, from + 3]);
    expect(bob.events('message.new')[1].data.message.text).toBe('é'.repeat(4000));
    expect(bob.events('message.new')[1].event_id).toMatch(/^evt_/);
  });
});
