import { Cariosan } from '@cariosan/node';
import { ROUTES, type RouteSpec } from '@cariosan/protocol';
import type { OpenApiDocument, OpenApiOperation } from '@cariosan/protocol/openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_CSP } from '../src/http/routes/reference-page';
import { bearer, connectionFrom, createTestServer, type TestServer } from './support/test-server';

let server: TestServer;
const routes = Object.values(ROUTES) as RouteSpec[];
/** Requests per second per workspace: more than one probe series sends, so only a loop hits it. */
const RATE_LIMIT = 25;

beforeAll(async () => {
  server = await createTestServer({ CARIOSAN_RATE_LIMIT: String(RATE_LIMIT) });
});
afterAll(async () => {
  await server?.close();
});

describe('GET /v1/openapi.json', () => {
  it('serves the document without credentials, every route in it, with this origin as server', async () => {
    const response = await server.app.request('http://chat.test:8080/v1/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const doc = (await response.json()) as OpenApiDocument;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: 'http://chat.test:8080' }]);
    for (const route of routes) {
      const path = route.path.replace(/:([a-z_]+)/g, '{$1}');
      const operation = doc.paths[path]?.[route.method.toLowerCase() as 'get'];
      expect(operation?.operationId, `${route.method} ${route.path}`).toBe(route.operationId);
    }
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['serverKey', 'userToken']);
  });

  it('names the public origin behind a TLS proxy, ignoring a malformed forwarded host', async () => {
    const proxied = await server.app.request('http://10.0.0.5:8080/v1/openapi.json', {
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'chat.example.com' },
    });
    expect(((await proxied.json()) as OpenApiDocument).servers).toEqual([
      { url: 'https://chat.example.com' },
    ]);
    const spoofed = await server.app.request('http://10.0.0.5:8080/v1/openapi.json', {
      headers: { 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'evil"/><script>' },
    });
    expect(((await spoofed.json()) as OpenApiDocument).servers).toEqual([
      { url: 'http://10.0.0.5:8080' },
    ]);
  });

  it('is the same document on every request (built once)', async () => {
    const a = await (await server.app.request('/v1/openapi.json')).json();
    const b = await (await server.app.request('/v1/openapi.json')).json();
    expect(b).toEqual(a);
  });

  it('leaves the rest of /v1 behind authentication', async () => {
    const response = await server.app.request('/v1/channels');
    expect(response.status).toBe(401);
  });
});

describe('GET /v1/reference', () => {
  it('serves a self-contained HTML page naming every operation', async () => {
    const response = await server.app.request('/v1/reference');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toBe(REFERENCE_CSP);
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/);
    for (const route of routes) {
      expect(html).toContain(route.operationId);
      expect(html).toContain(route.path.replace(/:([a-z_]+)/g, '{$1}'));
    }
    // Offline-capable: nothing is loaded from elsewhere.
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain("fetch('openapi.json')");
    expect(html.length).toBeLessThan(40_000);
  });
});

/** Follows a local `$ref` such as `#/components/responses/NotFound`. */
function resolve<T>(doc: OpenApiDocument, node: unknown): T {
  const ref = (node as { $ref?: string }).$ref;
  if (!ref) return node as T;
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], doc) as T;
}

describe('the server answers what /v1/openapi.json says', () => {
  let doc: OpenApiDocument;
  beforeAll(async () => {
    doc = (await (await server.app.request('/v1/openapi.json')).json()) as OpenApiDocument;
  });

  /** The documented operation of a concrete request, by matching the path templates. */
  function operationOf(method: string, path: string): OpenApiOperation {
    const [template] = Object.keys(doc.paths).filter((t) =>
      new RegExp(`^${t.replace(/\{[a-z_]+\}/g, '[^/]+')}$`).test(path.split('?')[0]!),
    );
    const operation = doc.paths[template!]?.[method.toLowerCase() as 'get'];
    expect(operation, `${method} ${path}`).toBeDefined();
    return operation!;
  }

  /** Asserts the answer's status is documented for its operation, with its required headers. */
  function expectDocumented(method: string, path: string, response: Response) {
    const responses = operationOf(method, path).responses;
    const label = `${method} ${path} → ${response.status}`;
    expect(Object.keys(responses), label).toContain(String(response.status));
    const documented = resolve<{ headers?: Record<string, unknown> }>(
      doc,
      responses[String(response.status)],
    );
    for (const [name, header] of Object.entries(documented.headers ?? {})) {
      if (resolve<{ required?: boolean }>(doc, header).required) {
        expect(response.headers.get(name), `${label}: ${name}`).toBeTruthy();
      }
    }
    if (response.ok) {
      // Rate limiting is on in this server: every authenticated success says where it stands.
      expect(response.headers.get('x-ratelimit-limit'), label).toBe(String(RATE_LIMIT));
      expect(response.headers.get('x-ratelimit-remaining'), label).toMatch(/^\d+$/);
    }
  }

  async function workspaceCaller() {
    const ws = await server.createWorkspace();
    const send = async (
      method: string,
      path: string,
      init: { body?: string; type?: string; auth?: string } = {},
    ) => {
      const response = await server.app.request(
        path,
        {
          method,
          headers: {
            authorization: init.auth ?? bearer(ws),
            ...(init.body === undefined ? {} : { 'content-type': init.type ?? 'application/json' }),
          },
          ...(init.body === undefined ? {} : { body: init.body }),
        },
        connectionFrom('10.56.0.1'),
      );
      expectDocumented(method, path, response);
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as unknown };
    };
    return { ws, send };
  }

  it('documents each status and header of a series of real calls', async () => {
    const { ws, send } = await workspaceCaller();
    const json = (body: unknown) => ({ body: JSON.stringify(body) });
    expect((await send('PUT', '/v1/users/alice', json({ name: 'Alice' }))).status).toBe(201);
    expect((await send('PUT', '/v1/users/alice', json({ name: 'Al' }))).status).toBe(200);
    expect((await send('PUT', '/v1/users/bob', json({}))).status).toBe(201);
    const dm = { type: 'dm', members: ['alice', 'bob'], user_id: 'alice' };
    const created = await send('POST', '/v1/channels', json(dm));
    expect(created.status).toBe(201);
    const channel = (created.body as { channel: { id: string } }).channel.id;
    expect((await send('POST', '/v1/channels', json(dm))).status).toBe(200);
    const messages = `/v1/channels/${channel}/messages`;
    const message = { text: 'hi', client_id: 'c1', user_id: 'alice' };
    const sent = await send('POST', messages, json(message));
    expect(sent.status).toBe(201);
    const messageId = (sent.body as { id: string }).id;
    expect((await send('POST', messages, json(message))).status).toBe(200);
    expect((await send('GET', `${messages}?limit=2&before=9`)).status).toBe(200);

    const bad = await send('GET', `${messages}?limit=many`);
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { field?: string } }).error.field).toBe('limit');
    expect((await send('POST', messages, { body: 'text=hi', type: 'text/plain' })).status).toBe(
      415,
    );
    expect((await send('POST', messages, json({ text: 'x'.repeat(2 * 1024 * 1024) }))).status).toBe(
      413,
    );
    expect((await send('GET', '/v1/workspace', { auth: 'Bearer nope' })).status).toBe(401);
    const token = await new Cariosan({
      apiKey: ws.api_key,
      apiSecret: ws.api_secret,
    }).issueUserToken('bob');
    expect((await send('GET', '/v1/users', { auth: `Bearer ${token}` })).status).toBe(403);
    expect((await send('GET', '/v1/users/nobody')).status).toBe(404);
    expect((await send('DELETE', `${messages}/${messageId}?user_id=alice`)).status).toBe(200);
    const edit = json({ text: 'again', user_id: 'alice' });
    expect((await send('PATCH', `${messages}/${messageId}`, edit)).status).toBe(409);
  });

  it('answers another method on every path with the 405 and Allow its operations document', async () => {
    const verbs = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
    for (const [template, item] of Object.entries(doc.paths)) {
      const wrong = verbs.find((verb) => !(verb.toLowerCase() in item))!;
      const path = template.replace(/\{[a-z_]+\}/g, 'x1');
      const response = await server.app.request(path, { method: wrong });
      expect(response.status, `${wrong} ${path}`).toBe(405);
      for (const operation of Object.values(item)) {
        const documented = (operation.responses['405'] as { description: string }).description;
        expect(documented).toContain(`\`Allow: ${response.headers.get('allow')}\``);
      }
      expect(response.headers.get('x-request-id')).toBeTruthy();
    }
  });

  it('documents the 429 of the rate limit, with Retry-After', async () => {
    const { send } = await workspaceCaller();
    let status = 200;
    // The bucket holds one second of requests; a tight loop empties it long before 20 × that.
    for (let i = 0; i < RATE_LIMIT * 20 && status !== 429; i++) {
      status = (await send('GET', '/v1/workspace')).status;
    }
    expect(status).toBe(429);
  });
});
