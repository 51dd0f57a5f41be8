import { Cariosan } from '@cariosan/node';
import { ErrorBody } from '@cariosan/protocol';
import { sql } from 'kysely';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiSecret } from '../src/auth/credentials';
import { bearer, createTestServer, type TestServer } from './support/test-server';

let server: TestServer;

beforeAll(async () => {
  server = await createTestServer();
});
afterAll(async () => {
  await server?.close();
});

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as ErrorBody;
  expect(v.is(ErrorBody, body)).toBe(true);
  expect(body.error.code).toBe(code);
  expect(body.error.request_id).toBe(response.headers.get('x-request-id'));
  return body;
}

async function upsertUser(workspaceId: string, userId: string) {
  const { withWorkspace } = await import('../src/db/scope');
  await withWorkspace(server.deps.database.db, workspaceId, (trx) =>
    trx.insertInto('users').values({ workspace_id: workspaceId, id: userId }).execute(),
  );
}

describe('server key pair authentication', () => {
  it('accepts the key pair a workspace was created with', async () => {
    const ws = await server.createWorkspace({ name: 'Buyer app' });
    const response = await server.whoami(bearer(ws));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      workspace_id: ws.workspace_id,
      api_key: ws.api_key,
      caller: { kind: 'server' },
    });
  });

  it('refuses a wrong, missing or malformed credential with 401 and SPEC error shape', async () => {
    const ws = await server.createWorkspace();
    await expectError(await server.whoami(undefined), 401, 'unauthorized');
    await expectError(
      await server.whoami(`Bearer ${ws.api_key}:${generateApiSecret('live')}`),
      401,
      'unauthorized',
    );
    await expectError(await server.whoami(`Bearer ${ws.api_key}`), 401, 'unauthorized');
    await expectError(
      await server.whoami(`Basic ${ws.api_key}:${ws.api_secret}`),
      401,
      'unauthorized',
    );
    await expectError(
      await server.whoami(`Bearer ${ws.api_key}:${ws.api_secret}x`),
      401,
      'unauthorized',
    );
    await expectError(await server.whoami('Bearer eyJ.not.a-token'), 401, 'unauthorized');
    const unknownKey = `pk_live_${'Q'.repeat(24)}`;
    const body = await expectError(
      await server.whoami(`Bearer ${unknownKey}:${ws.api_secret}`),
      401,
      'unauthorized',
    );
    expect(JSON.stringify(body)).not.toContain(ws.api_secret);
  });

  it('refuses a pair whose key and secret modes differ', async () => {
    const ws = await server.createWorkspace({ test: true });
    expect(ws.api_key).toMatch(/^pk_test_/);
    expect(ws.api_secret).toMatch(/^sk_test_/);
    const liveSecret = ws.api_secret.replace('sk_test_', 'sk_live_');
    await expectError(
      await server.whoami(`Bearer ${ws.api_key}:${liveSecret}`),
      401,
      'unauthorized',
    );
    expect((await server.whoami(bearer(ws))).status).toBe(200);
  });

  it('after rotate-secret the old secret and its tokens fail at once and the new ones work', async () => {
    const ws = await server.createWorkspace();
    await upsertUser(ws.workspace_id, 'alice');
    const oldToken = await new Cariosan({
      apiKey: ws.api_key,
      apiSecret: ws.api_secret,
    }).issueUserToken('alice');
    // Warm every cache first: the rotation must beat them.
    expect((await server.whoami(bearer(ws))).status).toBe(200);
    expect((await server.whoami(`Bearer ${oldToken}`)).status).toBe(200);

    const rotated = await server.rotateSecret(ws.workspace_id);
    expect(rotated.api_key).toBe(ws.api_key);
    expect(rotated.api_secret).not.toBe(ws.api_secret);

    await expect
      .poll(async () => (await server.whoami(bearer(ws))).status, { timeout: 1000, interval: 10 })
      .toBe(401);
    await expectError(await server.whoami(`Bearer ${oldToken}`), 401, 'unauthorized');
    expect((await server.whoami(bearer(rotated))).status).toBe(200);
    const newToken = await new Cariosan({
      apiKey: rotated.api_key,
      apiSecret: rotated.api_secret,
    }).issueUserToken('alice');
    expect((await server.whoami(`Bearer ${newToken}`)).status).toBe(200);
  });

  it("refuses a deleted workspace's key and tokens", async () => {
    const ws = await server.createWorkspace();
    await upsertUser(ws.workspace_id, 'bob');
    const token = await new Cariosan({
      apiKey: ws.api_key,
      apiSecret: ws.api_secret,
    }).issueUserToken('bob');
    expect((await server.whoami(bearer(ws))).status).toBe(200);
    await server.deleteWorkspace(ws.workspace_id);
    await expect
      .poll(async () => (await server.whoami(bearer(ws))).status, { timeout: 1000, interval: 10 })
      .toBe(401);
    await expectError(await server.whoami(`Bearer ${token}`), 401, 'unauthorized');
  });

  it('answers repeated wrong secrets 401 from memory, and never refuses the right one from the same address', async () => {
    const ws = await server.createWorkspace();
    const wrong = `Bearer ${ws.api_key}:${generateApiSecret('live')}`;
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await server.whoami(wrong, '192.0.2.7')).status);
    expect(statuses.every((status) => status === 401)).toBe(true);
    for (let i = 0; i < 30; i++) {
      const other = `Bearer ${ws.api_key}:${generateApiSecret('live')}`;
      expect((await server.whoami(other, '192.0.2.7')).status).toBe(401);
    }
    // Never verified on this node before, from the address that failed 60 times.
    expect((await server.whoami(bearer(ws), '192.0.2.7')).status).toBe(200);
  });

  it('queues out a flood of wrong secrets from one address with 429 and Retry-After, only for that address', async () => {
    const ws = await server.createWorkspace();
    let throttled: Response | undefined;
    // argon2 is fast on an idle machine: send bursts until one outruns the queue.
    for (let round = 0; round < 10 && !throttled; round++) {
      const burst = await Promise.all(
        Array.from({ length: 40 }, () =>
          server.whoami(`Bearer ${ws.api_key}:${generateApiSecret('live')}`, '192.0.2.8'),
        ),
      );
      throttled = burst.find((response) => response.status === 429);
    }
    expect(throttled).toBeDefined();
    await expectError(throttled!, 429, 'rate_limited');
    expect(Number(throttled!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await server.whoami(bearer(ws), '192.0.2.9')).status).toBe(200);
    expect((await server.whoami(bearer(ws), '192.0.2.8')).status).toBe(200);
  });

  it('never stores the secret in any table nor writes it or a token to the log', async () => {
    const ws = await server.createWorkspace({ name: 'Leak check' });
    await upsertUser(ws.workspace_id, 'carol');
    const token = await new Cariosan({
      apiKey: ws.api_key,
      apiSecret: ws.api_secret,
    }).issueUserToken('carol');
    await server.whoami(bearer(ws));
    await server.whoami(`Bearer ${token}`);
    await server.whoami(`Bearer ${ws.api_key}:${ws.api_secret}0`);
    const rotated = await server.rotateSecret(ws.workspace_id);
    await server.whoami(bearer(rotated));

    const { withWorkspace } = await import('../src/db/scope');
    const dump = await withWorkspace(server.deps.database.db, ws.workspace_id, async (trx) => {
      await sql`select set_config('cariosan.control', 'on', true)`.execute(trx);
      const tables = await sql<{ table_name: string }>`
        select table_name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(trx);
      let text = '';
      for (const { table_name } of tables.rows) {
        const rows = await sql<{
          row: string;
        }>`select to_jsonb(t)::text as row from ${sql.table(table_name)} t`.execute(trx);
        text += rows.rows.map((row) => row.row).join('\n');
      }
      return text;
    });
    expect(dump).toContain(ws.api_key);
    for (const secret of [ws.api_secret, rotated.api_secret]) {
      const randomPart = secret.slice('sk_live_'.length);
      expect(dump).not.toContain(randomPart);
      expect(dump).not.toContain(Buffer.from(secret).toString('hex'));
      expect(dump).not.toContain(Buffer.from(secret).toString('base64'));
    }
    const logs = server.logLines.join('\n');
    expect(logs).toContain(ws.workspace_id);
    for (const secret of [ws.api_secret, rotated.api_secret])
      expect(logs).not.toContain(secret.slice(8));
    expect(logs).not.toContain(token);
    expect(logs).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});
