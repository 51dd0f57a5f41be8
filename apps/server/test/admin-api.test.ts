import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connectionFrom, createTestServer, type TestServer } from './support/test-server';

const ADMIN_KEY = 'admin-key-for-tests-only-0123456789';
let server: TestServer;

beforeAll(async () => {
  server = await createTestServer({ CARIOSAN_ADMIN_KEY: ADMIN_KEY });
});
afterAll(async () => {
  await server?.close();
});

function admin(
  path: string,
  init: RequestInit = {},
  key: string | null = ADMIN_KEY,
  address = '10.1.1.1',
) {
  const headers = new Headers(init.headers);
  if (key !== null) headers.set('x-admin-key', key);
  if (init.body) headers.set('content-type', 'application/json');
  return server.app.request(`/admin${path}`, { ...init, headers }, connectionFrom(address));
}

describe('admin HTTP API', () => {
  it('is not mounted without CARIOSAN_ADMIN_KEY', async () => {
    const plain = await createTestServer();
    try {
      const response = await plain.app.request('/admin/workspaces', {
        headers: { 'x-admin-key': 'anything' },
      });
      expect(response.status).toBe(404);
    } finally {
      await plain.close();
    }
  });

  it('refuses a missing or wrong X-Admin-Key, and throttles repeated failures but never the right key', async () => {
    expect((await admin('/workspaces', {}, null, '10.2.0.1')).status).toBe(401);
    expect((await admin('/workspaces', {}, `${ADMIN_KEY}x`, '10.2.0.1')).status).toBe(401);
    for (let i = 0; i < 8; i++) await admin('/workspaces', {}, 'wrong', '10.2.0.1');
    const throttled = await admin('/workspaces', {}, 'wrong', '10.2.0.1');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).not.toBeNull();
    expect((await admin('/workspaces', {}, ADMIN_KEY, '10.2.0.1')).status).toBe(200);
    expect((await admin('/workspaces', {}, 'wrong', '10.2.0.2')).status).toBe(401);
  });

  it('creates, lists, rotates and deletes workspaces', async () => {
    const created = await admin('/workspaces', {
      method: 'POST',
      body: JSON.stringify({ name: 'Via admin' }),
    });
    expect(created.status).toBe(201);
    const ws = (await created.json()) as {
      workspace_id: string;
      api_key: string;
      api_secret: string;
    };
    expect((await server.whoami(bearer(ws))).status).toBe(200);
    const list = (await (await admin('/workspaces')).json()) as {
      workspaces: Array<{ workspace_id: string }>;
    };
    expect(list.workspaces.map((w) => w.workspace_id)).toContain(ws.workspace_id);
    const rotated = await admin(`/workspaces/${ws.workspace_id}/rotate-secret`, { method: 'POST' });
    expect(rotated.status).toBe(200);
    expect((await admin(`/workspaces/${ws.workspace_id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await admin(`/workspaces/${ws.workspace_id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('ensures one workspace per external_id, even under concurrent calls, revealing the secret once', async () => {
    const ensure = () =>
      admin('/workspaces/by-external-id/customer-42', {
        method: 'PUT',
        body: JSON.stringify({ name: 'Acme' }),
      });
    const responses = await Promise.all(Array.from({ length: 5 }, ensure));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{
      created: boolean;
      workspace_id: string;
      api_secret?: string;
    }>;
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(bodies.map((b) => b.workspace_id)).size).toBe(1);
    expect(bodies.filter((b) => b.api_secret).length).toBe(1);
    expect(bodies.filter((b) => b.created).length).toBe(1);
    const again = await ensure();
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ created: false, external_id: 'customer-42' });
    const conflict = await admin('/workspaces', {
      method: 'POST',
      body: JSON.stringify({ name: 'Dup', external_id: 'customer-42' }),
    });
    expect(conflict.status).toBe(409);
  });
});
