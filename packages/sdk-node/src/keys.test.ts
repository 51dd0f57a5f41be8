import { createPublicKey, randomInt, sign, verify } from 'node:crypto';
import { CREDENTIAL_ALPHABET, KEY_DERIVATION } from '@cariosan/protocol';
import { describe, expect, it } from 'vitest';
import { deriveUserTokenKeys, deriveWebhookSigningKey } from './keys';

function randomBase62(length: number): string {
  return Array.from({ length }, () => CREDENTIAL_ALPHABET[randomInt(62)]).join('');
}
const newSecret = () => `sk_test_${randomBase62(43)}`;

function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('deriveUserTokenKeys', () => {
  it('derives the same 32-byte Ed25519 key pair from the same secret', () => {
    const secret = newSecret();
    const first = deriveUserTokenKeys(secret);
    const second = deriveUserTokenKeys(secret);
    expect(first.publicKeyRaw).toHaveLength(32);
    expect(first.privateKey.asymmetricKeyType).toBe('ed25519');
    expect(first.publicKey.asymmetricKeyType).toBe('ed25519');
    expect(Buffer.from(second.publicKeyRaw).equals(Buffer.from(first.publicKeyRaw))).toBe(true);
  });

  it('derives a different key pair for every secret', () => {
    const a = deriveUserTokenKeys(newSecret());
    const b = deriveUserTokenKeys(newSecret());
    expect(Buffer.from(a.publicKeyRaw).equals(Buffer.from(b.publicKeyRaw))).toBe(false);
  });

  it('gives a raw public key that verifies what the private key signs', () => {
    const { privateKey, publicKeyRaw } = deriveUserTokenKeys(newSecret());
    const rebuilt = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKeyRaw).toString('base64url') },
      format: 'jwk',
    });
    const signature = sign(null, Buffer.from('hello'), privateKey);
    expect(verify(null, Buffer.from('hello'), rebuilt, signature)).toBe(true);
  });

  it('follows the documented HKDF-SHA256 recipe, so other SDKs derive the same key', async () => {
    const secret = newSecret();
    const encode = (text: string) => new TextEncoder().encode(text);
    const ikm = await crypto.subtle.importKey('raw', encode(secret), 'HKDF', false, ['deriveBits']);
    const seed = await crypto.subtle.deriveBits(
      {
        name: 'HKDF',
        hash: 'SHA-256',
        salt: encode(KEY_DERIVATION.salt),
        info: encode(KEY_DERIVATION.userTokenSigningKey),
      },
      ikm,
      256,
    );
    const { d } = deriveUserTokenKeys(secret).privateKey.export({ format: 'jwk' });
    expect(Buffer.from(d!, 'base64url').equals(Buffer.from(seed))).toBe(true);
  });

  it('keeps deriving the pinned public key of a fixed secret (cross-SDK vector)', () => {
    const secret = `sk_test_${'0'.repeat(43)}`;
    expect(Buffer.from(deriveUserTokenKeys(secret).publicKeyRaw).toString('hex')).toBe(
      'ed312b8513a2ee00fc82a332d511a0cbb93c707eeb7f90d0f0e46c705c7c1017',
    );
  });

  it('rejects malformed secrets without echoing them', () => {
    const tooShort = `sk_live_${randomBase62(20)}`;
    const withNewline = `${newSecret()}\n`;
    const aKey = `pk_test_${randomBase62(24)}`;
    for (const bad of [tooShort, withNewline, aKey, '', 'hunter2hunter2']) {
      const error = thrownBy(() => deriveUserTokenKeys(bad));
      expect(error).toBeInstanceOf(TypeError);
      if (bad) expect(error.message).not.toContain(bad.trim());
    }
    expect(() => deriveUserTokenKeys(undefined as unknown as string)).toThrow(/undefined/);
  });
});

describe('deriveWebhookSigningKey', () => {
  it('derives the same 32 bytes from the same secret and others from another', () => {
    const secret = newSecret();
    const key = deriveWebhookSigningKey(secret);
    expect(key).toHaveLength(32);
    expect(deriveWebhookSigningKey(secret).equals(key)).toBe(true);
    expect(deriveWebhookSigningKey(newSecret()).equals(key)).toBe(false);
  });

  it('is independent of the token signing seed', () => {
    const secret = newSecret();
    const { d } = deriveUserTokenKeys(secret).privateKey.export({ format: 'jwk' });
    expect(deriveWebhookSigningKey(secret).equals(Buffer.from(d!, 'base64url'))).toBe(false);
  });

  it('rejects a malformed secret without echoing it', () => {
    const bad = `sk_test_${randomBase62(42)}`;
    const error = thrownBy(() => deriveWebhookSigningKey(bad));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).not.toContain(bad);
  });
});
