import { buildOpenApiDocument, type OpenApiDocument } from '@cariosan/protocol/openapi';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { REFERENCE_CSP, renderReferencePage } from './reference-page';

/**
 * `GET /v1/openapi.json` (the OpenAPI 3.1 document generated from `@cariosan/protocol`) and
 * `GET /v1/reference` (a self-contained HTML reference of it: no CDN, the server may be
 * offline). Both are public: they describe the API, never a workspace.
 *
 * @example
 * v1.route('/', openApiRoutes());
 * // curl localhost:8080/v1/openapi.json | jq '.paths | keys'
 */
export function openApiRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  // Built on first use, then shared: the document only changes with a new release.
  let document: OpenApiDocument | undefined;
  let page: string | undefined;
  const getDocument = () => {
    document ??= buildOpenApiDocument();
    return document;
  };

  routes.get('/openapi.json', (c) => {
    const servers = [{ url: originOf(c.req.url, c.req.header()) }];
    return c.json({ ...getDocument(), servers }, 200, {
      'cache-control': 'public, max-age=300',
      'access-control-allow-origin': '*',
    });
  });
  routes.get('/reference', (c) => {
    page ??= renderReferencePage(getDocument());
    return c.html(page, 200, {
      'cache-control': 'public, max-age=300',
      'content-security-policy': REFERENCE_CSP,
      'x-content-type-options': 'nosniff',
    });
  });
  return routes;
}

const SAFE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The origin clients reach this server at. Behind a TLS-terminating proxy the request URL
 * says `http://internal:8080`, so `X-Forwarded-Proto`/`-Host` win when well-formed; a bad
 * value falls back rather than ending up in the document.
 */
function originOf(url: string, headers: Record<string, string>): string {
  const own = new URL(url);
  const proto = headers['x-forwarded-proto']?.split(',')[0]?.trim();
  const host = headers['x-forwarded-host']?.split(',')[0]?.trim();
  const scheme = proto === 'http' || proto === 'https' ? proto : own.protocol.slice(0, -1);
  return `${scheme}://${host && SAFE_HOST.test(host) ? host : own.host}`;
}
