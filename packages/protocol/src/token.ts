import * as v from 'valibot';
import { ApiKey } from './credentials';
import { UserId } from './ids';

/**
 * The only JWS algorithm of user tokens. The server pins it, so `alg: none`, HS256 with the
 * public key as secret and every other algorithm-confusion trick fail.
 *
 * @example
 * await jwtVerify(token, publicKey, { algorithms: [USER_TOKEN_ALGORITHM] });
 */
export const USER_TOKEN_ALGORITHM = 'EdDSA';

/**
 * Lifetime of a user token when neither the caller nor `CARIOS_JWT_TTL_HOURS` says otherwise.
 *
 * @example
 * const exp = iat + DEFAULT_USER_TOKEN_TTL_SECONDS; // 24 h later
 */
export const DEFAULT_USER_TOKEN_TTL_SECONDS = 86_400;

/**
 * Longest lifetime a user token may be issued with: a leaked token must not outlive a month.
 *
 * @example
 * if (ttlSeconds > MAX_USER_TOKEN_TTL_SECONDS) throw new RangeError('too long');
 */
export const MAX_USER_TOKEN_TTL_SECONDS = 30 * 86_400;

/** JWT NumericDate: whole seconds since the epoch. */
const NumericDate = v.pipe(v.number(), v.integer('must be whole seconds'), v.minValue(0));

/**
 * Claims of a user token. `iss` is the workspace's api_key: the server finds the workspace
 * (and the public keys it may verify against) by it before checking the signature.
 *
 * @example
 * const result = v.safeParse(UserTokenClaims, decodeJwt(token));
 * if (result.success) console.log(result.output.sub);
 */
export const UserTokenClaims = v.pipe(
  v.object({
    sub: UserId,
    iss: ApiKey,
    iat: NumericDate,
    exp: NumericDate,
    jti: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
  }),
  v.check((claims) => claims.exp > claims.iat, 'exp must be after iat'),
);
export type UserTokenClaims = v.InferOutput<typeof UserTokenClaims>;
