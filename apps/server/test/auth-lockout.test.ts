import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, generateApiSecret } from '../src/auth/credentials';
import { loadConfig } from '../src/env';
import type { RevealedCredentials } from '../src/workspaces/workspace.service';
import { type LiveServer, startLiveServer } from './support/live-server';
import { bearer } from './support/test-server';

// Over real HTTP on 127.0.0.1, so every request of a test shares one client address, as every
// client does behind a load balancer or NAT.
const ADMIN_KEY = 'admin-key-for-lockout-tests-0123456789';
let server: LiveServer;
let proxied: LiveServer;

beforeAll(async () => {
  server = await startLiveServer({ CARIOSAN_ADMIN_KEY: ADMIN_KEY });
  proxied = await startLiveServer({ CARIOSAN_TRUSTED_PROXIES: '127.0.0.1/32, ::1' });
});
afterAll(async () => {
  await server?.close();
  await proxied?.close();
});

async function status(
  target: LiveServer,
  path: string,
  headers: Record<string, string>,
): Promise<number> {
  const response = await fetch(`${target.url}${path}`, { headers });
  await response.arrayBuffer();
  return response.status;
}

const whoami = (target: LiveServer, authorization: string, forwardedFor?: string) =>
  status(target, '/v1/workspace', {
    authorization,
    ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
  });

/** `requests` calls of `call(i)`, `concurrency` at a time; returns how many got each status. */
async function hammer(
  requests: number,
  concurrency: number,
  call: (i: number) => Promise<number>,
  progress: { done: number } = { done: 0 },
): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const code = await call(next++);
        counts.set(code, (counts.get(code) ?? 0) + 1);
        progress.done++;
      }
    }),
  );
  return counts;
}

const randomPair = () => `Bearer ${generateApiKey('live')}:${generateApiSecret('live')}`;
const wrongSecret = (ws: RevealedCredentials) =>
  `Bearer ${ws.api_key}:${generateApiSecret('live')}`;

describe('a correct credential is never refused because of someone else’s failures', () => {
  it('random pairs from the same address: a verified backend gets 0 × 429, and so does a first verification', async () => {
    const verified = await server.createWorkspace();
    const fresh = await server.createWorkspace();
    expect(await whoami(server, bearer(verified))).toBe(200);

    const progress = { done: 0 };
    let attacking = true;
    const attack = hammer(400, 8, () => whoami(server, randomPair()), progress).finally(() => {
      attacking = false;
    });
    const victim: number[] = [];
    let freshStatus: number | undefined;
    while (attacking) {
      victim.push(await whoami(server, bearer(verified)));
      if (freshStatus === undefined && progress.done >= 50)
        freshStatus = await whoami(server, bearer(fresh));
    }
    const attackStatuses = await attack;

    expect([...attackStatuses.keys()].every((code) => code === 401 || code === 429)).toBe(true);
    expect(victim.length).toBeGreaterThan(0);
    expect(victim.filter((code) => code !== 200)).toEqual([]);
    expect(freshStatus).toBe(200);
  });

  it('40 wrong secrets for a public api_key from anywhere, then its correct secret (never verified here) gets 200', async () => {
    const ws = await proxied.createWorkspace();
    const wrong = Array.from({ length: 40 }, () => wrongSecret(ws));
    const attack = await hammer(wrong.length, 8, (i) =>
      whoami(proxied, wrong[i]!, `198.51.100.${i}`),
    );
    expect(attack.get(401)).toBe(wrong.length);
    expect(await whoami(proxied, bearer(ws), '203.0.113.5')).toBe(200);
    // Repeats of a failed pair are answered from memory, still 401, from any address.
    expect(await whoami(proxied, wrong[0]!, '203.0.113.6')).toBe(401);
    // The same holds with no proxy in between: every attempt from one address.
    const direct = await server.createWorkspace();
    await hammer(40, 8, () => whoami(server, wrongSecret(direct)));
    expect(await whoami(server, bearer(direct))).toBe(200);
  });

  it('10+ wrong admin keys from an address, then the correct one still gets 200', async () => {
    const admin = (key: string) => status(server, '/admin/workspaces', { 'x-admin-key': key });
    const wrong: number[] = [];
    for (let i = 0; i < 15; i++) wrong.push(await admin(`wrong-admin-key-${i}`));
    expect(wrong.slice(0, 10).every((code) => code === 401)).toBe(true);
    expect(wrong.slice(10).every((code) => code === 429)).toBe(true);
    expect(await admin(ADMIN_KEY)).toBe(200);
    expect(await admin('wrong-admin-key-again')).toBe(429);
  });
});

describe('CARIOSAN_TRUSTED_PROXIES', () => {
  it('is none by default, and a bad entry stops the start naming it', () => {
    expect(loadConfig({}).trustedProxies).toEqual([]);
    expect(loadConfig({ CARIOSAN_TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8' }).trustedProxies).toEqual(
      [
        { family: 4, network: 10n << 24n, prefix: 8 },
        { family: 6, network: 0xfdn << 120n, prefix: 8 },
      ],
    );
    expect(() => loadConfig({ CARIOSAN_TRUSTED_PROXIES: '10.0.0.0/8, lb.internal' })).toThrow(
      /CARIOSAN_TRUSTED_PROXIES.*lb\.internal/,
    );
  });

  const burst = (target: LiveServer, ws: RevealedCredentials) =>
    hammer(60, 60, (i) => whoami(target, wrongSecret(ws), `198.51.100.${i}`));

  it('names the client by X-Forwarded-For behind a trusted proxy, and ignores it otherwise', async () => {
    // Behind the trusted proxy 60 addresses each have one attempt in flight: none is queued out.
    const spread = await burst(proxied, await proxied.createWorkspace());
    expect(spread.get(401)).toBe(60);

    // Without it the header is the client's own claim: all 60 come from 127.0.0.1, and past a
    // few waiting verifications per address the rest are turned away. A loaded machine may
    // drain the queue as fast as the burst arrives, so a few bursts are allowed.
    const ws = await server.createWorkspace();
    let queuedOut = 0;
    for (let round = 0; round < 10 && queuedOut === 0; round++)
      queuedOut = (await burst(server, ws)).get(429) ?? 0;
    expect(queuedOut).toBeGreaterThan(0);
    expect(await whoami(server, bearer(ws))).toBe(200);
  });
});
