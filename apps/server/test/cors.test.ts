import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type LiveServer, startLiveServer } from './support/live-server';

const APP = 'http://localhost:5173';

/** The HTTP status a WebSocket upgrade from `origin` gets (101 when it opens). */
function upgradeStatus(wsUrl: string, origin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, origin ? { origin } : {});
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    ws.once('error', (error) => {
      if (!String(error.message).includes('Unexpected server response')) reject(error);
    });
  });
}

describe('browser origins, by default (CARIOSAN_CORS_ORIGINS=*)', () => {
  let server: LiveServer;
  beforeAll(async () => {
    server = await startLiveServer();
  });
  afterAll(() => server?.close());

  it('answers a preflight for an authenticated call without asking for credentials', async () => {
    const response = await fetch(`${server.url}/v1/channels`, {
      method: 'OPTIONS',
      headers: {
        origin: APP,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
      'authorization',
    );
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('lets a browser read an error answer and its request id', async () => {
    const response = await fetch(`${server.url}/v1/channels`, { headers: { origin: APP } });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
  });

  it('opens sockets from any origin', async () => {
    expect(await upgradeStatus(server.wsUrl, 'https://anywhere.example')).toBe(101);
  });
});

describe('browser origins, restricted (CARIOSAN_CORS_ORIGINS=<list>)', () => {
  let server: LiveServer;
  beforeAll(async () => {
    server = await startLiveServer({ CARIOSAN_CORS_ORIGINS: `${APP},https://chat.example.com` });
  });
  afterAll(() => server?.close());

  it('grants a listed origin and withholds an unlisted one', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/v1/users`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
    expect((await preflight(APP)).headers.get('access-control-allow-origin')).toBe(APP);
    expect(
      (await preflight('https://evil.example')).headers.get('access-control-allow-origin'),
    ).toBeNull();
  });

  it('refuses a socket from an unlisted origin with 403, and opens listed or origin-less ones', async () => {
    expect(await upgradeStatus(server.wsUrl, 'https://evil.example')).toBe(403);
    expect(await upgradeStatus(server.wsUrl, 'https://chat.example.com')).toBe(101);
    // Servers and native apps send no Origin; they still need a token to do anything.
    expect(await upgradeStatus(server.wsUrl)).toBe(101);
  });
});

describe('browser origins, off (CARIOSAN_CORS_ORIGINS=none)', () => {
  let server: LiveServer;
  beforeAll(async () => {
    server = await startLiveServer({ CARIOSAN_CORS_ORIGINS: 'none' });
  });
  afterAll(() => server?.close());

  it('sends no CORS headers and refuses browser sockets', async () => {
    const response = await fetch(`${server.url}/v1/channels`, { headers: { origin: APP } });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await upgradeStatus(server.wsUrl, APP)).toBe(403);
  });
});
