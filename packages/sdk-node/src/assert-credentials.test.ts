import { randomInt } from 'node:crypto';
import { CREDENTIAL_ALPHABET } from '@cariosan/protocol';
import { describe, expect, it } from 'vitest';
import { assertApiKey, assertApiSecret, assertServerCredentials } from './assert-credentials';

function randomBase62(length: number): string {
  return Array.from({ length }, () => CREDENTIAL_ALPHABET[randomInt(62)]).join('');
}
const apiKey = `pk_test_${randomBase62(24)}`;
const apiSecret = `sk_test_${randomBase62(43)}`;

function messageOf(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as Error).message;
  }
  throw new Error('expected a throw');
}

describe('assertApiSecret', () => {
  it('accepts a well-formed secret', () => {
    expect(() => assertApiSecret(apiSecret)).not.toThrow();
  });

  it('says what kind of value arrived, never the value', () => {
    expect(messageOf(() => assertApiSecret(undefined))).toMatch(/environment variable/);
    expect(messageOf(() => assertApiSecret(apiKey))).toMatch(/got an api_key/);
    expect(messageOf(() => assertApiSecret(`${apiSecret}\n`))).toMatch(/whitespace/);
    const truncated = apiSecret.slice(0, 30);
    const message = messageOf(() => assertApiSecret(truncated));
    expect(message).toMatch(/wrong format or length/);
    expect(message).not.toContain(truncated.slice(8));
  });
});

describe('assertApiKey', () => {
  it('rejects a secret passed as the key without echoing it', () => {
    const message = messageOf(() => assertApiKey(apiSecret));
    expect(message).toMatch(/^apiKey must be/);
    expect(message).not.toContain(apiSecret.slice(8));
  });
});

describe('assertServerCredentials', () => {
  it('rejects a live key with a test secret', () => {
    const liveKey = `pk_live_${randomBase62(24)}`;
    expect(messageOf(() => assertServerCredentials({ apiKey: liveKey, apiSecret }))).toMatch(
      /live key but apiSecret is a test secret/,
    );
  });
});
