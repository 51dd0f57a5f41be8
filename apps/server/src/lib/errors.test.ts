import { HTTPException } from 'hono/http-exception';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { AppError, errorFields, invalidInput, toAppError } from './errors';

describe('one error model', () => {
  it('gives every transport the same fields, retry_after in whole seconds of at least 1', () => {
    expect(
      errorFields(new AppError('rate_limited', 'slow down', { retryAfterSeconds: 0.2 })),
    ).toEqual({
      code: 'rate_limited',
      message: 'slow down',
      retry_after: 1,
    });
    expect(errorFields(new AppError('invalid_request', 'x: bad', { field: 'x' }))).toEqual({
      code: 'invalid_request',
      message: 'x: bad',
      field: 'x',
    });
  });

  it('turns Hono 4xx exceptions into their codes and anything else into internal_error', () => {
    expect(toAppError(new HTTPException(413)).code).toBe('payload_too_large');
    expect(toAppError(new HTTPException(400, { message: 'nope' }))).toMatchObject({
      code: 'invalid_request',
      message: 'nope',
    });
    const hidden = toAppError(new Error('connection string postgres://user:pw@db'));
    expect(hidden).toMatchObject({ code: 'internal_error', message: 'Internal error' });
    const own = new AppError('not_found', 'No such channel');
    expect(toAppError(own)).toBe(own);
  });

  it('formats validation issues one way: the dot path names the field and leads the message', () => {
    const result = v.safeParse(v.object({ a: v.object({ b: v.string('must be text') }) }), {
      a: { b: 1 },
    });
    expect(result.success).toBe(false);
    const error = invalidInput(result.issues![0]);
    expect(error).toMatchObject({ code: 'invalid_request', message: 'a.b: must be text' });
    expect(error.options.field).toBe('a.b');
    expect(invalidInput({ field: '', message: 'must be a JSON object' }, 'body').message).toBe(
      'body: must be a JSON object',
    );
    expect(invalidInput({ message: 'whole input' }).options).toEqual({});
  });
});
