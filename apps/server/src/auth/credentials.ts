import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt } from 'node:crypto';
import {
  API_KEY_RANDOM_LENGTH,
  API_SECRET_RANDOM_LENGTH,
  CREDENTIAL_ALPHABET,
  type CredentialMode,
} from '@cariosan/protocol';
import { hash, verify } from '@node-rs/argon2';

/** argon2id with OWASP's baseline (19 MiB, 2 passes): the secret is random, so this is defence in depth. */
// 2 = Algorithm.Argon2id (a const enum, which isolated modules cannot import).
const ARGON2_OPTIONS = { algorithm: 2 as const, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

function randomBase62(length: number): string {
  let out = '';
  // randomInt is uniform (it rejects biased draws), so every character carries log2(62) bits.
  for (let i = 0; i < length; i++)
    out += CREDENTIAL_ALPHABET[randomInt(CREDENTIAL_ALPHABET.length)];
  return out;
}

/**
 * A new public api_key: `pk_live_…` or `pk_test_…`.
 *
 * @example
 * generateApiKey('test'); // 'pk_test_…'
 */
export function generateApiKey(mode: CredentialMode): string {
  return `pk_${mode}_${randomBase62(API_KEY_RANDOM_LENGTH)}`;
}

/**
 * A new api_secret with ≥ 256 bits from the CSPRNG: `sk_live_…` or `sk_test_…`.
 *
 * @example
 * generateApiSecret('live'); // shown once, then only its hash is kept
 */
export function generateApiSecret(mode: CredentialMode): string {
  return `sk_${mode}_${randomBase62(API_SECRET_RANDOM_LENGTH)}`;
}

/**
 * The argon2id PHC string stored in place of the secret.
 *
 * @example
 * const secretHash = await hashSecret(apiSecret);
 */
export function hashSecret(secret: string): Promise<string> {
  return hash(secret, ARGON2_OPTIONS);
}

/**
 * Checks a presented secret against its stored argon2id hash (constant time inside argon2).
 *
 * @example
 * if (await verifySecret(row.secret_hash, presented)) …
 */
export async function verifySecret(secretHash: string, secret: string): Promise<boolean> {
  try {
    return await verify(secretHash, secret);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * An argon2id hash of a random secret nobody holds, made once per process with the same
 * parameters as real ones: verifying an unknown api_key against it costs what verifying a
 * known one does, so timing does not tell which keys exist.
 *
 * @example
 * const matches = await verifySecret(record?.secretHash ?? (await dummySecretHash()), secret);
 */
export function dummySecretHash(): Promise<string> {
  dummyHash ??= hashSecret(generateApiSecret('live'));
  return dummyHash;
}

/**
 * A fast, non-reversible fingerprint of a key pair, used as the verification cache key so the
 * cache never holds a secret.
 *
 * @example
 * cache.get(fingerprint(`${apiKey}:${apiSecret}`));
 */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

const ENVELOPE_VERSION = 1;

/**
 * Encrypts with AES-256-GCM under the master key. `context` (e.g. the api key record id) is
 * bound as associated data, so a ciphertext copied to another row does not decrypt.
 * Layout: version (1) | iv (12) | tag (16) | ciphertext.
 *
 * @example
 * const stored = encryptAtRest(masterKey, webhookKey, apiKeyId);
 */
export function encryptAtRest(masterKey: Buffer, plaintext: Uint8Array, context: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([ENVELOPE_VERSION]), iv, cipher.getAuthTag(), body]);
}

/**
 * Reverses `encryptAtRest`; throws if the master key, context or bytes are wrong.
 *
 * @example
 * const webhookKey = decryptAtRest(masterKey, row.webhook_key_enc, row.id);
 */
export function decryptAtRest(masterKey: Buffer, envelope: Uint8Array, context: string): Buffer {
  const bytes = Buffer.from(envelope);
  if (bytes[0] !== ENVELOPE_VERSION) throw new Error('Unknown encryption envelope version');
  const decipher = createDecipheriv('aes-256-gcm', masterKey, bytes.subarray(1, 13));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(bytes.subarray(13, 29));
  return Buffer.concat([decipher.update(bytes.subarray(29)), decipher.final()]);
}
