import * as v from 'valibot';

/** Live workspaces get `pk_live_`/`sk_live_`, `--test` workspaces `pk_test_`/`sk_test_`. */
export type CredentialMode = 'live' | 'test';

/** Characters of the random part of keys and secrets (base62: safe in headers, env files, URLs). */
export const CREDENTIAL_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random characters in an api_key: 24 × log2(62) ≈ 143 bits, enough to be unguessable as an id. */
export const API_KEY_RANDOM_LENGTH = 24;

/** Random characters in an api_secret: 43 × log2(62) ≈ 256 bits. */
export const API_SECRET_RANDOM_LENGTH = 43;

/**
 * The public half of a workspace's key pair: `pk_live_…` or `pk_test_…`. Safe to log.
 *
 * @example
 * v.is(ApiKey, 'pk_live_' + 'a'.repeat(24)); // true
 */
export const ApiKey = v.pipe(
  v.string(),
  v.regex(
    new RegExp(`^pk_(live|test)_[0-9A-Za-z]{${API_KEY_RANDOM_LENGTH}}$`),
    'must be a pk_live_ or pk_test_ key',
  ),
);
export type ApiKey = v.InferOutput<typeof ApiKey>;

/**
 * The secret half: `sk_live_…` or `sk_test_…`, 256 bits of randomness. Never logged.
 *
 * @example
 * v.is(ApiSecret, 'sk_live_' + 'a'.repeat(43)); // true
 */
export const ApiSecret = v.pipe(
  v.string(),
  v.regex(
    new RegExp(`^sk_(live|test)_[0-9A-Za-z]{${API_SECRET_RANDOM_LENGTH}}$`),
    'must be an sk_live_ or sk_test_ secret',
  ),
);
export type ApiSecret = v.InferOutput<typeof ApiSecret>;

/** The mode a key or secret was issued for, read from its prefix. */
export function credentialMode(credential: string): CredentialMode | undefined {
  if (/^[ps]k_live_/.test(credential)) return 'live';
  if (/^[ps]k_test_/.test(credential)) return 'test';
  return undefined;
}

/** A server key pair as presented in `Authorization: Bearer <api_key>:<api_secret>`. */
export interface ServerCredentials {
  apiKey: ApiKey;
  apiSecret: ApiSecret;
}

/**
 * Splits `Bearer <api_key>:<api_secret>` into its halves, or returns undefined when the header
 * is not a well-formed server key pair (a user JWT, a typo, a missing colon).
 *
 * @example
 * parseServerCredentials(`Bearer ${apiKey}:${apiSecret}`); // { apiKey, apiSecret }
 */
export function parseServerCredentials(
  header: string | undefined | null,
): ServerCredentials | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(pk_[^:\s]+):(sk_\S+)$/i.exec(header.trim());
  if (!match) return undefined;
  const apiKey = match[1]!;
  const apiSecret = match[2]!;
  if (!v.is(ApiKey, apiKey) || !v.is(ApiSecret, apiSecret)) return undefined;
  if (credentialMode(apiKey) !== credentialMode(apiSecret)) return undefined;
  return { apiKey, apiSecret };
}

/** Builds the `Authorization` header value of a server key pair. */
export function serverAuthorization(credentials: ServerCredentials): string {
  return `Bearer ${credentials.apiKey}:${credentials.apiSecret}`;
}

/**
 * HKDF-SHA256 `info` strings: keys derived from the api_secret for one purpose never serve
 * another, and a version suffix lets a future derivation coexist with this one.
 */
export const KEY_DERIVATION = {
  salt: 'cariosan',
  userTokenSigningKey: 'cariosan/user-token/ed25519/v1',
  webhookSigningKey: 'cariosan/webhook/hmac-sha256/v1',
} as const;
