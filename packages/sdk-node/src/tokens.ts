import { createHash, randomBytes } from 'node:crypto';
import {
  DEFAULT_USER_TOKEN_TTL_SECONDS,
  MAX_USER_TOKEN_TTL_SECONDS,
  type ServerCredentials,
  USER_TOKEN_ALGORITHM,
  UserId,
  UserTokenClaims,
} from '@cariosan/protocol';
import { SignJWT } from 'jose';
import * as v from 'valibot';
import { assertServerCredentials } from './assert-credentials';
import { deriveUserTokenKeys, type UserTokenKeys } from './keys';

/**
 * The env var self-hosters set to cap token lifetime, in hours (decimals allowed): the same
 * meaning as on the server, which refuses a token after `min(exp, iat + cap)`.
 *
 * @example
 * process.env[USER_TOKEN_TTL_ENV] = '1'; // no token lives longer than an hour
 */
export const USER_TOKEN_TTL_ENV = 'CARIOS_JWT_TTL_HOURS';

/**
 * Options of {@link issueUserToken}.
 *
 * @example
 * const options: IssueUserTokenOptions = { ttlSeconds: 15 * 60 };
 */
export interface IssueUserTokenOptions {
  /**
   * Lifetime in seconds, a positive integer up to 30 days; 24 h when omitted. Either way
   * capped at `CARIOS_JWT_TTL_HOURS` hours when that is set to a positive number.
   */
  ttlSeconds?: number;
  /** The clock, in milliseconds since the epoch; defaults to `Date.now`. */
  now?: () => number;
}

/**
 * Issues a user JWT, signed locally with the key derived from the api_secret: no network
 * call, so it is safe to call on every page load.
 *
 * @throws TypeError on a malformed key, secret or user id; RangeError on a bad lifetime.
 * Neither message ever contains the secret.
 * @example
 * const token = await issueUserToken({ apiKey, apiSecret }, 'alice', { ttlSeconds: 900 });
 * res.json({ token }); // the browser passes it to @cariosan/client
 */
export async function issueUserToken(
  credentials: ServerCredentials,
  userId: string,
  options: IssueUserTokenOptions = {},
): Promise<string> {
  assertServerCredentials(credentials);
  const parsedUserId = v.safeParse(UserId, userId);
  if (!parsedUserId.success) {
    throw new TypeError(
      `userId ${parsedUserId.issues[0].message}: user ids are 1–128 characters of A-Z a-z 0-9 _ . @ -`,
    );
  }
  const ttlSeconds = resolveTtlSeconds(options.ttlSeconds);
  const nowMs = (options.now ?? Date.now)();
  if (!Number.isFinite(nowMs))
    throw new TypeError('options.now must return a number of milliseconds');
  const iat = Math.floor(nowMs / 1000);
  const claims = v.parse(UserTokenClaims, {
    sub: parsedUserId.output,
    iss: credentials.apiKey,
    iat,
    exp: iat + ttlSeconds,
    // Lets the server tell tokens apart in logs and revoke a single one later.
    jti: randomBytes(16).toString('base64url'),
  });
  return new SignJWT(claims)
    .setProtectedHeader({ alg: USER_TOKEN_ALGORITHM, typ: 'JWT' })
    .sign(cachedKeys(credentials.apiSecret).privateKey);
}

/**
 * The lifetime a token gets: `ttlSeconds` when given, else 24 h, capped at
 * `CARIOS_JWT_TTL_HOURS` hours when that is a positive number. Read on every call so a changed
 * environment takes effect.
 *
 * @throws TypeError when `ttlSeconds` is not an integer; RangeError when it is not between 1
 * second and 30 days.
 * @example
 * resolveTtlSeconds(undefined); // 86400, or less under CARIOS_JWT_TTL_HOURS
 * resolveTtlSeconds(3 * 3600); // 7200 with CARIOS_JWT_TTL_HOURS=2
 */
export function resolveTtlSeconds(ttlSeconds: number | undefined): number {
  if (ttlSeconds !== undefined) {
    if (typeof ttlSeconds !== 'number' || !Number.isInteger(ttlSeconds)) {
      throw new TypeError(
        `ttlSeconds must be a whole number of seconds, got ${String(ttlSeconds)}`,
      );
    }
    if (ttlSeconds < 1 || ttlSeconds > MAX_USER_TOKEN_TTL_SECONDS) {
      throw new RangeError(
        `ttlSeconds must be between 1 and ${MAX_USER_TOKEN_TTL_SECONDS} (30 days), got ${ttlSeconds}`,
      );
    }
  }
  const wanted = ttlSeconds ?? DEFAULT_USER_TOKEN_TTL_SECONDS;
  const raw = process.env[USER_TOKEN_TTL_ENV]?.trim();
  const hours = raw ? Number(raw) : Number.NaN;
  if (!Number.isFinite(hours) || hours <= 0) return wanted;
  return Math.min(wanted, Math.max(1, Math.floor(hours * 3600)));
}

/**
 * Deriving a key pair costs about 0.5 ms, several times a signature, and a backend issues
 * every token with the same one or two secrets.
 */
const KEY_CACHE_LIMIT = 16;
const keyCache = new Map<string, UserTokenKeys>();

function cachedKeys(apiSecret: string): UserTokenKeys {
  // Keyed by a digest so the cache, were it ever dumped, does not hold the secret itself.
  const cacheKey = createHash('sha256').update(apiSecret).digest('base64url');
  let keys = keyCache.get(cacheKey);
  if (!keys) {
    keys = deriveUserTokenKeys(apiSecret);
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(cacheKey, keys);
  }
  return keys;
}
