import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/support/test-server';
import type { RevealedCredentials } from '../workspaces/workspace.service';
import { generateApiKey, generateApiSecret, verifySecret } from './credentials';
import { KeyStore } from './key-store';
import { ServerAuthenticator, type ServerAuthenticatorOptions } from './server-auth';

let server: TestServer;
let ws: RevealedCredentials;
let other: RevealedCredentials;

beforeAll(async () => {
  server = await createTestServer();
  ws = await server.createWorkspace();
  other = await server.createWorkspace();
});
afterAll(async () => {
  await server?.close();
});

/**
 * The real argon2 check, counted; while `hold` is set, verifications wait for `release()`
 * so a test can keep a flood in flight.
 */
function counting() {
  const calls = { count: 0, active: 0, maxActive: 0 };
  let gate: Promise<void> | undefined;
  let open = () => {};
  const verify = async (hash: string, secret: string) => {
    calls.count++;
    calls.active++;
    calls.maxActive = Math.max(calls.maxActive, calls.active);
    try {
      await gate;
      return await verifySecret(hash, secret);
    } finally {
      calls.active--;
    }
  };
  const hold = () => {
    gate = new Promise((resolve) => {
      open = resolve;
    });
  };
  const release = () => {
    gate = undefined;
    open();
  };
  return { calls, verify, hold, release };
}

function authenticator(options: Partial<ServerAuthenticatorOptions> = {}) {
  const clock = { now: 1_000_000 };
  const counter = counting();
  const now = () => clock.now;
  const auth = new ServerAuthenticator({
    keyStore: new KeyStore(server.deps.database.db, { now }),
    verifySecret: counter.verify,
    now,
    ...options,
  });
  return { auth, clock, ...counter };
}

const pair = (credentials = ws, secret = credentials.api_secret) => ({
  apiKey: credentials.api_key,
  apiSecret: secret,
});
const wrong = (credentials = ws) => pair(credentials, generateApiSecret('live'));
const unknown = () => ({ apiKey: generateApiKey('live'), apiSecret: generateApiSecret('live') });

describe('ServerAuthenticator', () => {
  it('runs argon2 once for ten concurrent first requests with the same pair, then serves from cache', async () => {
    const { auth, calls } = authenticator();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => auth.authenticate(pair(), '10.0.0.1')),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    expect(calls.count).toBe(1);
    await auth.authenticate(pair(), '10.0.0.2');
    expect(calls.count).toBe(1);
  });

  it('keeps a verified pair verified however long it is idle, until invalidate or clear', async () => {
    const { auth, calls, clock } = authenticator();
    expect(await auth.authenticate(pair(), '10.0.0.1')).toMatchObject({ ok: true });
    clock.now += 7 * 24 * 3_600_000;
    expect(await auth.authenticate(pair(), '10.0.0.1')).toMatchObject({ ok: true });
    expect(calls.count).toBe(1);
    auth.invalidate({ apiKey: other.api_key });
    expect(await auth.authenticate(pair(), '10.0.0.1')).toMatchObject({ ok: true });
    expect(calls.count).toBe(1);
    auth.invalidate({ apiKey: ws.api_key });
    expect(await auth.authenticate(pair(), '10.0.0.1')).toMatchObject({ ok: true });
    expect(calls.count).toBe(2);
    auth.invalidate({ workspaceId: ws.workspace_id });
    await auth.authenticate(pair(), '10.0.0.1');
    auth.clear();
    await auth.authenticate(pair(), '10.0.0.1');
    expect(calls.count).toBe(4);
  });

  it('ends a cached verification within the key store’s minute even if no control event came', async () => {
    const rotated = await server.createWorkspace();
    const { auth, clock } = authenticator();
    expect(await auth.authenticate(pair(rotated), '10.0.0.1')).toMatchObject({ ok: true });
    // This authenticator is not on the control bus: only the key store's re-read can tell it.
    await server.rotateSecret(rotated.workspace_id);
    clock.now += 61_000;
    expect(await auth.authenticate(pair(rotated), '10.0.0.1')).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
  });

  it('answers a repeated wrong pair from memory, and verifies it again once forgotten', async () => {
    const { auth, calls, clock } = authenticator({ failedTtlMs: 60_000 });
    const attempt = wrong();
    for (let i = 0; i < 5; i++)
      expect(await auth.authenticate(attempt, `10.0.1.${i}`)).toMatchObject({
        ok: false,
        error: { code: 'unauthorized' },
      });
    expect(calls.count).toBe(1);
    clock.now += 60_000;
    await auth.authenticate(attempt, '10.0.1.9');
    expect(calls.count).toBe(2);
  });

  it('verifies an unknown api_key against a dummy hash, once, like a known key with a wrong secret', async () => {
    const { auth, calls } = authenticator();
    const attempt = unknown();
    expect(await auth.authenticate(attempt, '10.0.2.1')).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    expect(calls.count).toBe(1);
    await auth.authenticate(attempt, '10.0.2.1');
    expect(calls.count).toBe(1);
  });

  it('runs at most maxConcurrentVerifications at once, however many wrong secrets arrive', async () => {
    const { auth, calls } = authenticator();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        auth.authenticate(i % 2 ? wrong() : wrong(other), `10.0.3.${i}`),
      ),
    );
    expect(results.every((result) => !result.ok && result.error.code === 'unauthorized')).toBe(
      true,
    );
    expect(calls.count).toBe(8);
    expect(calls.maxActive).toBe(2);
  });

  it('turns away only the flooding address for the flooded key; the right secret gets through', async () => {
    const { auth, hold, release } = authenticator({ maxWaitingPerAddress: 2 });
    hold();
    // One running and two waiting from 10.0.4.1 for ws's key; the other seven are queued out
    // (which seven depends on the order the key lookups come back in).
    const settled: string[] = [];
    const flood = Array.from({ length: 10 }, () =>
      auth.authenticate(wrong(), '10.0.4.1').then((result) => {
        settled.push(result.ok ? 'ok' : result.error.code);
        return result;
      }),
    );
    await expect.poll(() => settled.length, { timeout: 10_000 }).toBe(7);
    expect(settled).toEqual(new Array(7).fill('rate_limited'));
    // The owner of the key from another address, and another key from the same address.
    const owner = auth.authenticate(pair(), '10.0.4.2');
    const neighbour = auth.authenticate(pair(other), '10.0.4.1');
    release();
    expect(await owner).toMatchObject({ ok: true });
    expect(await neighbour).toMatchObject({ ok: true });
    await Promise.all(flood);
    expect(settled.filter((code) => code === 'unauthorized')).toHaveLength(3);
  });

  it('bounds the dummy verifications of unknown keys without refusing a known key from the same address', async () => {
    const { auth, calls, hold, release } = authenticator({
      maxWaitingUnknown: 3,
      maxWaitingPerAddress: 100,
    });
    hold();
    const flood = Array.from({ length: 20 }, (_, i) =>
      auth.authenticate(unknown(), `10.0.5.${i % 4}`),
    );
    const fresh = await server.createWorkspace();
    const victim = auth.authenticate(pair(fresh), '10.0.5.0');
    release();
    expect(await victim).toMatchObject({ ok: true });
    const results = await Promise.all(flood);
    const codes = results.map((result) => (result.ok ? 'ok' : result.error.code));
    expect(codes.filter((code) => code === 'unauthorized').length).toBeLessThanOrEqual(4);
    expect(codes.filter((code) => code === 'rate_limited').length).toBeGreaterThanOrEqual(16);
    // 1 running + 3 waiting dummies, and the victim's own.
    expect(calls.count).toBeLessThanOrEqual(5);
  });

  it('verifies a rotated secret tried before this node heard of the rotation, once it hears', async () => {
    const rotating = await server.createWorkspace();
    const keyStore = new KeyStore(server.deps.database.db);
    const auth = new ServerAuthenticator({ keyStore });
    expect((await auth.authenticate(pair(rotating), '10.0.0.9')).ok).toBe(true);
    const rotated = await server.rotateSecret(rotating.workspace_id);
    // This node's key store still holds the old hash: the new secret fails here, for now.
    expect((await auth.authenticate(pair(rotated), '10.0.0.9')).ok).toBe(false);
    // The control event arrives: both caches drop the key, and the new pair is tried afresh.
    keyStore.invalidate({ apiKey: rotated.api_key });
    auth.invalidate({ apiKey: rotated.api_key });
    expect((await auth.authenticate(pair(rotated), '10.0.0.9')).ok).toBe(true);
  });

  it('does not remember a failure whose verification raced an invalidation', async () => {
    const rotating = await server.createWorkspace();
    const keyStore = new KeyStore(server.deps.database.db);
    const counter = counting();
    const auth = new ServerAuthenticator({ keyStore, verifySecret: counter.verify });
    await keyStore.get(rotating.api_key);
    const rotated = await server.rotateSecret(rotating.workspace_id);
    // The new secret is checked against the old hash still cached here…
    counter.hold();
    const inFlight = auth.authenticate(pair(rotated), '10.0.0.10');
    await expect.poll(() => counter.calls.active).toBe(1);
    // …while the rotation's control event lands.
    keyStore.invalidate({ apiKey: rotated.api_key });
    auth.invalidate({ apiKey: rotated.api_key });
    counter.release();
    expect((await inFlight).ok).toBe(false);
    expect((await auth.authenticate(pair(rotated), '10.0.0.10')).ok).toBe(true);
  });
});
