import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyWebhook } from '@cariosan/node';
import { afterEach, describe, expect, it } from 'vitest';
import { runCliProcess, type ServerProcess, spawnServer } from './support/processes';
import { createTestDatabase } from './support/test-db';
import { RECEIVER_ENV, startReceiver, type WebhookReceiver } from './support/webhook-receiver';

// Real `cariosan serve` processes: killed with SIGKILL mid-burst and restarted on the same
// storage, and (PostgreSQL only) two nodes sharing one database.

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Revealed {
  workspace_id: string;
  api_key: string;
  api_secret: string;
}

const WEBHOOK_ENV = {
  CARIOSAN_WEBHOOK_RETRY_BASE_MS: '100',
  CARIOSAN_WEBHOOK_TIMEOUT_MS: '2000',
  ...RECEIVER_ENV,
};

/** Storage for one test: PGlite in a temp dir, or a fresh database on DATABASE_URL's server. */
async function storageEnv(): Promise<Record<string, string>> {
  if (!process.env.DATABASE_URL) {
    const dataDir = await mkdtemp(join(tmpdir(), 'cariosan-webhooks-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    return { CARIOSAN_DATA_DIR: dataDir, ...WEBHOOK_ENV };
  }
  const db = await createTestDatabase();
  // The servers open their own pools: this handle only made and will drop the database.
  cleanups.push(() => db.cleanup());
  return {
    DATABASE_URL: db.databaseUrl!,
    CARIOSAN_MASTER_KEY: db.masterKey!.toString('base64'),
    ...WEBHOOK_ENV,
  };
}

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const server = await spawnServer(env);
  cleanups.push(() => server.stop());
  return server;
}

function client(server: () => ServerProcess, credentials: Revealed) {
  return async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server().url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${credentials.api_key}:${credentials.api_secret}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
}

/** `cariosan workspace create` against the running node's storage. */
async function createWorkspace(env: Record<string, string>): Promise<Revealed> {
  const created = await runCliProcess(['workspace', 'create', '--name', 'Durable', '--json'], env);
  expect(created.code).toBe(0);
  return JSON.parse(created.stdout) as Revealed;
}

async function provision(
  call: ReturnType<typeof client>,
  receiver: WebhookReceiver,
  channels: string[],
) {
  await call('PUT', '/v1/users/alice', {});
  for (const id of channels)
    await call('POST', '/v1/channels', { type: 'group', id, members: ['alice'] });
  await call('POST', '/v1/webhooks', { url: `${receiver.url}/hooks`, events: ['message.new'] });
}

/** Sends `count` messages, `concurrency` at a time, collecting the ones acknowledged. */
async function burst(
  call: ReturnType<typeof client>,
  count: number,
  channels: string[],
  acknowledged: string[] = [],
  concurrency = 8,
): Promise<string[]> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        try {
          const message = await call(
            'POST',
            `/v1/channels/${channels[i % channels.length]}/messages`,
            {
              text: `burst ${i}`,
              user_id: 'alice',
            },
          );
          acknowledged.push(message.id as string);
        } catch {
          // The node died under this request: not acknowledged, so not owed to the receiver.
          return;
        }
      }
    }),
  );
  return acknowledged;
}

/** Messages committed per channel: seqs have no gaps, so the channel's last seq. */
async function committed(call: ReturnType<typeof client>, channels: string[]): Promise<number> {
  let total = 0;
  for (const id of channels) {
    const { channel } = (await call('GET', `/v1/channels/${id}`)) as {
      channel: { last_seq: number };
    };
    total += channel.last_seq;
  }
  return total;
}

const messageIdsAt = (receiver: WebhookReceiver) =>
  new Set(
    receiver.requests.map(
      (r) => (JSON.parse(r.body) as { data: { message: { id: string } } }).data.message.id,
    ),
  );

describe('webhook delivery across SIGKILL', () => {
  it('loses no event when the server is killed mid-burst and started again on the same storage', async () => {
    const env = await storageEnv();
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    // A receiver slow enough that deliveries lag behind the burst: the kill lands while both
    // sends and deliveries are under way, with most of the burst still owed.
    receiver.answer(() => ({ status: 204, delayMs: 25 }));
    let node = await start(env);
    const credentials = await createWorkspace(env);
    const call = client(() => node, credentials);
    await provision(call, receiver, ['team']);

    const acknowledged: string[] = [];
    const sending = burst(call, 200, ['team'], acknowledged);
    await expect
      .poll(() => receiver.requests.length >= 30 && acknowledged.length >= 100, {
        timeout: 30_000,
        interval: 5,
      })
      .toBe(true);
    const exited = new Promise((resolve) => node.process.once('exit', resolve));
    node.process.kill('SIGKILL');
    await exited;
    const atKill = receiver.eventIds().size;
    await sending;

    const restartedAt = Date.now();
    node = await start(env);
    const total = await committed(call, ['team']);
    expect(total).toBeGreaterThanOrEqual(acknowledged.length);
    // Most of the burst was still owed when the node died.
    expect(atKill).toBeLessThan(total);
    await expect
      .poll(() => receiver.eventIds().size, { timeout: 30_000, interval: 50 })
      .toBe(total);
    const received = messageIdsAt(receiver);
    for (const id of acknowledged) expect(received.has(id), id).toBe(true);
    for (const request of receiver.requests) {
      expect(verifyWebhook(request.body, request.headers, credentials.api_secret).type).toBe(
        'message.new',
      );
    }
    const duplicates = receiver.requests.length - receiver.eventIds().size;
    const caughtUpMs = Date.now() - restartedAt;
    console.log(
      `SIGKILL test (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}): ${acknowledged.length} acknowledged, ` +
        `${total} committed, ${atKill} received before the kill, all ${total} within ${caughtUpMs} ms ` +
        `of the restart, ${duplicates} redelivered`,
    );
  }, 90_000);
});

if (process.env.DATABASE_URL) {
  describe('webhook delivery with two nodes on one PostgreSQL', () => {
    it('never sends the same attempt twice, and every event arrives', async () => {
      const env = await storageEnv();
      const receiver = await startReceiver();
      cleanups.push(() => receiver.close());
      // Every fifth request fails once, so retries are claimed across nodes too.
      receiver.answer((_, index) => ({ status: index % 5 === 0 ? 500 : 204, delayMs: 2 }));
      const nodes = await Promise.all([start(env), start(env)]);
      const credentials = await createWorkspace(env);
      const channels = ['a', 'b', 'c', 'd'];
      const calls = nodes.map((node) => client(() => node, credentials));
      await provision(calls[0]!, receiver, channels);
      const sent = await Promise.all([
        burst(calls[0]!, 100, channels, [], 4),
        burst(calls[1]!, 100, channels, [], 4),
      ]);
      expect(sent.flat()).toHaveLength(200);

      const deliveredIds = () =>
        receiver.requests
          .filter((_, i) => i % 5 !== 0)
          .map((r) => r.headers['x-cariosan-event-id']);
      await expect
        .poll(() => new Set(deliveredIds()).size, { timeout: 30_000, interval: 50 })
        .toBe(200);
      // Let any stray duplicate show up before counting.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const attempts = receiver.requests.map(
        (r) => `${r.headers['x-cariosan-delivery-id']}#${r.headers['x-cariosan-attempt']}`,
      );
      expect(new Set(attempts).size).toBe(attempts.length);
      // Exactly one successful attempt per event: no node delivered what the other had.
      expect(deliveredIds()).toHaveLength(200);
      const received = messageIdsAt(receiver);
      for (const id of sent.flat()) expect(received.has(id), id).toBe(true);
      for (const node of nodes) expect(await node.stop()).toBe(0);
    }, 90_000);
  });
}
