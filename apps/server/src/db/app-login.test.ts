import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appLoginPassword, appLoginRole, appLoginVerifier, scramSha256Verifier } from './app-login';

describe('appLoginRole', () => {
  test.each([
    ['cariosan', 'cariosan_app_cariosan'],
    ['cariosan_t_0123456789abcdef', 'cariosan_app_cariosan_t_0123456789abcdef'],
  ])('a plain name %s stays readable', (database, role) => {
    expect(appLoginRole(database)).toBe(role);
  });

  test.each(['Chat', 'chat-prod', 'x'.repeat(51), 'ü'])(
    'any other name %s becomes a hash that is a plain identifier',
    (database) => {
      const role = appLoginRole(database);
      expect(role).toMatch(/^cariosan_app_[0-9a-f]{16}$/);
      expect(appLoginRole(database)).toBe(role);
    },
  );

  test('names that differ only in case get different roles', () => {
    expect(appLoginRole('Chat')).not.toBe(appLoginRole('chat'));
  });
});

describe('appLoginPassword', () => {
  const key = randomBytes(32);

  test('is stable for one key and role, and differs per role and per key', () => {
    const password = appLoginPassword(key, 'cariosan_app_a');
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(appLoginPassword(key, 'cariosan_app_a')).toBe(password);
    expect(appLoginPassword(key, 'cariosan_app_b')).not.toBe(password);
    expect(appLoginPassword(randomBytes(32), 'cariosan_app_a')).not.toBe(password);
  });

  test('the verifier does not contain the password and is the same on every call', () => {
    const verifier = appLoginVerifier(key, 'cariosan_app_a');
    expect(verifier).toMatch(
      /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/,
    );
    expect(verifier).not.toContain(appLoginPassword(key, 'cariosan_app_a'));
    expect(appLoginVerifier(key, 'cariosan_app_a')).toBe(verifier);
  });
});

describe('scramSha256Verifier matches what PostgreSQL stores', () => {
  let pglite: PGlite;

  beforeAll(async () => {
    pglite = await PGlite.create();
  });

  afterAll(() => pglite.close());

  test.each(['pencil', appLoginPassword(randomBytes(32), 'cariosan_app_x')])(
    'for the password %s',
    async (password) => {
      await pglite.exec(`create role scram_probe login`);
      try {
        await pglite.exec(`set password_encryption = 'scram-sha-256'`);
        await pglite.query(`alter role scram_probe password '${password}'`);
        const { rows } = await pglite.query<{ stored: string }>(
          `select rolpassword as stored from pg_authid where rolname = 'scram_probe'`,
        );
        const stored = rows[0]!.stored;
        const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;
        expect(
          scramSha256Verifier(password, Buffer.from(salt!, 'base64'), Number(iterations)),
        ).toBe(stored);
      } finally {
        await pglite.exec(`drop role scram_probe`);
      }
    },
  );
});
