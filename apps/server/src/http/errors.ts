import { ERROR_STATUS, type ErrorBody } from '@cariosan/protocol';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type AppError, errorFields } from '../lib/errors';

/**
 * Writes SPEC's `{"error":{"code","message","request_id","field"?}}` with the code's status
 * and headers (`Retry-After`, `WWW-Authenticate`, the error's own): the only place that maps
 * an error to HTTP. The public API, the admin API and the control socket all answer with it.
 *
 * @example
 * return errorResponse(c, new AppError('unauthorized', 'Missing credentials'));
 */
export function errorResponse(c: Context, error: AppError): Response {
  const requestId = (c.get('requestId') as string | undefined) ?? 'unknown';
  const { retry_after: retryAfter, ...fields } = errorFields(error);
  const body: ErrorBody = { error: { ...fields, request_id: requestId } };
  for (const [name, value] of Object.entries(error.options.headers ?? {})) c.header(name, value);
  if (retryAfter !== undefined) c.header('Retry-After', String(retryAfter));
  if (error.code === 'unauthorized' || error.code === 'token_expired') {
    c.header('WWW-Authenticate', 'Bearer realm="cariosan"');
  }
  return c.json(body, ERROR_STATUS[error.code] as ContentfulStatusCode);
}
