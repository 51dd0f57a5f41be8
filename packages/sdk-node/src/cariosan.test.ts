import { randomInt } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { format, inspect } from 'node:util';
import { CREDENTIAL_ALPHABET } from '@cariosan/protocol';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { Cariosan } from './cariosan';
import { deriveUserTokenKeys } from './keys';

function randomBase62(length: number): string {
  return Array.from({ length }, () => CREDENTIAL_ALPHABET[randomInt(62)]).join('');
}
const apiKey = `pk_live_${randomBase62(24)}`;
const apiSecret = `sk_live_${randomBase62(43)}`;
const throwingFetch: typeof fetch = () => {
  throw new Error('network used');
};

describe('Cariosan', () => {
  it('never reveals the secret through JSON, inspect, console.log formatting or keys', () => {
    const cariosan = new Cariosan({ apiKey, apiSecret, fetch: throwingFetch });
    const views = [
      JSON.stringify(cariosan),
      inspect(cariosan, { showHidden: true, depth: Number.POSITIVE_INFINITY, getters: true }),
      format('%o', cariosan),
      format('%s %O', cariosan, cariosan),
      String(cariosan),
      JSON.stringify({ ...cariosan }),
      Object.getOwnPropertyNames(cariosan).join(','),
    ];
    for (const view of views) expect(view).not.toContain(apiSecret);
    expect(JSON.parse(JSON.stringify(cariosan))).toEqual({
      apiKey,
      baseUrl: 'http://localhost:8080',
    });
    expect(inspect(cariosan)).toContain(apiKey);
  });

  it('issues user tokens locally, without calling fetch', async () => {
    const cariosan = new Cariosan({ apiKey, apiSecret, fetch: throwingFetch });
    const token = await cariosan.issueUserToken('alice', { ttlSeconds: 600 });
    const { payload } = await jwtVerify(token, deriveUserTokenKeys(apiSecret).publicKey, {
      algorithms: ['EdDSA'],
    });
    expect(payload).toMatchObject({ sub: 'alice', iss: apiKey });
    expect(payload.exp! - payload.iat!).toBe(600);
  });

  it('rejects malformed credentials in the constructor without echoing them', () => {
    const short = apiSecret.slice(0, -2);
    const cases = [
      { apiKey, apiSecret: short },
      { apiKey: apiSecret, apiSecret },
      { apiKey, apiSecret: `sk_test_${apiSecret.slice(8)}` },
    ];
    for (const options of cases) {
      let message = '';
      try {
        new Cariosan(options);
      } catch (error) {
        expect(error).toBeInstanceOf(TypeError);
        message = (error as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(apiSecret.slice(8, -2));
    }
  });

  it('passes requests through with the server key pair', async () => {
    let authorization: string | undefined;
    const server = createServer((req, res) => {
      authorization = req.headers.authorization;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"users":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const cariosan = new Cariosan({ apiKey, apiSecret, baseUrl: `http://127.0.0.1:${port}` });
      expect(await cariosan.request('GET', '/v1/users')).toEqual({ users: [] });
      expect(authorization).toBe(`Bearer ${apiKey}:${apiSecret}`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
