import type * as v from 'valibot';
import { PROTOCOL_VERSION } from './index';
import { COMPONENT_REF_PREFIX, type JsonSchema, toComponentSchemas } from './json-schema';
import { COMPONENTS, pathParameters, SECURITY_SCHEMES, TAGS, tagOf } from './openapi-components';
import { errorResponses, HEADERS, type OpenApiHeader, responsesOf } from './openapi-responses';
import { ROUTES, type RouteSpec } from './routes';

/**
 * Options of {@link buildOpenApiDocument}.
 *
 * @example
 * const options: OpenApiOptions = { serverUrl: 'https://chat.example.com', version: '0.1.0' };
 */
export interface OpenApiOptions {
  /** The server's origin (paths start with `/v1`); defaults to `/`, relative to the document. */
  serverUrl?: string;
  /** `info.version`; defaults to the wire protocol's version. */
  version?: string;
}

/**
 * An OpenAPI 3.1 document, typed only as far as the generator and its tests need.
 *
 * @example
 * const doc: OpenApiDocument = buildOpenApiDocument();
 * doc.paths['/v1/users/{user_id}']?.put?.operationId; // 'upsertUser'
 */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Partial<Record<Lowercase<RouteSpec['method']>, OpenApiOperation>>>;
  components: {
    schemas: Record<string, JsonSchema>;
    parameters: Record<string, OpenApiParameter>;
    requestBodies: Record<string, OpenApiRequestBody>;
    responses: Record<string, unknown>;
    headers: Record<string, OpenApiHeader>;
    securitySchemes: Record<string, unknown>;
  };
}

/**
 * A JSON request body. Bodies live in `components.requestBodies`, not among the schemas: a
 * field with a default is optional to send, and generators (openapi-typescript) make such a
 * field optional only in a request body, not in a shared schema, which also describes answers.
 */
export interface OpenApiRequestBody {
  required: boolean;
  content: { 'application/json': { schema: JsonSchema } };
}

/** One operation of an {@link OpenApiDocument}. */
export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters: (OpenApiParameter | { $ref: string })[];
  requestBody?: { $ref: string };
  responses: Record<string, unknown>;
}

/** A path or query parameter. */
export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: JsonSchema;
  description?: string;
}

/** What the schemas of query strings do not say. */
const QUERY_NOTES: Record<string, string> = {
  limit: 'Page size, 1–100',
  cursor: '`next_cursor` of the previous page',
  before: 'Messages with a smaller seq (the newest page when neither before nor after is given)',
  after: 'Messages with a larger seq',
  user_id: 'Server callers: act as this user',
};

const AUTH_NOTE = {
  server: 'Auth: the server key pair only.',
  any: 'Auth: the server key pair (acting as `user_id` where given) or a user JWT.',
} as const;

/**
 * Builds the OpenAPI 3.1 description of every route in {@link ROUTES} from the protocol's
 * valibot schemas: the same schemas the server validates with and the SDK types come from.
 *
 * @example
 * const doc = buildOpenApiDocument({ serverUrl: 'https://chat.example.com' });
 * await writeFile('openapi.json', JSON.stringify(doc, null, 2));
 */
export function buildOpenApiDocument(options: OpenApiOptions = {}): OpenApiDocument {
  const routes = Object.values(ROUTES) as RouteSpec[];
  const named = new Map<v.GenericSchema, string>(
    Object.entries(COMPONENTS).map(([name, schema]) => [schema as v.GenericSchema, name]),
  );
  // Every body and response becomes a component; one not named above gets a derived name,
  // so a new route can never drop out of the document.
  const definitions: Record<string, v.GenericSchema> = { ...COMPONENTS };
  const nameOf = (schema: v.GenericSchema, fallback: string) => {
    const known = named.get(schema);
    if (known) return known;
    named.set(schema, fallback);
    definitions[fallback] = schema;
    return fallback;
  };
  const queries = new Map<v.GenericSchema, string>();
  const bodies = new Set<string>();
  for (const route of routes) {
    if (route.body) bodies.add(nameOf(route.body, `${pascal(route.operationId)}Body`));
    nameOf(route.response, `${pascal(route.operationId)}Response`);
    if (route.query && !queries.has(route.query)) {
      const key = `${pascal(route.operationId)}Query`;
      queries.set(route.query, key);
      definitions[key] = route.query;
    }
  }
  const schemas = toComponentSchemas(definitions, { queries: new Set(queries.keys()) });
  // Queries are spelled out as parameters, bodies as request bodies, not kept as schemas.
  const queryParams = new Map<v.GenericSchema, OpenApiParameter[]>();
  for (const [schema, key] of queries) {
    queryParams.set(schema, toQueryParameters(schemas[key]!));
    delete schemas[key];
  }
  const requestBodies: Record<string, OpenApiRequestBody> = {};
  for (const name of bodies) {
    requestBodies[name] = {
      required: true,
      content: { 'application/json': { schema: schemas[name]! } },
    };
    delete schemas[name];
  }

  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const pathParams = [...route.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]!);
    const ref = (schema: v.GenericSchema) => ({
      $ref: `${COMPONENT_REF_PREFIX}${named.get(schema)}`,
    });
    const content = { 'application/json': { schema: ref(route.response) } };
    const operation: OpenApiOperation = {
      operationId: route.operationId,
      summary: route.summary,
      description: AUTH_NOTE[route.auth],
      tags: [tagOf(route.path)],
      security:
        route.auth === 'server' ? [{ serverKey: [] }] : [{ serverKey: [] }, { userToken: [] }],
      parameters: [
        ...pathParams.map((name) => ({ $ref: `#/components/parameters/${name}` })),
        ...(route.query ? (queryParams.get(route.query) ?? []) : []),
      ],
      ...(route.body
        ? { requestBody: { $ref: `#/components/requestBodies/${named.get(route.body)}` } }
        : {}),
      responses: responsesOf(route, content),
    };
    paths[path] ??= {};
    paths[path][route.method.toLowerCase() as Lowercase<RouteSpec['method']>] = operation;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Cariosan API',
      version: options.version ?? String(PROTOCOL_VERSION),
      description:
        'REST API of Cariosan, the self-hostable multi-tenant chat backend. Errors always look like ' +
        '`{"error":{"code":"not_found","message":"…","request_id":"…"}}` (400s add `field`). Every ' +
        'answer carries `X-Request-Id`; with rate limiting on, `X-RateLimit-Limit` and ' +
        '`X-RateLimit-Remaining`, and a 429 `Retry-After`. Lists use cursor pagination.',
    },
    servers: [{ url: options.serverUrl ?? '/' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas,
      parameters: pathParameters(),
      requestBodies,
      responses: errorResponses(),
      headers: HEADERS,
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}

function toQueryParameters(schema: JsonSchema): OpenApiParameter[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set(schema.required ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: 'query' as const,
    required: required.has(name),
    schema: property,
    ...(QUERY_NOTES[name] ? { description: QUERY_NOTES[name] } : {}),
  }));
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
