import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/support/test-server';
import type { RevealedCredentials } from '../workspaces/workspace.service';
import { generateApiSecret, verifySecret } from './credentials';
import { KeyStore } from './key-store';
import { ServerAuthenticator } from './server-auth';

let server: TestServer;
let ws: RevealedCredentials;

beforeAll(async () => {
  server = await createTestServer();
  ws = await server.createWorkspace();
});
afterAll(async () => {
  await server?.close();
});

function counting() {
  const calls = { count: 0, active: 0, maxActive: 0 };
  const verify = async (hash: string, secret: string) => {
    calls.count++;
    calls.active++;
    calls.maxActive = Math.max(calls.maxActive, calls.active);
    try {
      return await verifySecret(hash, secret);
    } finally {
      calls.active--;
    }
  };
  return { calls, verify };
}

const pair = (secret = ws.api_secret) => ({ apiKey: ws.api_key, apiSecret: secret });

describe('ServerAuthenticator', () => {
  it('runs argon2 once for ten concurrent first requests with the same pair, then serves from cache', async () => {
    const { calls, verify } = counting();
    const auth = new ServerAuthenticator({
      keyStore: new KeyStore(server.deps.database.db),
      verifySecret: verify,
    });
    const results = await Promise.all(
      Array.from({ length: 10 }, () => auth.authenticate(pair(), '10.0.0.1')),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    expect(calls.count).toBe(1);
    await auth.authenticate(pair(), '10.0.0.2');
    expect(calls.count).toBe(1);
  });

  it('runs at most two argon2 verifications at once, however many wrong secrets arrive', async () => {
    const { calls, verify } = counting();
    const auth = new ServerAuthenticator({
      keyStore: new KeyStore(server.deps.database.db),
      verifySecret: verify,
      failuresPerAddress: { max: 1000, windowMs: 60_000 },
      failuresPerKey: { max: 1000, windowMs: 60_000 },
    });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        auth.authenticate(pair(generateApiSecret('live')), `10.0.1.${i}`),
      ),
    );
    expect(results.every((result) => !result.ok && result.error.code === 'unauthorized')).toBe(
      true,
    );
    expect(calls.count).toBe(8);
    expect(calls.maxActive).toBe(2);
  });

  it('stops verifying wrong secrets for a key past its failure limit, from any address', async () => {
    const { calls, verify } = counting();
    const auth = new ServerAuthenticator({
      keyStore: new KeyStore(server.deps.database.db),
      verifySecret: verify,
      failuresPerKey: { max: 3, windowMs: 60_000 },
    });
    await auth.authenticate(pair(), '10.0.2.1');
    for (let i = 0; i < 3; i++)
      await auth.authenticate(pair(generateApiSecret('live')), `10.0.2.${10 + i}`);
    const countBefore = calls.count;
    const refused = await auth.authenticate(pair(generateApiSecret('live')), '10.0.2.99');
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(calls.count).toBe(countBefore);
    // The pair verified before the attack is still served from cache.
    expect(await auth.authenticate(pair(), '10.0.2.99')).toMatchObject({ ok: true });
  });
});
