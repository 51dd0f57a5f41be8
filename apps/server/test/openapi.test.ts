import { ROUTES, type RouteSpec } from '@cariosan/protocol';
import type { OpenApiDocument } from '@cariosan/protocol/openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_CSP } from '../src/http/routes/reference-page';
import { createTestServer, type TestServer } from './support/test-server';

let server: TestServer;
const routes = Object.values(ROUTES) as RouteSpec[];

beforeAll(async () => {
  server = await createTestServer();
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
