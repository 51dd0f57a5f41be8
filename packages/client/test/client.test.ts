import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cariosan } from '@cariosan/node';
import { createWorkspace, loadConfig, type RunningServer, startServer } from '@cariosan/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  type CariosanClient,
  CariosanClientError,
  type ChatState,
  createClient,
  type WebSocketLike,
} from '../src';

let dataDir: string;
let server: RunningServer;
let port: number;
let sdk: Cariosan;
const clients: CariosanClient[] = [];

async function start(): Promise<void> {
  server = await startServer(
    loadConfig({
      CARIOSAN_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      CARIOSAN_WS_FRAME_RATE: '0',
      CARIOSAN_WS_USER_FRAME_RATE: '0',
    }),
  );
  port = server.port;
}

function clientFor(
  userId: string,
  options: { ttlSeconds?: number; random?: () => number; onToken?: () => void } = {},
) {
  const client = createClient({
    url: server.url,
    WebSocket: WebSocket as unknown as WebSocketLike,
    reconnect: { minDelayMs: 50, maxDelayMs: 400 },
    ...(options.random ? { random: options.random } : {}),
    tokenProvider: async () => {
      options.onToken?.();
      return sdk.issueUserToken(
        userId,
        options.ttlSeconds ? { ttlSeconds: options.ttlSeconds } : {},
      );
    },
  });
  clients.push(client);
  return client;
}

/** Resolves once the client's store satisfies the check (polled on every store change). */
function until(client: CariosanClient, check: (state: ChatState) => boolean, timeoutMs = 10_000) {
  return new Promise<ChatState>((resolve, reject) => {
    const attempt = () => {
      const state = client.store.getSnapshot();
      if (!check(state)) return;
      stop();
      clearTimeout(timer);
      resolve(state);
    };
    const stop = client.store.subscribe(attempt);
    const timer = setTimeout(() => {
      stop();
      reject(
        new Error(`timed out; state: ${JSON.stringify(client.store.getSnapshot()).slice(0, 600)}`),
      );
    }, timeoutMs);
    attempt();
  });
}

const seqsOf = (state: ChatState, channelId: string) =>
  (state.channels[channelId]?.messages ?? []).filter((m) => m.status === 'sent').map((m) => m.seq);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cariosan-client-'));
  port = 0;
  await start();
  const created = await createWorkspace(
    { db: server.deps.database.db, masterKey: server.deps.masterKey },
    { name: 'client tests' },
    'test',
  );
  if (!created.ok) throw new Error(created.error.message);
  sdk = new Cariosan({
    apiKey: created.value.api_key,
    apiSecret: created.value.api_secret,
    baseUrl: server.url,
  });
  for (const id of ['alice', 'bob', 'carol']) await sdk.users.upsert(id, { name: id });
  await sdk.channels.create({ type: 'group', id: 'team', members: ['alice', 'bob', 'carol'] });
  await sdk.channels.create({ type: 'group', id: 'side', members: ['alice', 'bob'] });
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await server.close(1_000);
  await rm(dataDir, { recursive: true, force: true });
});

describe('connection and store', () => {
  it('connects, lists channels with unread counts and follows them live', async () => {
    await sdk.messages.send('side', { user_id: 'bob', text: 'unread one' });
    const alice = clientFor('alice');
    const states: string[] = [];
    alice.on('state', (state) => states.push(state as string));
    await alice.connect();
    await alice.loadChannels();
    let state = alice.store.getSnapshot();
    expect(state.userId).toBe('alice');
    expect(state.channels.side?.unreadCount).toBe(1);
    expect(state.totalUnread).toBe(1);
    expect(state.channelOrder[0]).toBe('side');
    expect(states).toEqual(['connecting', 'connected']);

    await sdk.messages.send('team', { user_id: 'bob', text: 'live' });
    state = await until(alice, (s) => s.channels.team?.unreadCount === 1);
    expect(state.channelOrder[0]).toBe('team');
    expect(state.totalUnread).toBe(2);
    await alice.markRead('team');
    expect(alice.store.getSnapshot().channels.team?.unreadCount).toBe(0);
    const server = await sdk.channels.list({ user_id: 'alice' });
    expect(server.items.find((item) => item.channel.id === 'team')?.unread_count).toBe(0);
  });

  it('a change in one channel leaves the other channel objects untouched', async () => {
    const bob = clientFor('bob');
    await bob.connect();
    await bob.loadChannels();
    const before = bob.store.getSnapshot();
    await sdk.messages.send('team', { user_id: 'carol', text: 'only team' });
    const after = await until(bob, (s) => s.channels.team !== before.channels.team);
    expect(after.channels.side).toBe(before.channels.side);
  });

  it('pages history with loadOlder until the first message', async () => {
    for (let i = 0; i < 120; i++)
      await sdk.messages.send('side', { user_id: 'alice', text: `h${i}` });
    const bob = clientFor('bob');
    await bob.connect();
    await bob.watch('side');
    let state = bob.store.getSnapshot();
    expect(state.channels.side?.messages).toHaveLength(50);
    while (await bob.loadOlder('side')) {
      // keep paging
    }
    state = bob.store.getSnapshot();
    const seqs = seqsOf(state, 'side');
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(state.channels.side?.hasOlder).toBe(false);
    expect(seqs.at(-1)).toBe(state.channels.side?.lastSeq);
  });
});

describe('sending', () => {
  it('shows a send at once as pending and reconciles it with the server message', async () => {
    const alice = clientFor('alice');
    await alice.connect();
    await alice.watch('team');
    const local = alice.sendMessage('team', { text: 'optimistic' });
    expect(local.status).toBe('pending');
    expect(alice.store.getSnapshot().channels.team?.messages.at(-1)?.client_id).toBe(
      local.client_id,
    );
    const state = await until(alice, (s) =>
      (s.channels.team?.messages ?? []).some(
        (m) => m.client_id === local.client_id && m.status === 'sent',
      ),
    );
    const copies = state.channels.team?.messages.filter((m) => m.client_id === local.client_id);
    expect(copies).toHaveLength(1);
    expect(copies?.[0]?.seq).toBeGreaterThan(0);
  });

  it('marks a refused send as failed with the reason', async () => {
    const alice = clientFor('alice');
    await alice.connect();
    const local = alice.sendMessage('nowhere', { text: 'lost' });
    const state = await until(alice, (s) =>
      (s.channels.nowhere?.messages ?? []).some((m) => m.status === 'failed'),
    );
    const failed = state.channels.nowhere?.messages.find((m) => m.client_id === local.client_id);
    expect(failed?.error?.code).toBe('not_found');
  });
});

describe('typing', () => {
  it('announces typing again right after a send, which ended it on the server', async () => {
    const alice = clientFor('alice');
    const bob = clientFor('bob');
    await Promise.all([alice.connect(), bob.connect()]);
    await Promise.all([alice.watch('side'), bob.watch('side')]);
    alice.typing('side');
    await until(bob, (s) => s.channels.side?.typing.includes('alice') ?? false);
    const sent = alice.sendMessage('side', { text: 'done typing' });
    await until(bob, (s) =>
      (s.channels.side?.messages ?? []).some((m) => m.client_id === sent.client_id),
    );
    await until(bob, (s) => !(s.channels.side?.typing.includes('alice') ?? false));
    alice.typing('side');
    await until(bob, (s) => s.channels.side?.typing.includes('alice') ?? false);
  });
});

describe('resilience', () => {
  it('refreshes the token before it expires without dropping the socket, and not in a loop', async () => {
    let tokens = 0;
    // A 4 s token lives less than twice the default 60 s lead: it is refreshed half-way,
    // about every 2 s (never at once again and again).
    const carol = clientFor('carol', { ttlSeconds: 4, onToken: () => tokens++ });
    const states: string[] = [];
    carol.on('state', (state) => states.push(state as string));
    await carol.connect();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(tokens).toBeGreaterThanOrEqual(2);
    expect(tokens).toBeLessThanOrEqual(3);
    expect(states).toEqual(['connecting', 'connected']);
    expect(carol.state).toBe('connected');
  });

  it('resumes after a server restart with no gap and no duplicate, and sends what was queued', async () => {
    const bob = clientFor('bob');
    await bob.connect();
    await bob.watch('team');
    const before = seqsOf(bob.store.getSnapshot(), 'team');
    await server.close(1_000);
    await until(bob, (s) => s.connection === 'reconnecting');
    const queued = bob.sendMessage('team', { text: 'sent while offline' });
    await start();
    await sdk.messages.send('team', { user_id: 'alice', text: 'after restart' });
    const state = await until(
      bob,
      (s) =>
        s.connection === 'connected' &&
        (s.channels.team?.messages ?? []).some(
          (m) => m.client_id === queued.client_id && m.status === 'sent',
        ) &&
        (s.channels.team?.messages ?? []).some((m) => m.text === 'after restart'),
      20_000,
    );
    const seqs = seqsOf(state, 'team');
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
    expect(seqs.slice(0, before.length)).toEqual(before);
    expect(
      state.channels.team?.messages.filter((m) => m.client_id === queued.client_id),
    ).toHaveLength(1);
  }, 60_000);

  it('forgets who was online across a reconnect and learns it again from the server', async () => {
    // erin has no other client in this file that would bring her back online.
    await sdk.users.upsert('erin', { name: 'erin' });
    await sdk.channels.updateMembers('team', { add: ['erin'] });
    const alice = clientFor('alice');
    const erin = clientFor('erin');
    await Promise.all([alice.connect(), erin.connect()]);
    await alice.watch('team');
    await until(alice, (s) => s.presence.erin === true);
    // erin leaves while alice's socket is down: no event can tell alice.
    await server.close(1_000);
    erin.disconnect();
    await start();
    const state = await until(
      alice,
      (s) => s.connection === 'connected' && s.presence.alice === true,
      20_000,
    );
    expect(state.presence.erin ?? false).toBe(false);
  }, 60_000);

  it('stops for good when its user is banned, and says why', async () => {
    await sdk.users.upsert('mallory', { name: 'mallory' });
    const mallory = clientFor('mallory');
    await mallory.connect();
    const stopped = until(mallory, (s) => s.connection === 'disconnected');
    await sdk.users.upsert('mallory', { banned: true });
    await stopped;
    expect(mallory.closeReason).toEqual({ code: 4005, reason: 'user_banned' });
    // Connecting again is refused the same way, with the reason on the error.
    const error = await mallory.connect().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(CariosanClientError);
    expect(error).toMatchObject({ code: 'forbidden', closeCode: 4005 });
    expect(mallory.closeReason?.reason).toBe('user_banned');
  });

  it('spreads a reconnect storm with jitter', async () => {
    const draws = [0.1, 0.9, 0.5, 0.3];
    const storm = draws.map((value, index) =>
      clientFor(['alice', 'bob', 'carol', 'alice'][index] as string, { random: () => value }),
    );
    await Promise.all(storm.map((client) => client.connect()));
    const reconnectedAt: number[] = [];
    const droppedAt = Date.now();
    for (const client of storm) {
      client.on('state', (state) => {
        if (state === 'connected') reconnectedAt.push(Date.now() - droppedAt);
      });
    }
    await server.close(1_000);
    await start();
    await Promise.all(
      storm.map((client) => until(client, (s) => s.connection === 'connected', 20_000)),
    );
    expect(reconnectedAt).toHaveLength(4);
    // Each waits its own jittered share of the backoff, so they do not all arrive at once.
    expect(new Set(reconnectedAt.map((ms) => Math.round(ms / 10))).size).toBeGreaterThan(1);
  }, 60_000);
});
