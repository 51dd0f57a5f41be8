import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_USER_TOKEN_TTL_SECONDS,
  MAX_USER_TOKEN_TTL_SECONDS,
  USER_TOKEN_ALGORITHM,
  UserTokenClaims,
} from './token';

const apiKey = `pk_test_${'A1b2'.repeat(6)}`;
const valid = { sub: 'alice@example.com', iss: apiKey, iat: 1_700_000_000, exp: 1_700_086_400 };

describe('UserTokenClaims', () => {
  it('accepts the claims the SDK issues, with or without a jti', () => {
    expect(v.parse(UserTokenClaims, valid)).toEqual(valid);
    expect(v.parse(UserTokenClaims, { ...valid, jti: 'abc' })).toEqual({ ...valid, jti: 'abc' });
  });

  it('drops claims it does not know instead of passing them on', () => {
    expect(v.parse(UserTokenClaims, { ...valid, admin: true })).toEqual(valid);
  });

  it('rejects a subject that is not a valid user id', () => {
    expect(v.is(UserTokenClaims, { ...valid, sub: '' })).toBe(false);
    expect(v.is(UserTokenClaims, { ...valid, sub: 'has space' })).toBe(false);
    expect(v.is(UserTokenClaims, { ...valid, sub: 'x'.repeat(129) })).toBe(false);
  });

  it('rejects an issuer that is not an api_key, such as a secret', () => {
    expect(v.is(UserTokenClaims, { ...valid, iss: 'ws_01J7KQR8B1N3XJ0Q5C4D6E8F9G' })).toBe(false);
    expect(v.is(UserTokenClaims, { ...valid, iss: `sk_test_${'a'.repeat(43)}` })).toBe(false);
  });

  it('rejects fractional, negative or missing times', () => {
    expect(v.is(UserTokenClaims, { ...valid, iat: 1.5 })).toBe(false);
    expect(v.is(UserTokenClaims, { ...valid, exp: -1 })).toBe(false);
    const { exp: _exp, ...withoutExp } = valid;
    expect(v.is(UserTokenClaims, withoutExp)).toBe(false);
  });

  it('rejects a token that expires before or when it was issued', () => {
    expect(v.is(UserTokenClaims, { ...valid, exp: valid.iat })).toBe(false);
    expect(v.is(UserTokenClaims, { ...valid, exp: valid.iat - 1 })).toBe(false);
  });
});

describe('user token constants', () => {
  it('pins EdDSA, a 24 h default and a 30 day maximum', () => {
    expect(USER_TOKEN_ALGORITHM).toBe('EdDSA');
    expect(DEFAULT_USER_TOKEN_TTL_SECONDS).toBe(24 * 3600);
    expect(MAX_USER_TOKEN_TTL_SECONDS).toBe(30 * 24 * 3600);
  });
});
