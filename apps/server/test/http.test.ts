import { ErrorBody } from '@cariosan/protocol';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connectionFrom, createTestServer, type TestServer } from './support/test-server';

let server: TestServer;

beforeAll(async () => {
  server = await createTestServer({ CARIOSAN_RATE_LIMIT: '5' });
});
afterAll(async () => {
  await server?.close();
});

async function errorOf(response: Response) {
  const body = (await response.json()) as ErrorBody;
  expect(v.is(ErrorBody, body)).toBe(true);
  expect(body.error.request_id).toBe(response.headers.get('x-request-id'));
  return body.error;
}

describe('HTTP basics', () => {
  it('answers /healthz and /readyz while the database is migrated and reachable', async () => {
    expect(await (await server.app.request('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await server.app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('answers an unknown route with 404 in SPEC error shape', async () => {
    const response = await server.app.request('/nope');
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ code: 'not_found' });
  });

  it('answers unknown /v1 paths 404 and known paths with another method 405 with Allow, before authentication', async () => {
    for (const path of ['/v1/nope', '/v1/users/alice/nope', '/v1/channels/x/messages/y/z/w']) {
      const response = await server.app.request(path);
      expect(response.status).toBe(404);
      expect(await errorOf(response)).toMatchObject({ code: 'not_found' });
    }
    const put = await server.app.request('/v1/openapi.json', { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD');
    expect(await errorOf(put)).toMatchObject({ code: 'method_not_allowed' });
    const post = await server.app.request('/v1/users/alice', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('DELETE, GET, HEAD, PUT');
    const plainWs = await server.app.request('/v1/ws');
    expect(plainWs.status).toBe(400);
    expect((await errorOf(plainWs)).message).toMatch(/WebSocket/);
    // A known path and method still needs credentials.
    expect((await server.app.request('/v1/users/alice')).status).toBe(401);
  });

  it('marks authenticated answers, refusals included, Cache-Control: no-store', async () => {
    const refused = await server.app.request('/v1/workspace');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    const credentials = await server.createWorkspace();
    const ok = await server.app.request(
      '/v1/workspace',
      { headers: { authorization: bearer(credentials) } },
      connectionFrom('10.9.0.1'),
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
  });

  it('gives every response a request id, keeping a sane incoming one and replacing an unsafe one', async () => {
    const own = await server.app.request('/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(own.headers.get('x-request-id')).toBe('abc-123');
    const unsafe = await server.app.request('/healthz', {
      headers: { 'x-request-id': 'a b<script>' },
    });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^req_[0-9A-Z]{26}$/);
  });

  it('refuses a body over the limit with 413 before authenticating', async () => {
    const response = await server.app.request(
      '/v1/channels',
      {
        method: 'POST',
        body: 'x'.repeat(1024 * 1024 + 1),
        headers: { 'content-type': 'application/json' },
      },
      connectionFrom('10.9.9.9'),
    );
    expect(response.status).toBe(413);
    expect(await errorOf(response)).toMatchObject({ code: 'payload_too_large' });
  });

  it('rate-limits each workspace separately with 429, Retry-After and X-RateLimit headers', async () => {
    const a = await server.createWorkspace({ name: 'A' });
    const b = await server.createWorkspace({ name: 'B' });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 8; i++) {
      last = await server.whoami(bearer(a));
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses).toContain(429);
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(last!.headers.get('x-ratelimit-limit')).toBe('5');
    expect(last!.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(await errorOf(last!)).toMatchObject({ code: 'rate_limited' });
    const other = await server.whoami(bearer(b));
    expect(other.status).toBe(200);
    expect(other.headers.get('x-ratelimit-remaining')).toBe('4');
  });
});

describe('JSON bodies', () => {
  const post = (body: string, type = 'application/json') =>
    server.control.request('/workspaces', {
      method: 'POST',
      body,
      headers: { 'content-type': type },
    });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const response = await post('{"name": "x",');
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe('invalid_json');
  });

  it('answers a body of the wrong content type with 415', async () => {
    const response = await post('name=x', 'application/x-www-form-urlencoded');
    expect(response.status).toBe(415);
    expect((await errorOf(response)).code).toBe('unsupported_media_type');
  });

  it('answers a schema violation with 400 naming the field', async () => {
    for (const [body, field] of [
      [{ name: 42 }, 'name'],
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(201) }, 'name'],
      [{ name: 'ok', test: 'yes' }, 'test'],
      [{ name: 'ok', external_id: 'has spaces' }, 'external_id'],
    ] as const) {
      const response = await post(JSON.stringify(body));
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatchObject({ code: 'invalid_request', field });
    }
    const unknown = await post(JSON.stringify({ name: 'ok', admin: true }));
    expect(unknown.status).toBe(400);
  });
});

describe('/metrics', () => {
  it('exposes request counts and durations by route pattern in Prometheus format, without tenant ids', async () => {
    const ws = await server.createWorkspace({ name: 'Metrics' });
    await server.whoami(bearer(ws));
    await server.app.request('/healthz');
    const response = await server.app.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toMatch(
      /http_requests_total\{method="GET",route="\/v1\/workspace",status="200"\} \d+/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{method="GET",route="\/healthz",le="\+Inf"\} \d+/,
    );
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
    expect(text).not.toContain(ws.workspace_id);
    expect(text).not.toContain(ws.api_key);
  });
});
