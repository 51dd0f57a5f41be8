import { ERROR_STATUS, type ErrorBody, type ErrorCode } from '@cariosan/protocol';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * An expected failure with a code from the protocol's closed union. Thrown by routes and
 * middleware, turned into SPEC's error body by `errorResponse`.
 *
 * @example
 * throw new ApiError('not_found', 'No such channel');
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: {
      field?: string;
      retryAfterSeconds?: number;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/**
 * Writes `{"error":{"code","message","request_id"}}` with the code's status: the only place
 * that maps an error code to HTTP.
 *
 * @example
 * return errorResponse(c, new ApiError('unauthorized', 'Missing credentials'));
 */
export function errorResponse(c: Context, error: ApiError): Response {
  const requestId = (c.get('requestId') as string | undefined) ?? 'unknown';
  const body: ErrorBody = {
    error: {
      code: error.code,
      message: error.message,
      request_id: requestId,
      ...(error.options.field ? { field: error.options.field } : {}),
    },
  };
  for (const [name, value] of Object.entries(error.options.headers ?? {})) c.header(name, value);
  if (error.options.retryAfterSeconds !== undefined) {
    c.header('Retry-After', String(Math.max(1, Math.ceil(error.options.retryAfterSeconds))));
  }
  if (error.code === 'unauthorized' || error.code === 'token_expired') {
    c.header('WWW-Authenticate', 'Bearer realm="cariosan"');
  }
  return c.json(body, error.status as ContentfulStatusCode);
}
