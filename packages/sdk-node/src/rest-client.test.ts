import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CREDENTIAL_ALPHABET } from '@cariosan/protocol';
import * as v from 'valibot';
import { afterEach, describe, expect, it } from 'vitest';
import { CariosanError, isCariosanError } from './errors';
import { createRestClient } from './rest-client';

function randomBase62(length: number): string {
  return Array.from({ length }, () => CREDENTIAL_ALPHABET[randomInt(62)]).join('');
}
const apiKey = `pk_test_${randomBase62(24)}`;
const apiSecret = `sk_test_${randomBase62(43)}`;

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

/** A real HTTP server on an ephemeral port that records what it received. */
async function serve(handler: Handler): Promise<{ baseUrl: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, seen };
}

function json(res: ServerResponse, status: number, body: unknown, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function rejectionOf(promise: Promise<unknown>): Promise<CariosanError> {
  try {
    await promise;
  } catch (error) {
    return error as CariosanError;
  }
  throw new Error('expected a rejection');
}

describe('createRestClient', () => {
  it('sends the key pair, a JSON body and the query, and returns the parsed body', async () => {
    const { baseUrl, seen } = await serve((_req, res) => json(res, 200, { id: 'alice' }));
    const rest = createRestClient({ baseUrl: `${baseUrl}/chat`, apiKey, apiSecret });

    const user = await rest.request('PUT', '/v1/users/alice', {
      body: { name: 'Alice' },
      query: { limit: 20, tag: ['a', 'b'], skip: undefined },
    });

    expect(user).toEqual({ id: 'alice' });
    expect(seen[0]).toMatchObject({
      method: 'PUT',
      url: '/chat/v1/users/alice?limit=20&tag=a&tag=b',
      body: '{"name":"Alice"}',
    });
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${apiKey}:${apiSecret}`);
    expect(seen[0]!.headers['content-type']).toBe('application/json');
  });

  it('validates the response with the given schema', async () => {
    const { baseUrl } = await serve((_req, res) => json(res, 200, { id: 42 }));
    const rest = createRestClient({ baseUrl, apiKey, apiSecret });
    const User = v.object({ id: v.string() });

    const error = await rejectionOf(rest.request('GET', '/v1/users/alice', { schema: User }));
    expect(error).toMatchObject({ code: 'internal_error', status: 200 });
  });

  it('resolves to undefined on an empty success response', async () => {
    const { baseUrl } = await serve((_req, res) => res.writeHead(204).end());
    const rest = createRestClient({ baseUrl, apiKey, apiSecret });
    expect(await rest.request('DELETE', '/v1/users/alice')).toBeUndefined();
  });

  it('turns a spec error body into a CariosanError with code, status, field and request id', async () => {
    const { baseUrl } = await serve((_req, res) =>
      json(res, 400, {
        error: {
          code: 'invalid_request',
          message: 'name is too long',
          request_id: 'req_123',
          field: 'name',
        },
      }),
    );
    const rest = createRestClient({ baseUrl, apiKey, apiSecret });

    const error = await rejectionOf(rest.request('PUT', '/v1/users/alice', { body: {} }));
    expect(error).toBeInstanceOf(CariosanError);
    expect(isCariosanError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'invalid_request',
      status: 400,
      message: 'name is too long',
      requestId: 'req_123',
      field: 'name',
    });
  });

  it('reads Retry-After on a 429', async () => {
    const { baseUrl } = await serve((_req, res) =>
      json(
        res,
        429,
        { error: { code: 'rate_limited', message: 'slow down', request_id: 'req_9' } },
        { 'retry-after': '3' },
      ),
    );
    const rest = createRestClient({ baseUrl, apiKey, apiSecret });
    const error = await rejectionOf(rest.request('GET', '/v1/channels'));
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, retryAfterSeconds: 3 });
  });

  it('maps a non-JSON error to a CariosanError with the x-request-id header', async () => {
    const { baseUrl } = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html', 'x-request-id': 'req_html' });
      res.end('<h1>oops</h1>');
    });
    const rest = createRestClient({ baseUrl, apiKey, apiSecret });
    const error = await rejectionOf(rest.request('GET', '/v1/channels'));
    expect(error).toMatchObject({ code: 'internal_error', status: 500, requestId: 'req_html' });
  });

  it('maps a proxy 502 to service_unavailable', async () => {
    const { baseUrl } = await serve((_req, res) => res.writeHead(502).end('Bad Gateway'));
    const rest = createRestClient({ baseUrl, apiKey, apiSecret });
    const error = await rejectionOf(rest.request('GET', '/v1/channels'));
    expect(error).toMatchObject({ code: 'service_unavailable', status: 502 });
  });

  it('redacts the secret if a server echoes it in an error message', async () => {
    const { baseUrl } = await serve((req, res) =>
      json(res, 401, {
        error: {
          code: 'unauthorized',
          message: `bad credentials: ${req.headers.authorization}`,
          request_id: 'req_1',
        },
      }),
    );
    const rest = createRestClient({ baseUrl, apiKey, apiSecret });
    const error = await rejectionOf(rest.request('GET', '/v1/users'));
    expect(error.code).toBe('unauthorized');
    expect(error.message).not.toContain(apiSecret);
  });

  it('maps a refused connection to service_unavailable without the secret', async () => {
    const { baseUrl } = await serve(() => {});
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    const rest = createRestClient({ baseUrl, apiKey, apiSecret });

    const error = await rejectionOf(rest.request('GET', '/v1/users'));
    expect(error).toBeInstanceOf(CariosanError);
    expect(error).toMatchObject({ code: 'service_unavailable', status: 503 });
    expect(error.message).toMatch(/ECONNREFUSED|fetch failed/);
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(apiSecret);
  });

  it('gives up after timeoutMs with service_unavailable', async () => {
    const { baseUrl } = await serve(() => {});
    const rest = createRestClient({ baseUrl, apiKey, apiSecret, timeoutMs: 100 });
    const error = await rejectionOf(rest.request('GET', '/v1/users'));
    expect(error).toMatchObject({ code: 'service_unavailable' });
    expect(error.message).toContain('timed out after 100 ms');
  });

  it('uses the injected fetch', async () => {
    const calls: string[] = [];
    const rest = createRestClient({
      baseUrl: 'https://chat.example.com',
      apiKey,
      apiSecret,
      fetch: async (input) => {
        calls.push(String(input));
        return new Response('{"ok":true}', { status: 200 });
      },
    });
    expect(await rest.request('GET', '/v1/users')).toEqual({ ok: true });
    expect(calls).toEqual(['https://chat.example.com/v1/users']);
  });

  it('rejects a bad base URL or bad credentials up front, without the secret', () => {
    expect(() => createRestClient({ baseUrl: 'localhost:8080', apiKey, apiSecret })).toThrow(
      TypeError,
    );
    expect(() =>
      createRestClient({ baseUrl: 'http://x', apiKey, apiSecret: `${apiSecret}x` }),
    ).toThrow(/^apiSecret must be/);
  });
});
