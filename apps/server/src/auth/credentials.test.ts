import { randomBytes } from 'node:crypto';
import { ApiKey, ApiSecret } from '@cariosan/protocol';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  decryptAtRest,
  encryptAtRest,
  generateApiKey,
  generateApiSecret,
  hashSecret,
  verifySecret,
} from './credentials';

describe('credentials', () => {
  it('generates keys and secrets in the formats of SPEC §2, prefixed by mode', () => {
    expect(generateApiKey('live')).toMatch(/^pk_live_/);
    expect(generateApiKey('test')).toMatch(/^pk_test_/);
    expect(generateApiSecret('live')).toMatch(/^sk_live_/);
    expect(generateApiSecret('test')).toMatch(/^sk_test_/);
    expect(v.is(ApiKey, generateApiKey('live'))).toBe(true);
    expect(v.is(ApiSecret, generateApiSecret('test'))).toBe(true);
  });

  it('puts at least 256 bits of randomness in a secret, with no repeats', () => {
    const secrets = new Set(Array.from({ length: 2000 }, () => generateApiSecret('live')));
    expect(secrets.size).toBe(2000);
    const randomPart = [...secrets][0]!.slice('sk_live_'.length);
    expect(randomPart.length * Math.log2(62)).toBeGreaterThanOrEqual(256);
    // Every base62 character appears across the sample: the alphabet is fully used.
    expect(new Set([...secrets].join('').replace(/^sk_live_/gm, '')).size).toBeGreaterThanOrEqual(
      62,
    );
  });

  it('stores an argon2id hash that verifies only the right secret', async () => {
    const secret = generateApiSecret('live');
    const hash = await hashSecret(secret);
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(hash).not.toContain(secret.slice(8));
    expect(await verifySecret(hash, secret)).toBe(true);
    expect(await verifySecret(hash, generateApiSecret('live'))).toBe(false);
    expect(await verifySecret('not a hash', secret)).toBe(false);
  });

  it('encrypts at rest so that only the same master key and context decrypt', () => {
    const masterKey = randomBytes(32);
    const plaintext = randomBytes(32);
    const envelope = encryptAtRest(masterKey, plaintext, 'key_1');
    expect(envelope.includes(plaintext)).toBe(false);
    expect(decryptAtRest(masterKey, envelope, 'key_1').equals(plaintext)).toBe(true);
    expect(() => decryptAtRest(randomBytes(32), envelope, 'key_1')).toThrow();
    expect(() => decryptAtRest(masterKey, envelope, 'key_2')).toThrow();
    const tampered = Buffer.from(envelope);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => decryptAtRest(masterKey, tampered, 'key_1')).toThrow();
  });
});
