import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { requiredKeys } from './json-schema';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi';
import { PATH_PARAMS, ROUTES, type RouteSpec } from './routes';

const doc = buildOpenApiDocument({ serverUrl: 'https://chat.example.com', version: '9.9.9' });
const routes = Object.values(ROUTES) as RouteSpec[];
const openApiPath = (path: string) => path.replace(/:([a-z_]+)/g, '{$1}');
const operationOf = (route: RouteSpec) =>
  doc.paths[openApiPath(route.path)]?.[route.method.toLowerCase() as 'get'];

/** Follows a local JSON pointer such as `#/components/schemas/User`. */
function resolve(document: unknown, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
}

function refsIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) refsIn(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else refsIn(value, found);
    }
  }
  return found;
}

describe('buildOpenApiDocument', () => {
  it('is a valid OpenAPI 3.1 document according to the official schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as never);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // The validator is not vacuous: a broken document fails.
    const broken = structuredClone(doc) as unknown as Record<string, unknown>;
    delete broken.info;
    expect((await new Validator().validate(broken as never)).valid).toBe(false);
  });

  it('describes every route with its method, path, operationId, status and auth', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('9.9.9');
    expect(doc.servers).toEqual([{ url: 'https://chat.example.com' }]);
    const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
    expect(operations).toHaveLength(routes.length);
    for (const route of routes) {
      const operation = operationOf(route);
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation!.operationId).toBe(route.operationId);
      expect(operation!.summary).toBe(route.summary);
      expect(Object.keys(operation!.responses)).toContain(String(route.status));
      const schemes = operation!.security.flatMap(Object.keys);
      expect(schemes).toEqual(route.auth === 'server' ? ['serverKey'] : ['serverKey', 'userToken']);
      expect(operation!.tags).toHaveLength(1);
      expect(doc.tags.map((t) => t.name)).toContain(operation!.tags[0]);
    }
  });

  it('resolves every $ref', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(50);
    for (const ref of new Set(refs)) expect(resolve(doc, ref), ref).toBeDefined();
  });

  it('requires exactly the keys each request body requires', () => {
    for (const route of routes.filter((r) => r.body)) {
      const ref = (
        operationOf(route)!.requestBody!.content['application/json'].schema as { $ref: string }
      ).$ref;
      const schema = resolve(doc, ref) as { required?: string[]; properties: object };
      expect(schema.required ?? [], route.operationId).toEqual(requiredKeys(route.body!));
      expect(Object.keys(schema.properties)).toEqual(
        Object.keys((route.body as unknown as { entries: object }).entries),
      );
    }
    // Spot checks that the comparison above is not vacuous.
    expect(requiredKeys(ROUTES.markRead.body)).toEqual(['seq']);
    expect(requiredKeys(ROUTES.createChannel.body)).toEqual(['type']);
    expect(requiredKeys(ROUTES.addReaction.body)).toEqual(['type']);
  });

  it('declares path parameters once and uses them in every templated path', () => {
    expect(Object.keys(doc.components.parameters).sort()).toEqual(Object.keys(PATH_PARAMS).sort());
    for (const route of routes) {
      const names = [...route.path.matchAll(/:([a-z_]+)/g)].map((m) => m[1]);
      const refs = operationOf(route)!.parameters.filter((p) => '$ref' in p);
      expect(refs.map((p) => (p as { $ref: string }).$ref.split('/').pop())).toEqual(names);
    }
  });

  it('renders query strings in their wire form: strings with patterns and defaults', () => {
    const params = operationOf(ROUTES.listMessages)!.parameters.filter((p) => 'name' in p);
    const byName = Object.fromEntries(params.map((p) => [p.name, p]));
    expect(Object.keys(byName)).toEqual(['before', 'after', 'limit', 'user_id']);
    expect(byName.limit!.schema).toMatchObject({
      type: 'string',
      pattern: '^\\d{1,3}$',
      default: '50',
    });
    expect(byName.before!.schema).toMatchObject({ type: 'string', pattern: '^\\d{1,15}$' });
  });

  it('keeps unconvertible checks as descriptions and references shared schemas', () => {
    const schemas = doc.components.schemas as Record<string, Record<string, unknown>>;
    expect(schemas.SendMessageBody!.description).toBe('A message needs text or attachments');
    expect(JSON.stringify(schemas.CustomData)).toContain('8192 bytes');
    expect(JSON.stringify(schemas.MessagePage)).toContain('"#/components/schemas/Message"');
    expect(JSON.stringify(schemas.ChannelList)).toContain('"#/components/schemas/ChannelListItem"');
  });

  it('answers errors with ErrorBody, and 429 with Retry-After', () => {
    const responses = doc.components.responses as Record<string, Record<string, unknown>>;
    expect(Object.keys(responses)).toEqual([
      'BadRequest',
      'Unauthorized',
      'Forbidden',
      'NotFound',
      'Conflict',
      'PayloadTooLarge',
      'RateLimited',
    ]);
    expect(responses.RateLimited!.headers).toHaveProperty('Retry-After');
    const send = operationOf(ROUTES.sendMessage)!;
    expect(Object.keys(send.responses)).toEqual([
      '201',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '429',
    ]);
    expect(Object.keys(operationOf(ROUTES.getUser)!.responses)).not.toContain('413');
  });

  it('defaults to a relative server URL and is plain JSON', () => {
    const plain: OpenApiDocument = buildOpenApiDocument();
    expect(plain.servers).toEqual([{ url: '/' }]);
    expect(JSON.parse(JSON.stringify(plain))).toEqual(plain);
  });
});
