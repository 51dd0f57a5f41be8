import type { ErrorCode } from '@cariosan/protocol';

/** An expected failure: a protocol error code and a message safe to show the caller. */
export interface Failure {
  code: ErrorCode;
  message: string;
  field?: string;
}

/** A service outcome: expected failures are values, only bugs throw. */
export type Result<T, E = Failure> = { ok: true; value: T } | { ok: false; error: E };

/**
 * @example
 * return ok(workspace);
 */
export function ok<T>(value: T): Result<T, never> {
  return { ok: true, value };
}

/**
 * @example
 * return err({ code: 'not_found', message: 'No such workspace' });
 */
export function err<E = Failure>(error: E): Result<never, E> {
  return { ok: false, error };
}
