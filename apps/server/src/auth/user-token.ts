import { USER_TOKEN_ALGORITHM, UserTokenClaims } from '@cariosan/protocol';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { Kysely } from 'kysely';
import * as v from 'valibot';
import type { DB } from '../db/database';
import { withWorkspace } from '../db/scope';
import { err, ok, type Result } from '../lib/result';
import type { KeyStore } from './key-store';

/** A browser or app user authenticated with a JWT from the customer's backend. */
export interface UserPrincipal {
  kind: 'user';
  workspaceId: string;
  userId: string;
  apiKey: string;
  /** Generation of the secret whose key signed the token (rotation voids older ones). */
  keyGeneration: number;
  /** When the token stops being valid (ms): its `exp`, or sooner under CARIOS_JWT_TTL_HOURS. */
  expiresAt: number;
  /** The user is banned from the workspace: the token is genuine, but they may do nothing. */
  banned: boolean;
}

export interface TokenFailure {
  code: 'unauthorized' | 'token_expired';
  message: string;
}

export interface VerifyUserTokenOptions {
  db: Kysely<DB>;
  keyStore: KeyStore;
  /** The self-hoster's cap on token lifetime (CARIOS_JWT_TTL_HOURS), in seconds. */
  maxLifetimeSeconds: number;
  now?: () => number;
}

/** Clocks of the customer's backend and ours disagree a little; more than this is suspicious. */
const CLOCK_SKEW_SECONDS = 60;

const invalid = (message = 'Invalid user token') =>
  err<TokenFailure>({ code: 'unauthorized', message });

/**
 * Verifies a user JWT: EdDSA only, signed with the workspace's current key (so rotation voids
 * old tokens), not expired, not older than the lifetime cap, not revoked, for a user that
 * exists in that workspace.
 *
 * @example
 * const result = await verifyUserToken(token, { db, keyStore, maxLifetimeSeconds: 86_400 });
 */
export async function verifyUserToken(
  token: string,
  options: VerifyUserTokenOptions,
): Promise<Result<UserPrincipal, TokenFailure>> {
  const nowMs = (options.now ?? Date.now)();
  const nowSeconds = Math.floor(nowMs / 1000);
  let issuer: unknown;
  try {
    // The header is checked before any key is touched: `none` and HMAC algorithms never get further.
    if (decodeProtectedHeader(token).alg !== USER_TOKEN_ALGORITHM)
      return invalid('Token algorithm not allowed');
    issuer = decodeJwt(token).iss;
  } catch {
    return invalid('Malformed token');
  }
  if (typeof issuer !== 'string') return invalid();
  const record = await options.keyStore.get(issuer);
  if (!record) return invalid();
  let payload: unknown;
  try {
    const verified = await jwtVerify(token, record.tokenPublicKey, {
      algorithms: [USER_TOKEN_ALGORITHM],
      issuer: record.apiKey,
      requiredClaims: ['sub', 'iat', 'exp'],
      currentDate: new Date(nowMs),
    });
    payload = verified.payload;
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired)
      return err({ code: 'token_expired', message: 'Token expired' });
    return invalid();
  }
  const claims = v.safeParse(UserTokenClaims, payload);
  if (!claims.success) return invalid('Token claims are invalid');
  const { sub, iat, exp } = claims.output;
  if (iat > nowSeconds + CLOCK_SKEW_SECONDS || exp <= iat)
    return invalid('Token issue time is invalid');
  const expiresAt = Math.min(exp, iat + options.maxLifetimeSeconds) * 1000;
  if (expiresAt <= nowMs) return err({ code: 'token_expired', message: 'Token expired' });
  const user = await withWorkspace(options.db, record.workspaceId, (trx) =>
    trx
      .selectFrom('users')
      .select(['tokens_valid_after', 'deleted_at', 'banned'])
      .where('workspace_id', '=', record.workspaceId)
      .where('id', '=', sub)
      .executeTakeFirst(),
  );
  if (!user || user.deleted_at) return invalid('Unknown user');
  // iat has one-second resolution: a token from the same second as a revocation is refused too.
  if (user.tokens_valid_after && iat * 1000 < new Date(user.tokens_valid_after).getTime()) {
    return invalid('Token revoked');
  }
  return ok({
    kind: 'user',
    workspaceId: record.workspaceId,
    userId: sub,
    apiKey: record.apiKey,
    keyGeneration: record.generation,
    expiresAt,
    banned: user.banned,
  });
}
