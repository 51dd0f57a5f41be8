import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cariosan } from '@cariosan/node';
import { CLOSE_CODES } from '@cariosan/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { runCliProcess, type ServerProcess, spawnServer } from './support/processes';
import { createTestDatabase } from './support/test-db';
import { openSocket, type TestSocket } from './support/ws-client';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

interface Revealed {
  workspace_id: string;
  api_key: string;
  api_secret: string;
}

async function createWorkspace(env: Record<string, string>): Promise<Revealed> {
  const result = await runCliProcess(['workspace', 'create', '--name', 'Fleet', '--json'], env);
  if (result.code !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as Revealed;
}

const wsUrl = (node: ServerProcess) => `${node.url.replace(/^http/, 'ws')}/v1/ws`;

async function socketOn(node: ServerProcess, sdk: Cariosan, userId: string): Promise<TestSocket> {
  const socket = await openSocket(wsUrl(node), await sdk.issueUserToken(userId));
  cleanups.push(async () => socket.close());
  return socket;
}

describe('draining', () => {
  it('on SIGTERM finishes in-flight sends, closes sockets with 1012 and exits 0', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cariosan-drain-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const env = { CARIOSAN_DATA_DIR: dataDir };
    const node = await spawnServer(env);
    cleanups.push(() => node.stop());
    const credentials = await createWorkspace(env);
    const sdk = new Cariosan({
      apiKey: credentials.api_key,
      apiSecret: credentials.api_secret,
      baseUrl: node.url,
    });
    await sdk.users.upsert('alice', {});
    await sdk.channels.create({ type: 'group', id: 'team', members: ['alice'] });
    const socket = await socketOn(node, sdk, 'alice');
    await socket.ok({ type: 'subscribe', channel_id: 'team' });
    const ids = Array.from({ length: 20 }, (_, i) => `r-${i}`);
    for (const id of ids) {
      socket.send({ type: 'send', id, channel_id: 'team', client_id: id, text: id });
    }
    await socket.waitFor((f) => f.type === 'ack' && f.id === 'r-0');
    const exit = node.stop();
    const closed = await socket.closed;
    expect(closed.code).toBe(CLOSE_CODES.service_restart);
    expect(await exit).toBe(0);
    // Sends already received were finished and acked; later ones were refused at once, so the
    // client knows to retry them (idempotently) elsewhere. Nothing was left unanswered midway.
    const answers = socket.frames.filter(
      (f) => (f.type === 'ack' || f.type === 'error') && String(f.id).startsWith('r-'),
    );
    expect(answers.map((f) => f.id)).toEqual(ids.slice(0, answers.length));
    const acked = answers.filter((f) => f.type === 'ack').length;
    expect(acked).toBeGreaterThanOrEqual(1);
    const refused = answers.slice(acked) as { error?: { code: string } }[];
    expect(refused.every((f) => f.error?.code === 'service_unavailable')).toBe(true);
    // Every acked send was committed: a restarted node has them all.
    const again = await spawnServer(env);
    cleanups.push(() => again.stop());
    const restarted = new Cariosan({
      apiKey: credentials.api_key,
      apiSecret: credentials.api_secret,
      baseUrl: again.url,
    });
    const page = await restarted.messages.list('team', { user_id: 'alice', limit: 100 });
    expect(page.messages.length).toBeGreaterThanOrEqual(acked);
  }, 60_000);
});

if (process.env.DATABASE_URL) {
  describe('two nodes on one PostgreSQL', () => {
    async function fleet() {
      const db = await createTestDatabase();
      cleanups.push(() => db.cleanup());
      const env = {
        DATABASE_URL: db.databaseUrl as string,
        CARIOSAN_MASTER_KEY: db.masterKey!.toString('base64'),
        CARIOSAN_WS_FRAME_RATE: '0',
        CARIOSAN_WS_USER_FRAME_RATE: '0',
      };
      const nodes = await Promise.all([spawnServer(env), spawnServer(env)]);
      for (const node of nodes) cleanups.push(() => node.stop());
      const credentials = await createWorkspace(env);
      const sdk = new Cariosan({
        apiKey: credentials.api_key,
        apiSecret: credentials.api_secret,
        baseUrl: nodes[0]!.url,
      });
      for (const id of ['alice', 'bob', 'carol']) await sdk.users.upsert(id, {});
      await sdk.channels.create({ type: 'group', id: 'team', members: ['alice', 'bob', 'carol'] });
      return { nodes: nodes as [ServerProcess, ServerProcess], sdk, credentials, env };
    }

    it('delivers messages sent through either node to sockets on both, in seq order', async () => {
      const { nodes, sdk } = await fleet();
      const readers = [
        await socketOn(nodes[0], sdk, 'alice'),
        await socketOn(nodes[1], sdk, 'bob'),
      ];
      for (const reader of readers) await reader.ok({ type: 'subscribe', channel_id: 'team' });
      const senders = [
        await socketOn(nodes[0], sdk, 'carol'),
        await socketOn(nodes[1], sdk, 'carol'),
        await socketOn(nodes[1], sdk, 'alice'),
      ];
      await Promise.all(
        senders.map(async (sender, s) => {
          for (let i = 0; i < 30; i++) {
            await sender.ok({
              type: 'send',
              channel_id: 'team',
              client_id: `${s}-${i}`,
              text: 'x',
            });
          }
        }),
      );
      const expected = Array.from({ length: 90 }, (_, i) => i + 1);
      for (const reader of readers) {
        await reader.waitUntil(() => reader.seqs('team').length >= 90, 20_000);
        expect(reader.seqs('team')).toEqual(expected);
      }
    }, 90_000);

    it('resumes after a reconnect to the other node with exactly the missed messages while senders keep sending', async () => {
      const { nodes, sdk } = await fleet();
      let sending = true;
      let sent = 0;
      const sender = await socketOn(nodes[0], sdk, 'alice');
      const pump = (async () => {
        while (sending) {
          await sender.ok({
            type: 'send',
            channel_id: 'team',
            client_id: `p-${sent}`,
            text: 'tick',
          });
          sent += 1;
        }
      })();
      const received: number[] = [];
      let lastSeq = 0;
      for (let round = 0; round < 4; round++) {
        const node = nodes[round % 2] as ServerProcess;
        const reader = await socketOn(node, sdk, 'bob');
        await reader.ok({ type: 'subscribe', channel_id: 'team', since_seq: lastSeq });
        await new Promise((resolve) => setTimeout(resolve, 300));
        reader.close();
        await reader.closed;
        const seqs = reader.seqs('team');
        received.push(...seqs);
        lastSeq = seqs.at(-1) ?? lastSeq;
      }
      sending = false;
      await pump;
      const reader = await socketOn(nodes[1], sdk, 'bob');
      await reader.ok({ type: 'subscribe', channel_id: 'team', since_seq: lastSeq });
      received.push(...reader.seqs('team'));
      expect(sent).toBeGreaterThan(10);
      expect(received).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
    }, 90_000);

    it('closes sockets on both nodes within a second of a rotation or a revocation', async () => {
      const { nodes, sdk, credentials, env } = await fleet();
      const sockets = [
        await socketOn(nodes[0], sdk, 'alice'),
        await socketOn(nodes[1], sdk, 'alice'),
      ];
      const revokedAt = Date.now();
      await sdk.users.revokeTokens('alice');
      for (const socket of sockets) {
        expect((await socket.closed).code).toBe(CLOSE_CODES.token_revoked);
      }
      expect(Date.now() - revokedAt).toBeLessThan(1_000);

      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const again = [await socketOn(nodes[0], sdk, 'bob'), await socketOn(nodes[1], sdk, 'bob')];
      const rotatedAt = Date.now();
      const rotated = await runCliProcess(
        ['workspace', 'rotate-secret', '--workspace-id', credentials.workspace_id, '--json'],
        env,
      );
      expect(rotated.code).toBe(0);
      for (const socket of again) {
        expect((await socket.closed).code).toBe(CLOSE_CODES.token_revoked);
      }
      // The CLI process itself takes most of this; the NOTIFY reaches both nodes on commit.
      expect(Date.now() - rotatedAt).toBeLessThan(10_000);
    }, 90_000);

    it('reports presence across nodes, one user on both counted once', async () => {
      const { nodes, sdk } = await fleet();
      const watcher = await socketOn(nodes[0], sdk, 'alice');
      await watcher.ok({ type: 'subscribe', channel_id: 'team' });
      const states = () =>
        watcher
          .events('presence.changed')
          .filter((f) => f.data.user_id === 'carol')
          .map((f) => f.data.online);
      const onB = await socketOn(nodes[1], sdk, 'carol');
      await watcher.waitUntil(() => states().length === 1, 10_000);
      const onA = await socketOn(nodes[0], sdk, 'carol');
      onB.close();
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      expect(states()).toEqual([true]);
      onA.close();
      await watcher.waitUntil(() => states().length === 2, 10_000);
      expect(states()).toEqual([true, false]);
    }, 90_000);
  });
}
