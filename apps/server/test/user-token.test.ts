import { createHmac } from 'node:crypto';
import { Cariosan, deriveUserTokenKeys } from '@cariosan/node';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyUserToken } from '../src/auth/user-token';
import { withWorkspace } from '../src/db/scope';
import type { RevealedCredentials } from '../src/workspaces/workspace.service';
import { createTestServer, type TestServer } from './support/test-server';

let server: TestServer;
let ws: RevealedCredentials;
let other: RevealedCredentials;
const HOUR = 3600;

beforeAll(async () => {
  server = await createTestServer();
  ws = await server.createWorkspace({ name: 'A' });
  other = await server.createWorkspace({ name: 'B' });
  for (const [workspace, user] of [
    [ws, 'alice'],
    [ws, 'mallory'],
    [other, 'bob'],
  ] as const) {
    await withWorkspace(server.deps.database.db, workspace.workspace_id, (trx) =>
      trx.insertInto('users').values({ workspace_id: workspace.workspace_id, id: user }).execute(),
    );
  }
});
afterAll(async () => {
  await server?.close();
});

function verify(token: string, options: { now?: number; capHours?: number } = {}) {
  return verifyUserToken(token, {
    db: server.deps.database.db,
    keyStore: server.deps.keyStore,
    maxLifetimeSeconds: (options.capHours ?? 24) * HOUR,
    now: options.now === undefined ? undefined : () => options.now!,
  });
}

function sdk(credentials: RevealedCredentials) {
  return new Cariosan({ apiKey: credentials.api_key, apiSecret: credentials.api_secret });
}

/** A token with arbitrary claims, signed with the workspace's real derived key. */
function signRaw(credentials: RevealedCredentials, claims: Record<string, unknown>) {
  const { privateKey } = deriveUserTokenKeys(credentials.api_secret);
  return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' }).sign(privateKey);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('user token verification', () => {
  it('accepts a token from issueUserToken for a provisioned user', async () => {
    const result = await verify(await sdk(ws).issueUserToken('alice', { ttlSeconds: 900 }));
    expect(result).toMatchObject({
      ok: true,
      value: { kind: 'user', workspaceId: ws.workspace_id, userId: 'alice' },
    });
  });

  it('is used by the HTTP API as the caller', async () => {
    const token = await sdk(ws).issueUserToken('alice');
    const response = await server.whoami(`Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ caller: { kind: 'user', user_id: 'alice' } });
  });

  it('rejects alg none and other algorithms, including HMAC keyed with the api_secret', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'alice', iss: ws.api_key, iat: now, exp: now + HOUR };
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    expect(await verify(none)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const hsInput = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
    const hs = `${hsInput}.${createHmac('sha256', ws.api_secret).update(hsInput).digest('base64url')}`;
    expect(await verify(hs)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });

  it('rejects an expired token with token_expired', async () => {
    const token = await sdk(ws).issueUserToken('alice', { ttlSeconds: 60 });
    const result = await verify(token, { now: Date.now() + 61_000 });
    expect(result).toMatchObject({ ok: false, error: { code: 'token_expired' } });
    const http = await server.whoami(
      `Bearer ${await signRaw(ws, { sub: 'alice', iss: ws.api_key, iat: 1, exp: 2 })}`,
    );
    expect(http.status).toBe(401);
    expect(((await http.json()) as { error: { code: string } }).error.code).toBe('token_expired');
  });

  it('caps a long-lived token at CARIOS_JWT_TTL_HOURS after its iat', async () => {
    const token = await sdk(ws).issueUserToken('alice', { ttlSeconds: 48 * HOUR });
    const after25h = Date.now() + 25 * HOUR * 1000;
    expect(await verify(token, { now: after25h, capHours: 24 })).toMatchObject({
      ok: false,
      error: { code: 'token_expired' },
    });
    expect(await verify(token, { now: after25h, capHours: 72 })).toMatchObject({ ok: true });
    expect(await verify(token, { capHours: 24 })).toMatchObject({
      ok: true,
      value: { expiresAt: expect.any(Number) },
    });
  });

  it('rejects a token issued in the future or missing exp', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(
      await verify(
        await signRaw(ws, { sub: 'alice', iss: ws.api_key, iat: now + 600, exp: now + 1200 }),
      ),
    ).toMatchObject({ ok: false });
    expect(
      await verify(await signRaw(ws, { sub: 'alice', iss: ws.api_key, iat: now })),
    ).toMatchObject({ ok: false });
  });

  it('rejects a token signed for another workspace', async () => {
    // Signed with B's secret but claiming A's key: A's public key does not verify it.
    const now = Math.floor(Date.now() / 1000);
    const forged = await signRaw(other, {
      sub: 'alice',
      iss: ws.api_key,
      iat: now,
      exp: now + HOUR,
    });
    expect(await verify(forged)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    // B's genuine token names B: it never authenticates in A, and B has no alice.
    const genuine = await sdk(other).issueUserToken('alice');
    expect(await verify(genuine)).toMatchObject({
      ok: false,
      error: { code: 'unauthorized', message: 'Unknown user' },
    });
    const bob = await verify(await sdk(other).issueUserToken('bob'));
    expect(bob).toMatchObject({ ok: true, value: { workspaceId: other.workspace_id } });
  });

  it('rejects a tampered payload or signature', async () => {
    const token = await sdk(ws).issueUserToken('alice');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const swapped = `${header}.${b64({ ...claims, sub: 'mallory' })}.${signature}`;
    expect(await verify(swapped)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const middle = Math.floor(signature.length / 2);
    const other = signature[middle] === 'A' ? 'B' : 'A';
    const flipped = `${header}.${payload}.${signature.slice(0, middle)}${other}${signature.slice(middle + 1)}`;
    expect(await verify(flipped)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await verify('eyJ.garbage.')).toMatchObject({ ok: false });
  });

  it('rejects tokens of an unknown user and tokens issued before a revocation', async () => {
    expect(await verify(await sdk(ws).issueUserToken('nobody'))).toMatchObject({ ok: false });
    const before = await sdk(ws).issueUserToken('mallory');
    await withWorkspace(server.deps.database.db, ws.workspace_id, (trx) =>
      trx
        .updateTable('users')
        .set({ tokens_valid_after: new Date(Date.now() + 1000) })
        .where('id', '=', 'mallory')
        .execute(),
    );
    expect(await verify(before)).toMatchObject({ ok: false, error: { message: 'Token revoked' } });
    const after = await signRaw(ws, {
      sub: 'mallory',
      iss: ws.api_key,
      iat: Math.floor(Date.now() / 1000) + 2,
      exp: Math.floor(Date.now() / 1000) + HOUR,
    });
    expect(await verify(after)).toMatchObject({ ok: true });
  });
});
