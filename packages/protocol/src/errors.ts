import * as v from 'valibot';

/**
 * Every error code the API returns. Closed: clients may switch on it exhaustively.
 *
 * @example
 * if (error.code === 'rate_limited') await sleep(retryAfter);
 */
export const ErrorCode = v.picklist([
  'invalid_request',
  'invalid_json',
  'unauthorized',
  'token_expired',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal_error',
  'service_unavailable',
]);
export type ErrorCode = v.InferOutput<typeof ErrorCode>;

/** The HTTP status of each error code: the only mapping, shared by server and SDKs. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  token_expired: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
};

/**
 * The body of every error response:
 * `{"error":{"code":"not_found","message":"…","request_id":"…"}}`, plus `field` naming the
 * failing input on 400s.
 *
 * @example
 * const parsed = v.safeParse(ErrorBody, await response.json());
 */
export const ErrorBody = v.object({
  error: v.object({
    code: ErrorCode,
    message: v.string(),
    request_id: v.string(),
    field: v.optional(v.string()),
  }),
});
export type ErrorBody = v.InferOutput<typeof ErrorBody>;
