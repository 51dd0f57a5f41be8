import { randomInt } from 'node:crypto';
import { CREDENTIAL_ALPHABET } from '@cariosan/protocol';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deriveUserTokenKeys } from './keys';
import { issueUserToken, resolveTtlSeconds } from './tokens';

function randomBase62(length: number): string {
  return Array.from({ length }, () => CREDENTIAL_ALPHABET[randomInt(62)]).join('');
}
function newCredentials(mode: 'live' | 'test' = 'test') {
  return { apiKey: `pk_${mode}_${randomBase62(24)}`, apiSecret: `sk_${mode}_${randomBase62(43)}` };
}
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
async function lifetimeOf(token: string, secret: string): Promise<number> {
  const { payload } = await jwtVerify(token, deriveUserTokenKeys(secret).publicKey);
  return payload.exp! - payload.iat!;
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

describe('issueUserToken', () => {
  it('signs an EdDSA JWT that verifies against the derived public key', async () => {
    const credentials = newCredentials();
    const now = Date.UTC(2026, 0, 1, 12, 0, 0, 750);
    const token = await issueUserToken(credentials, 'alice@example.com', { now: () => now });

    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', typ: 'JWT' });
    const { publicKey } = deriveUserTokenKeys(credentials.apiSecret);
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: ['EdDSA'],
      currentDate: new Date(now),
    });
    const iat = Math.floor(now / 1000);
    expect(payload).toEqual({
      sub: 'alice@example.com',
      iss: credentials.apiKey,
      iat,
      exp: iat + 86_400,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    });
  });

  it('gives every token its own jti', async () => {
    const credentials = newCredentials();
    const decode = async (token: string) =>
      (await jwtVerify(token, deriveUserTokenKeys(credentials.apiSecret).publicKey)).payload.jti;
    const [a, b] = await Promise.all([
      issueUserToken(credentials, 'alice'),
      issueUserToken(credentials, 'alice'),
    ]);
    expect(await decode(a)).not.toBe(await decode(b));
  });

  it('makes a token that another workspace secret cannot verify', async () => {
    const token = await issueUserToken(newCredentials(), 'alice');
    const other = deriveUserTokenKeys(newCredentials().apiSecret).publicKey;
    await expect(jwtVerify(token, other)).rejects.toThrow(/signature/);
  });

  it('issues tokens that expire after their lifetime', async () => {
    const credentials = newCredentials();
    const issuedAt = Date.now() - 120_000;
    const token = await issueUserToken(credentials, 'alice', {
      ttlSeconds: 60,
      now: () => issuedAt,
    });
    const { publicKey } = deriveUserTokenKeys(credentials.apiSecret);
    await expect(jwtVerify(token, publicKey)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });

  it('lives 24 hours by default', async () => {
    vi.stubEnv('CARIOS_JWT_TTL_HOURS', undefined);
    const credentials = newCredentials();
    const token = await issueUserToken(credentials, 'alice');
    expect(await lifetimeOf(token, credentials.apiSecret)).toBe(86_400);
  });

  it('caps the lifetime at CARIOS_JWT_TTL_HOURS, as the server does, decimals allowed', async () => {
    const credentials = newCredentials();
    const lifetime = async (options?: { ttlSeconds: number }) =>
      lifetimeOf(await issueUserToken(credentials, 'a', options), credentials.apiSecret);
    vi.stubEnv('CARIOS_JWT_TTL_HOURS', '2');
    expect(await lifetime()).toBe(7_200);
    expect(await lifetime({ ttlSeconds: 900 })).toBe(900);
    expect(await lifetime({ ttlSeconds: 3 * 3600 })).toBe(7_200);
    vi.stubEnv('CARIOS_JWT_TTL_HOURS', '0.25');
    expect(await lifetime()).toBe(900);
    // A cap above the default leaves the default alone: it is a cap, not a default.
    vi.stubEnv('CARIOS_JWT_TTL_HOURS', '1000');
    expect(await lifetime()).toBe(86_400);
    expect(await lifetime({ ttlSeconds: 30 * 86_400 })).toBe(30 * 86_400);
  });

  it('ignores a CARIOS_JWT_TTL_HOURS that is not a positive number', () => {
    for (const value of ['', 'abc', '0', '-3', 'Infinity']) {
      vi.stubEnv('CARIOS_JWT_TTL_HOURS', value);
      expect(resolveTtlSeconds(undefined)).toBe(86_400);
    }
  });

  it('rejects a lifetime that is not a whole number of seconds up to 30 days', async () => {
    const credentials = newCredentials();
    for (const ttlSeconds of [0, -60, 1.5, Number.NaN, 30 * 86_400 + 1, '60']) {
      const error = await rejectionOf(
        issueUserToken(credentials, 'alice', { ttlSeconds: ttlSeconds as number }),
      );
      expect(error.message).toMatch(/ttlSeconds/);
      expect(error.message).not.toContain(credentials.apiSecret);
    }
    const longest = await issueUserToken(credentials, 'alice', { ttlSeconds: 30 * 86_400 });
    expect(await lifetimeOf(longest, credentials.apiSecret)).toBe(30 * 86_400);
  });

  it('rejects user ids outside 1–128 characters of [A-Za-z0-9_.@-]', async () => {
    const credentials = newCredentials();
    for (const userId of ['', 'has space', 'ünïcode', 'a'.repeat(129), 42]) {
      const error = await rejectionOf(issueUserToken(credentials, userId as string));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/^userId/);
      expect(error.message).not.toContain(credentials.apiSecret);
    }
  });

  it('rejects malformed or mismatched credentials without echoing the secret', async () => {
    const good = newCredentials();
    const live = newCredentials('live');
    const cases = [
      { apiKey: good.apiKey, apiSecret: good.apiSecret.slice(0, -1) },
      { apiKey: good.apiKey, apiSecret: ` ${good.apiSecret}` },
      { apiKey: good.apiSecret, apiSecret: good.apiSecret },
      { apiKey: good.apiKey, apiSecret: live.apiSecret },
    ];
    for (const credentials of cases) {
      const error = await rejectionOf(issueUserToken(credentials, 'alice'));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).not.toContain(good.apiSecret.slice(8));
      expect(error.message).not.toContain(live.apiSecret.slice(8));
    }
  });

  it('makes no network call', async () => {
    const fetch = vi.fn(() => {
      throw new Error('network used');
    });
    vi.stubGlobal('fetch', fetch);
    const token = await issueUserToken(newCredentials(), 'alice');
    expect(token.split('.')).toHaveLength(3);
    expect(fetch).not.toHaveBeenCalled();
  });
});
