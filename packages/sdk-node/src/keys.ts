import { createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';
import { KEY_DERIVATION } from '@cariosan/protocol';
import { assertApiSecret } from './assert-credentials';

/** DER header of a PKCS#8 Ed25519 private key; the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The Ed25519 key pair user tokens are signed with, derived from an api_secret.
 *
 * @example
 * const { publicKeyRaw } = deriveUserTokenKeys(apiSecret); // what the server stores
 */
export interface UserTokenKeys {
  /** Signs tokens; only the holder of the api_secret can recreate it. */
  privateKey: KeyObject;
  /** Verifies tokens. */
  publicKey: KeyObject;
  /** The 32 raw bytes of the public key, for storage. */
  publicKeyRaw: Uint8Array;
}

/**
 * Derives the user-token signing key pair from an api_secret: HKDF-SHA256 over the
 * secret's UTF-8 bytes gives an Ed25519 seed. The backend signs with the private half,
 * the server keeps only the public half, so a leaked database cannot forge tokens.
 *
 * @throws TypeError when `apiSecret` is not an `sk_live_`/`sk_test_` secret (the message
 * never contains it).
 * @example
 * const { privateKey, publicKey, publicKeyRaw } = deriveUserTokenKeys(apiSecret);
 */
export function deriveUserTokenKeys(apiSecret: string): UserTokenKeys {
  const seed = hkdf(apiSecret, KEY_DERIVATION.userTokenSigningKey);
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, seed]);
  try {
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    const publicKey = createPublicKey(privateKey);
    const { x } = publicKey.export({ format: 'jwk' });
    const publicKeyRaw = new Uint8Array(Buffer.from(x!, 'base64url'));
    return { privateKey, publicKey, publicKeyRaw };
  } finally {
    // The KeyObjects hold their own copy; these buffers would otherwise linger in the heap.
    seed.fill(0);
    der.fill(0);
  }
}

/**
 * Derives the 32-byte HMAC-SHA256 key webhooks are signed with. It is independent of the
 * token key (another HKDF info), so the server can keep it without being able to sign tokens.
 *
 * @throws TypeError when `apiSecret` is not an `sk_live_`/`sk_test_` secret.
 * @example
 * const hmac = createHmac('sha256', deriveWebhookSigningKey(apiSecret));
 */
export function deriveWebhookSigningKey(apiSecret: string): Buffer {
  return hkdf(apiSecret, KEY_DERIVATION.webhookSigningKey);
}

function hkdf(apiSecret: string, info: string): Buffer {
  assertApiSecret(apiSecret);
  return Buffer.from(
    hkdfSync('sha256', Buffer.from(apiSecret, 'utf8'), KEY_DERIVATION.salt, info, 32),
  );
}
