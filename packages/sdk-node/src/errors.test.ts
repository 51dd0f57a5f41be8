import { describe, expect, it } from 'vitest';
import { CariosanError, isCariosanError } from './errors';

describe('CariosanError', () => {
  it('takes its status from the code unless given one', () => {
    expect(new CariosanError({ code: 'not_found', message: 'gone' }).status).toBe(404);
    expect(new CariosanError({ code: 'internal_error', message: 'x', status: 502 }).status).toBe(
      502,
    );
  });

  it('is an Error with its name, message, cause and optional details', () => {
    const cause = new Error('socket hang up');
    const error = new CariosanError({
      code: 'invalid_request',
      message: 'name is too long',
      requestId: 'req_1',
      field: 'name',
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CariosanError');
    expect(error.cause).toBe(cause);
    expect(error).toMatchObject({ requestId: 'req_1', field: 'name' });
    expect(error.retryAfterSeconds).toBeUndefined();
  });
});

describe('isCariosanError', () => {
  it('recognises its own errors and look-alikes from another copy of the package', () => {
    expect(isCariosanError(new CariosanError({ code: 'conflict', message: 'x' }))).toBe(true);
    const foreign = Object.assign(new Error('x'), {
      name: 'CariosanError',
      code: 'conflict',
      status: 409,
    });
    expect(isCariosanError(foreign)).toBe(true);
  });

  it('rejects other errors and non-errors', () => {
    expect(isCariosanError(new Error('x'))).toBe(false);
    expect(isCariosanError({ name: 'CariosanError', code: 'conflict', status: 409 })).toBe(false);
    expect(isCariosanError(undefined)).toBe(false);
  });
});
