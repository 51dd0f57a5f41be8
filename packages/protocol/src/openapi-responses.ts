import type * as v from 'valibot';
import { COMPONENT_REF_PREFIX, type JsonSchema } from './json-schema';
import { ROUTES, type RouteName, type RouteSpec, type SuccessStatus } from './routes';

// What the server answers, status by status, with the headers that matter: `openapi.ts` puts
// these in every operation. The rules follow the server: bodies are read as JSON objects
// (400, 413, 415), every `/v1` route is authenticated (401) and rate limited (429), ids in
// paths and `user_id` name things that may not exist (404) or not be the caller's (403).

/** A response header, as in `components.headers`. */
export interface OpenApiHeader {
  description: string;
  required?: boolean;
  schema: JsonSchema;
}

/**
 * `components.headers`: the response headers a client may act on.
 *
 * @example
 * HEADERS['Retry-After'].schema; // { type: 'integer', minimum: 1 }
 */
export const HEADERS = {
  'X-Request-Id': {
    description: 'The id of this request (yours when you sent a sane one); quote it in reports',
    required: true,
    schema: { type: 'string' },
  },
  'Cache-Control': {
    description: "`no-store`: an authenticated answer holds one workspace's data",
    required: true,
    schema: { type: 'string' },
  },
  'X-RateLimit-Limit': {
    description:
      'Requests per second this workspace may make (only when the server sets CARIOSAN_RATE_LIMIT)',
    schema: { type: 'integer', minimum: 1 },
  },
  'X-RateLimit-Remaining': {
    description:
      'Requests left in the current window (only when the server sets CARIOSAN_RATE_LIMIT)',
    schema: { type: 'integer', minimum: 0 },
  },
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    required: true,
    schema: { type: 'integer', minimum: 1 },
  },
  Allow: {
    description: 'The methods this path answers, comma-separated',
    required: true,
    schema: { type: 'string' },
  },
  'WWW-Authenticate': {
    description: 'The credential scheme: `Bearer realm="cariosan"`',
    required: true,
    schema: { type: 'string' },
  },
} satisfies Record<string, OpenApiHeader>;

type HeaderName = keyof typeof HEADERS;

/** An error status the API answers. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 429 | 500 | 503;

/**
 * The error responses, by status: the `components.responses` name, when it is sent and the
 * headers that come with it. Every one has an ErrorBody and `X-Request-Id`.
 *
 * @example
 * ERRORS[429].name; // 'RateLimited'
 */
export const ERRORS: Record<
  ErrorStatus,
  { name: string; description: string; headers?: HeaderName[] }
> = {
  400: {
    name: 'BadRequest',
    description:
      'Invalid input (`invalid_request`; `invalid_json` for a body that is not UTF-8 JSON): `field` names the failing field',
  },
  401: {
    name: 'Unauthorized',
    description: 'Missing, malformed, expired (`token_expired`) or revoked credentials',
    headers: ['WWW-Authenticate'],
  },
  403: { name: 'Forbidden', description: 'Authenticated, but not allowed to do this' },
  404: {
    name: 'NotFound',
    description: 'No such resource in this workspace (also for ids of other workspaces)',
  },
  405: {
    name: 'MethodNotAllowed',
    description: 'This path does not answer that method: `Allow` lists the ones it does',
    headers: ['Allow'],
  },
  409: { name: 'Conflict', description: 'Conflicts with the current state' },
  413: {
    name: 'PayloadTooLarge',
    description: 'Body over 1 MiB; the server closes the connection after answering',
  },
  415: { name: 'UnsupportedMediaType', description: 'The body is not sent as `application/json`' },
  429: {
    name: 'RateLimited',
    description:
      'Too many requests for this workspace, or too many failed authentications; retry after `Retry-After` seconds',
    headers: ['Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining'],
  },
  500: {
    name: 'InternalError',
    description: 'A bug of the server; quote `request_id` in a report',
  },
  503: {
    name: 'ServiceUnavailable',
    description: 'This node cannot serve now (it is shutting down); retry, on another node if any',
  },
};

/**
 * The routes that answer 409, and when. A conflict is a state only the server sees, so it
 * is listed rather than derived.
 *
 * @example
 * CONFLICTS.updateMessage; // 'The message is deleted'
 */
export const CONFLICTS: Partial<Record<RouteName, string>> = {
  createChannel: 'A channel with this `id` exists (`field`: `id`)',
  updateMessage: 'The message is deleted',
  addReaction: 'The message is deleted',
  createWebhook: 'The workspace has as many webhooks as it may have; delete one first',
  redeliverWebhookDelivery: 'The webhook is disabled, or an attempt of this delivery is running',
};

// Optional headers are written out: generators (openapi-typescript) take a referenced header
// for a required one.
const headerRefs = (names: HeaderName[]) =>
  Object.fromEntries(
    names.map((name) => {
      const header: OpenApiHeader = HEADERS[name];
      return [name, header.required ? { $ref: `#/components/headers/${name}` } : header];
    }),
  );

const ERROR_CONTENT = {
  'application/json': { schema: { $ref: `${COMPONENT_REF_PREFIX}ErrorBody` } },
};

/**
 * `components.responses`: one per error status, each an ErrorBody with its headers.
 *
 * @example
 * errorResponses().NotFound; // { description, headers: { 'X-Request-Id': … }, content: … }
 */
export function errorResponses(): Record<string, unknown> {
  return Object.fromEntries(
    Object.values(ERRORS).map(({ name, description, headers = [] }) => [
      name,
      { description, headers: headerRefs(['X-Request-Id', ...headers]), content: ERROR_CONTENT },
    ]),
  );
}

/**
 * The error statuses a route answers.
 *
 * @example
 * errorStatusesOf(ROUTES.getWorkspace); // [401, 405, 429, 500, 503]
 */
export function errorStatusesOf(route: RouteSpec): ErrorStatus[] {
  const params = route.path.includes(':');
  // A server caller names the user it acts as; a user who is not (or no longer) there is a 404.
  const actsAs = [route.body, route.query].some((schema) => 'user_id' in entriesOf(schema));
  const rules: [ErrorStatus, boolean][] = [
    [400, Boolean(route.body || route.query) || params],
    [401, true],
    [403, route.auth === 'server' || params || actsAs],
    [404, params || actsAs],
    [405, true],
    [409, CONFLICTS[route.operationId as RouteName] !== undefined],
    [413, Boolean(route.body)],
    [415, Boolean(route.body)],
    [429, true],
    [500, true],
    [503, true],
  ];
  return rules.filter(([, applies]) => applies).map(([status]) => status);
}

/**
 * The `responses` of a route's operation: its success statuses with `content`, then its
 * error statuses (`$ref`s, except 405 and 409, which say what this path allows or conflicts on).
 *
 * @example
 * Object.keys(responsesOf(ROUTES.upsertUser, ref)); // ['200', '201', '400', '401', …]
 */
export function responsesOf(
  route: RouteSpec,
  content: { 'application/json': { schema: JsonSchema } },
): Record<string, unknown> {
  const headers = headerRefs([
    'X-Request-Id',
    'Cache-Control',
    'X-RateLimit-Limit',
    'X-RateLimit-Remaining',
  ]);
  const success: [SuccessStatus, string][] = [
    [route.status, route.status === 201 ? 'Created' : 'OK'],
    ...(Object.entries(route.alsoStatus ?? {}).map(([status, when]) => [Number(status), when]) as [
      SuccessStatus,
      string,
    ][]),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, description] of success.sort(([a], [b]) => a - b)) {
    responses[status] = { description, headers, content };
  }
  for (const status of errorStatusesOf(route)) {
    responses[status] = errorOf(route, status);
  }
  return responses;
}

function errorOf(route: RouteSpec, status: ErrorStatus): unknown {
  const { name, headers = [] } = ERRORS[status];
  if (status === 405) {
    const allow = allowOf(route.path);
    return {
      description: `Any method but ${allow} on this path (\`Allow: ${allow}\`)`,
      headers: headerRefs(['X-Request-Id', ...headers]),
      content: ERROR_CONTENT,
    };
  }
  const conflict = status === 409 ? CONFLICTS[route.operationId as RouteName] : undefined;
  if (conflict) {
    return { description: conflict, headers: headerRefs(['X-Request-Id']), content: ERROR_CONTENT };
  }
  return { $ref: `#/components/responses/${name}` };
}

/**
 * The `Allow` value of a path, as the server writes it: the methods of its routes, `HEAD`
 * wherever `GET` is, sorted.
 *
 * @example
 * allowOf('/v1/users/:user_id'); // 'DELETE, GET, HEAD, PUT'
 */
export function allowOf(path: string): string {
  const methods = (Object.values(ROUTES) as RouteSpec[])
    .filter((route) => route.path === path)
    .flatMap((route) => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]));
  return [...new Set(methods)].sort().join(', ');
}

function entriesOf(schema: v.GenericSchema | undefined): Record<string, unknown> {
  // A piped object (`SendMessageBody`) keeps the entries of its object.
  return (schema as { entries?: Record<string, unknown> } | undefined)?.entries ?? {};
}
