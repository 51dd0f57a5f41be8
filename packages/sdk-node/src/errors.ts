import { ERROR_STATUS, type ErrorCode } from '@cariosan/protocol';

/**
 * What a {@link CariosanError} is made of.
 *
 * @example
 * new CariosanError({ code: 'not_found', message: 'No such user' });
 */
export interface CariosanErrorOptions {
  code: ErrorCode;
  message: string;
  /** Defaults to the status of `code`. */
  status?: number;
  requestId?: string;
  field?: string;
  retryAfterSeconds?: number;
  cause?: unknown;
}

/**
 * Every failure of a Cariosan API call: an error response of the server, a network
 * failure (`service_unavailable`) or a response the SDK cannot read (`internal_error`).
 *
 * @example
 * try {
 *   await cariosan.request('GET', '/v1/users/alice');
 * } catch (error) {
 *   if (isCariosanError(error) && error.code === 'not_found') return null;
 *   throw error;
 * }
 */
export class CariosanError extends Error {
  override readonly name = 'CariosanError';
  /** The closed error code of the API; switch on this, not on `message`. */
  readonly code: ErrorCode;
  /** The HTTP status, or the status of `code` when no response arrived. */
  readonly status: number;
  /** The server's request id: quote it when reporting a problem. */
  readonly requestId?: string;
  /** The input field that failed validation, on `invalid_request`. */
  readonly field?: string;
  /** From `Retry-After`, on `rate_limited` and `service_unavailable`. */
  readonly retryAfterSeconds?: number;

  constructor(options: CariosanErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.status = options.status ?? ERROR_STATUS[options.code];
    this.requestId = options.requestId;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * Whether `error` is a {@link CariosanError}, also one thrown by another copy of this
 * package (ESM and CJS builds loaded side by side make `instanceof` unreliable).
 *
 * @example
 * if (isCariosanError(error) && error.status === 404) return null;
 */
export function isCariosanError(error: unknown): error is CariosanError {
  if (error instanceof CariosanError) return true;
  return (
    error instanceof Error &&
    error.name === 'CariosanError' &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { status?: unknown }).status === 'number'
  );
}
