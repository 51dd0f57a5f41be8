import { ApiKey, ApiSecret, credentialMode } from '@cariosan/protocol';
import * as v from 'valibot';

/**
 * Throws a TypeError unless `value` is a well-formed api_key (`pk_live_…`/`pk_test_…`).
 *
 * @example
 * assertApiKey(options.apiKey, 'apiKey');
 */
export function assertApiKey(value: unknown, name = 'apiKey'): asserts value is ApiKey {
  if (v.is(ApiKey, value)) return;
  throw new TypeError(`${name} must be a pk_live_ or pk_test_ api_key${hint(value)}`);
}

/**
 * Throws a TypeError unless `value` is a well-formed api_secret (`sk_live_…`/`sk_test_…`).
 * The message describes what was received but never includes it: the value may be a
 * secret with a typo, and error messages end up in logs.
 *
 * @example
 * assertApiSecret(process.env.CARIOSAN_API_SECRET, 'apiSecret');
 */
export function assertApiSecret(value: unknown, name = 'apiSecret'): asserts value is ApiSecret {
  if (v.is(ApiSecret, value)) return;
  throw new TypeError(`${name} must be an sk_live_ or sk_test_ api_secret${hint(value)}`);
}

/**
 * Throws a TypeError unless the key and the secret are well-formed and of the same mode
 * (both live or both test): a mixed pair can only be a configuration mistake.
 *
 * @example
 * assertServerCredentials({ apiKey, apiSecret });
 */
export function assertServerCredentials(credentials: {
  apiKey: unknown;
  apiSecret: unknown;
}): asserts credentials is { apiKey: ApiKey; apiSecret: ApiSecret } {
  if (typeof credentials !== 'object' || credentials === null) {
    throw new TypeError('credentials must be an object with apiKey and apiSecret');
  }
  assertApiKey(credentials.apiKey);
  assertApiSecret(credentials.apiSecret);
  const keyMode = credentialMode(credentials.apiKey);
  const secretMode = credentialMode(credentials.apiSecret);
  if (keyMode !== secretMode) {
    throw new TypeError(
      `apiKey is a ${keyMode} key but apiSecret is a ${secretMode} secret: use the pair of one workspace`,
    );
  }
}

/** Says what kind of wrong value arrived, from its type or prefix only. */
function hint(value: unknown): string {
  if (value === undefined) return ' (got undefined: is the environment variable set?)';
  if (typeof value !== 'string') return ` (got ${value === null ? 'null' : typeof value})`;
  if (value === '') return ' (got an empty string)';
  if (value !== value.trim()) return ' (got a value with surrounding whitespace)';
  if (value.startsWith('pk_')) return ' (got an api_key)';
  if (value.startsWith('sk_')) return ' (got an sk_ value of the wrong format or length)';
  if (value.startsWith('eyJ')) return ' (got a JWT)';
  return ` (got a string of ${value.length} characters)`;
}
