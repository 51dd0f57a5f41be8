import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { requiredKeys } from './json-schema';
import { buildOpenApiDocument, type OpenApiDocument, type OpenApiRequestBody } from './openapi';
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
      const body = resolve(doc, operationOf(route)!.requestBody!.$ref) as OpenApiRequestBody;
      expect(body.required).toBe(true);
      const schema = body.content['application/json'].schema as {
        required?: string[];
        properties: object;
      };
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

  it('types numeric query strings as the integers they carry, with their bounds', () => {
    const params = operationOf(ROUTES.listMessages)!.parameters.filter((p) => 'name' in p);
    const byName = Object.fromEntries(params.map((p) => [p.name, p]));
    expect(Object.keys(byName)).toEqual(['before', 'after', 'limit', 'user_id']);
    expect(byName.limit!.schema).toEqual({
      type: 'integer',
      minimum: 1,
      maximum: 100,
      default: 50,
    });
    expect(byName.before!.schema).toEqual({
      type: 'integer',
      minimum: 0,
      maximum: 999999999999999,
    });
    expect(byName.user_id!.schema).toMatchObject({ type: 'string' });
    // Every `limit` of every list, not only this one.
    for (const route of routes.filter(
      (r) => r.query && 'limit' in (r.query as never as { entries: object }).entries,
    )) {
      const limit = operationOf(route)!.parameters.find((p) => 'name' in p && p.name === 'limit');
      expect((limit as { schema: object }).schema, route.operationId).toMatchObject({
        type: 'integer',
      });
    }
  });

  it('keeps request bodies apart from schemas: a field with a default is optional, and says so', () => {
    const bodies = doc.components.requestBodies;
    expect(Object.keys(bodies).sort()).toEqual(
      routes
        .filter((r) => r.body)
        .map((r) => `${r.operationId.charAt(0).toUpperCase()}${r.operationId.slice(1)}Body`)
        .sort(),
    );
    for (const name of Object.keys(bodies)) expect(doc.components.schemas).not.toHaveProperty(name);
    const send = bodies.SendMessageBody!.content['application/json'].schema as {
      required?: string[];
      properties: Record<string, { default?: unknown }>;
    };
    expect(send.required).toBeUndefined();
    expect(send.properties.text!.default).toBe('');
    expect(send.properties.attachments!.default).toEqual([]);
  });

  it('keeps unconvertible checks as descriptions and references shared schemas', () => {
    const schemas = doc.components.schemas as Record<string, Record<string, unknown>>;
    const send = doc.components.requestBodies.SendMessageBody!.content['application/json'].schema;
    expect(send.description).toBe('A message needs text or attachments');
    expect(JSON.stringify(schemas.CustomData)).toContain('8192 bytes');
    expect(JSON.stringify(schemas.MessagePage)).toContain('"#/components/schemas/Message"');
    expect(JSON.stringify(schemas.ChannelList)).toContain('"#/components/schemas/ChannelListItem"');
  });

  it('lists every success status a route answers, with when', () => {
    const statuses = (route: RouteSpec) =>
      Object.keys(operationOf(route)!.responses).filter((s) => s.startsWith('2'));
    expect(statuses(ROUTES.upsertUser)).toEqual(['200', '201']);
    expect(statuses(ROUTES.createChannel)).toEqual(['200', '201']);
    expect(statuses(ROUTES.sendMessage)).toEqual(['200', '201']);
    expect(statuses(ROUTES.createWebhook)).toEqual(['201']);
    expect(statuses(ROUTES.getUser)).toEqual(['200']);
    const replay = operationOf(ROUTES.sendMessage)!.responses['200'] as { description: string };
    expect(replay.description).toContain('client_id');
    for (const route of routes) {
      const success = [route.status, ...Object.keys(route.alsoStatus ?? {}).map(Number)];
      expect(statuses(route).map(Number).sort(), route.operationId).toEqual(success.sort());
    }
  });

  it('answers errors with the one ErrorBody, and the headers that matter', () => {
    const responses = doc.components.responses as Record<
      string,
      { headers: Record<string, unknown>; content: unknown }
    >;
    expect(Object.keys(responses)).toEqual([
      'BadRequest',
      'Unauthorized',
      'Forbidden',
      'NotFound',
      'MethodNotAllowed',
      'Conflict',
      'PayloadTooLarge',
      'UnsupportedMediaType',
      'RateLimited',
      'InternalError',
      'ServiceUnavailable',
    ]);
    for (const response of Object.values(responses)) {
      expect(response.content).toEqual({
        'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } },
      });
      expect(response.headers).toHaveProperty('X-Request-Id');
    }
    expect(Object.keys(responses.RateLimited!.headers)).toEqual([
      'X-Request-Id',
      'Retry-After',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
    ]);
    expect(responses.Unauthorized!.headers).toHaveProperty('WWW-Authenticate');
    expect(doc.components.headers['Retry-After']!.required).toBe(true);
    const send = operationOf(ROUTES.sendMessage)!;
    expect(Object.keys(send.responses)).toEqual([
      '200',
      '201',
      '400',
      '401',
      '403',
      '404',
      '405',
      '413',
      '415',
      '429',
      '500',
      '503',
    ]);
    expect(Object.keys(operationOf(ROUTES.getWorkspace)!.responses)).toEqual([
      '200',
      '401',
      '405',
      '429',
      '500',
      '503',
    ]);
    expect(Object.keys(operationOf(ROUTES.getUser)!.responses)).not.toContain('413');
    expect(Object.keys(operationOf(ROUTES.listUsers)!.responses)).not.toContain('404');
  });

  it('says on every operation which methods its path answers (405 with Allow)', () => {
    for (const route of routes) {
      const methods = routes
        .filter((r) => r.path === route.path)
        .flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method]))
        .sort();
      const notAllowed = operationOf(route)!.responses['405'] as {
        description: string;
        headers: Record<string, unknown>;
        content: unknown;
      };
      expect(notAllowed.description, route.operationId).toContain(`Allow: ${methods.join(', ')}`);
      expect(notAllowed.headers).toHaveProperty('Allow');
    }
  });

  it('answers 409 where a route can conflict, saying on what', () => {
    const conflicts = routes
      .filter((r) => '409' in operationOf(r)!.responses)
      .map((r) => r.operationId);
    expect(conflicts).toEqual([
      'createChannel',
      'updateMessage',
      'addReaction',
      'createWebhook',
      'redeliverWebhookDelivery',
    ]);
    const deleted = operationOf(ROUTES.updateMessage)!.responses['409'] as { description: string };
    expect(deleted.description).toBe('The message is deleted');
  });

  it('sends X-Request-Id and the rate limit headers on success', () => {
    for (const route of routes) {
      const ok = operationOf(route)!.responses[String(route.status)] as {
        headers: Record<string, { required?: boolean; $ref?: string }>;
      };
      expect(ok.headers['X-Request-Id']).toEqual({ $ref: '#/components/headers/X-Request-Id' });
      expect(ok.headers['Cache-Control']).toEqual({ $ref: '#/components/headers/Cache-Control' });
      expect(ok.headers['X-RateLimit-Limit']?.required).toBeUndefined();
    }
  });

  it('defaults to a relative server URL and is plain JSON', () => {
    const plain: OpenApiDocument = buildOpenApiDocument();
    expect(plain.servers).toEqual([{ url: '/' }]);
    expect(JSON.parse(JSON.stringify(plain))).toEqual(plain);
  });
});
