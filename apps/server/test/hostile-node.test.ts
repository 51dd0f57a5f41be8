import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cariosan } from '@cariosan/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, spawnServer } from './support/processes';
import { createTestDatabase, type TestDatabase } from './support/test-db';
import { rawSocket } from './support/ws-client';

// A real `cariosan serve` process: what matters here is that it is still running afterwards.
const ADMIN_KEY = randomBytes(24).toString('base64url');
let server: ServerProcess;
let sdk: Cariosan;
let serverAuth: string;
let testDb: TestDatabase | undefined;
let dataDir: string | undefined;

/** JSON text of arrays nested `depth` deep (20 KB for 10,000): JSON.stringify could not write it. */
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepSend = (id: string) =>
  `{"type":"send","id":"${id}","channel_id":"general","client_id":"c-deep","text":"hi","attachments":[{"deep":${nested(10_000)}}]}`;

async function healthy(): Promise<boolean> {
  const response = await fetch(`${server.url}/healthz`).catch(() => undefined);
  return response?.status === 200 && server.process.exitCode === null;
}

beforeAll(async () => {
  const env: Record<string, string> = {
    CARIOSAN_ADMIN_KEY: ADMIN_KEY,
    CARIOSAN_MASTER_KEY: randomBytes(32).toString('base64'),
  };
  if (process.env.DATABASE_URL) {
    testDb = await createTestDatabase();
    env.DATABASE_URL = testDb.databaseUrl!;
    env.CARIOSAN_MASTER_KEY = testDb.masterKey!.toString('base64');
  } else {
    dataDir = await mkdtemp(join(tmpdir(), 'cariosan-hostile-'));
    env.CARIOSAN_DATA_DIR = dataDir;
  }
  server = await spawnServer(env);
  const created = await fetch(`${server.url}/admin/workspaces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-admin-key': ADMIN_KEY },
    body: JSON.stringify({ name: 'Hostile' }),
  });
  const credentials = (await created.json()) as { api_key: string; api_secret: string };
  serverAuth = `Bearer ${credentials.api_key}:${credentials.api_secret}`;
  sdk = new Cariosan({
    apiKey: credentials.api_key,
    apiSecret: credentials.api_secret,
    baseUrl: server.url,
  });
  await sdk.users.upsert('alice', { name: 'Alice' });
  await sdk.channels.create({ type: 'public', id: 'general', members: ['alice'] });
}, 120_000);

afterAll(async () => {
  const code = await server?.stop();
  await testDb?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  // A node that crashed exits 1; a clean SIGTERM drain exits 0.
  expect(code).toBe(0);
}, 60_000);

describe('a node survives hostile frames', () => {
  it('answers a pre-auth send frame nested 10,000 deep and keeps serving', async () => {
    const socket = await rawSocket(`${server.url.replace('http', 'ws')}/v1/ws`);
    socket.send(deepSend('deep-1'));
    const answer = await socket.waitFor((frame) => frame.type === 'error' || frame.type === 'ack');
    expect(answer.error.code).toBe('invalid_request');
    socket.close();
    expect(await healthy()).toBe(true);
  });

  it('answers the same frame after connect with invalid_request naming the field', async () => {
    const socket = await rawSocket(`${server.url.replace('http', 'ws')}/v1/ws`);
    await socket.ok({ type: 'connect', token: await sdk.issueUserToken('alice') });
    socket.send(deepSend('deep-2'));
    const answer = await socket.waitFor((frame) => frame.id === 'deep-2');
    expect(answer).toMatchObject({ type: 'error', error: { code: 'invalid_request' } });
    expect(answer.error.field).toMatch(/^attachments/);
    expect(await socket.ok({ type: 'ping' })).toHaveProperty('server_time');
    socket.close();
    expect(await healthy()).toBe(true);
  });

  it('answers a REST body nested 10,000 deep with 400, in custom and at the top', async () => {
    const auth = { authorization: serverAuth };
    for (const body of [
      `{"name":"x","custom":{"deep":${nested(10_000)}}}`,
      `{"name":"x","custom":${nested(10_000)}}`,
    ]) {
      const response = await fetch(`${server.url}/v1/users/deep`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { field: string } }).error.field).toMatch(
        /^custom/,
      );
    }
    expect(await healthy()).toBe(true);
  });

  it('answers a 2 MiB upload through undici fetch with 413, 20 times out of 20', async () => {
    const body = new Uint8Array(2 * 1024 * 1024).fill(0x20);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${server.url}/v1/users/big`, {
        method: 'PUT',
        headers: { authorization: serverAuth, 'content-type': 'application/json' },
        body,
      });
      statuses.push(response.status);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'payload_too_large',
      );
    }
    expect(statuses).toEqual(Array(20).fill(413));
  });
});
