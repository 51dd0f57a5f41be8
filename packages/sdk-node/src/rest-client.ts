import { ERROR_STATUS, ErrorBody, type ErrorCode, serverAuthorization } from '@cariosan/protocol';
import * as v from 'valibot';
import { assertServerCredentials } from './assert-credentials';
import { CariosanError } from './errors';

/**
 * Options of {@link createRestClient}.
 *
 * @example
 * const options: RestClientOptions = { baseUrl: 'https://chat.example.com', apiKey, apiSecret };
 */
export interface RestClientOptions {
  /** Where the server listens; paths are appended to it, so it may carry a prefix. */
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Abort a request after this long; defaults to 30 s. */
  timeoutMs?: number;
}

/**
 * HTTP methods of the Cariosan API.
 *
 * @example
 * const method: HttpMethod = 'PUT';
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * A query-string value; arrays repeat the parameter, `undefined` and `null` leave it out.
 *
 * @example
 * const query: Record<string, QueryValue> = { limit: 50, before: undefined };
 */
export type QueryValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly (string | number)[];

/**
 * Options of one {@link RestClient.request}.
 *
 * @example
 * const options: RequestOptions<User> = { body: { name: 'Alice' }, schema: User };
 */
export interface RequestOptions<T> {
  /** Sent as JSON. */
  body?: unknown;
  query?: Record<string, QueryValue>;
  /** Validates the response body; without it, the body is returned as parsed. */
  schema?: v.GenericSchema<unknown, T>;
  signal?: AbortSignal;
}

/**
 * A generic client of the Cariosan REST API that authenticates with the server key pair.
 *
 * @example
 * const user = await rest.request('PUT', '/v1/users/alice', { body: { name: 'Alice' } });
 */
export interface RestClient {
  /**
   * Sends one request. `path` is appended to the base URL as is: encode ids in it with
   * `encodeURIComponent`. Resolves to the parsed JSON body (undefined when empty).
   *
   * @throws CariosanError on an error response, a network failure or a timeout.
   */
  request<T = unknown>(method: HttpMethod, path: string, options?: RequestOptions<T>): Promise<T>;
}

/**
 * Creates a {@link RestClient}. The secret lives only in this closure and in the
 * `Authorization` header; it is redacted from every error message.
 *
 * @example
 * const rest = createRestClient({ baseUrl: 'http://localhost:8080', apiKey, apiSecret });
 * await rest.request('GET', '/v1/channels', { query: { limit: 20 } });
 */
export function createRestClient(options: RestClientOptions): RestClient {
  const { apiKey, apiSecret } = options;
  assertServerCredentials({ apiKey, apiSecret });
  const base = parseBaseUrl(options.baseUrl);
  const authorization = serverAuthorization({ apiKey, apiSecret });
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError('timeoutMs must be a positive number of milliseconds');
  }
  const redact = (text: string) => text.replaceAll(apiSecret, '[redacted]');

  async function request<T>(
    method: HttpMethod,
    path: string,
    { body, query, schema, signal }: RequestOptions<T> = {},
  ): Promise<T> {
    if (!path.startsWith('/')) throw new TypeError(`path must start with /, got ${path}`);
    const url = new URL(path.slice(1), base);
    for (const [name, value] of Object.entries(query ?? {})) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined && item !== null) url.searchParams.append(name, String(item));
      }
    }
    const headers: Record<string, string> = { authorization, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(timeoutMs);
    const what = `${method} ${url.pathname}`;

    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      text = await response.text();
    } catch (cause) {
      if (signal?.aborted) throw signal.reason;
      const reason = timeout.aborted ? `timed out after ${timeoutMs} ms` : describeFailure(cause);
      throw new CariosanError({
        code: 'service_unavailable',
        message: redact(`${what} failed: ${reason}`),
        cause,
      });
    }

    const requestId = response.headers.get('x-request-id') ?? undefined;
    const json = parseJson(text);
    if (!response.ok) {
      throw errorFromResponse(response, json, requestId, what, redact);
    }
    if (text === '') return undefined as T;
    if (json === INVALID_JSON) {
      throw new CariosanError({
        code: 'internal_error',
        status: response.status,
        message: `${what} returned a body that is not JSON`,
        ...(requestId ? { requestId } : {}),
      });
    }
    if (!schema) return json as T;
    const parsed = v.safeParse(schema, json);
    if (parsed.success) return parsed.output;
    throw new CariosanError({
      code: 'internal_error',
      status: response.status,
      message: `${what} returned an unexpected body: ${v.summarize(parsed.issues)}`,
      ...(requestId ? { requestId } : {}),
    });
  }

  return { request };
}

const INVALID_JSON = Symbol('invalid JSON');

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return INVALID_JSON;
  }
}

function errorFromResponse(
  response: Response,
  json: unknown,
  headerRequestId: string | undefined,
  what: string,
  redact: (text: string) => string,
): CariosanError {
  const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined;
  const parsed = v.safeParse(ErrorBody, json);
  if (parsed.success) {
    const { code, message, request_id, field } = parsed.output.error;
    return new CariosanError({
      code,
      status: response.status,
      message: redact(message),
      requestId: request_id || headerRequestId,
      ...(field === undefined ? {} : { field }),
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    });
  }
  // Not Cariosan's body: a proxy, load balancer or another server answered.
  return new CariosanError({
    code: codeOfStatus(response.status),
    status: response.status,
    message: `${what} failed with HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
    ...(headerRequestId ? { requestId: headerRequestId } : {}),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
}

function codeOfStatus(status: number): ErrorCode {
  // A proxy answers 502/504 while the server is down or restarting: retryable.
  if (status === 502 || status === 503 || status === 504) return 'service_unavailable';
  const known = (Object.keys(ERROR_STATUS) as ErrorCode[]).find((c) => ERROR_STATUS[c] === status);
  return known ?? (status >= 500 ? 'internal_error' : 'invalid_request');
}

function parseBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`baseUrl must be an absolute http(s) URL, got ${String(baseUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`baseUrl must be an http(s) URL, got ${url.protocol}`);
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
}

function describeFailure(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return `${cause.message}${inner}`;
}
