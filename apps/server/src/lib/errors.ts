import type { ErrorBody, ErrorCode } from '@cariosan/protocol';
import { HTTPException } from 'hono/http-exception';
import * as v from 'valibot';

/** What an AppError may carry besides its code and message. */
export interface AppErrorOptions {
  /** The input that failed, as a dot path (`custom.tags.2`). */
  field?: string;
  /** How long to wait before retrying (429, 503). */
  retryAfterSeconds?: number;
  /** Extra response headers (HTTP only), e.g. `Allow` on a 405. */
  headers?: Record<string, string>;
}

/**
 * An expected failure with a code from the protocol's closed union: the one error type that
 * services, routes, the gateway and the control socket throw. `errorFields` turns it into
 * SPEC's error object; transports add their envelope (HTTP status, WebSocket frame).
 *
 * @example
 * throw new AppError('not_found', 'No such channel');
 * throw new AppError('rate_limited', 'Slow down', { retryAfterSeconds: 2 });
 */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: AppErrorOptions = {},
  ) {
    super(message);
  }
}

/**
 * Any thrown value as an AppError: AppErrors as they are, Hono's 4xx exceptions by status,
 * anything else `internal_error` (whose details belong in a log line, never in an answer).
 *
 * @example
 * const error = toAppError(caught); // AppError
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof HTTPException && error.status < 500) {
    const code = error.status === 413 ? 'payload_too_large' : 'invalid_request';
    return new AppError(code, error.message || 'Bad request');
  }
  return new AppError('internal_error', 'Internal error');
}

/** SPEC's error object without the request id: what every transport sends. */
export type ErrorFields = Omit<ErrorBody['error'], 'request_id'> & { retry_after?: number };

/**
 * The one mapping from an AppError to SPEC's error fields: code, message, the failing
 * `field`, and `retry_after` in whole seconds (at least 1).
 *
 * @example
 * errorFields(new AppError('invalid_request', 'name: too long', { field: 'name' }));
 * // { code: 'invalid_request', message: 'name: too long', field: 'name' }
 */
export function errorFields(error: AppError): ErrorFields {
  return {
    code: error.code,
    message: error.message,
    ...(error.options.field ? { field: error.options.field } : {}),
    ...(error.options.retryAfterSeconds === undefined
      ? {}
      : { retry_after: Math.max(1, Math.ceil(error.options.retryAfterSeconds)) }),
  };
}

/**
 * The one formatter of validation issues: an `invalid_request` naming the failing field (the
 * issue's dot path, else `name`), its message prefixed with that field.
 *
 * @example
 * throw invalidInput(result.issues[0]); // AppError('invalid_request', 'name: …', { field: 'name' })
 */
export function invalidInput(
  issue: { field?: string; message: string } | v.BaseIssue<unknown>,
  name?: string,
): AppError {
  const field = ('kind' in issue ? (v.getDotPath(issue) ?? undefined) : issue.field) || name;
  const message = field ? `${field}: ${issue.message}` : issue.message;
  return new AppError('invalid_request', message, field ? { field } : {});
}
