import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './env';

describe('loadConfig', () => {
  it('applies SPEC §6 defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      jwtTtlHours: 24,
      logLevel: 'info',
      databaseUrl: undefined,
      rateLimit: 0,
    });
    expect(config.dataDir.endsWith('.cariosan')).toBe(true);
  });

  it('names every invalid variable at once', () => {
    expect(() =>
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' }),
    ).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT/);
      expect((error as Error).message).toMatch(/LOG_LEVEL/);
      expect((error as Error).message).toMatch(/DATABASE_URL/);
    }
  });

  it('refuses an admin key short enough to guess, saying how to make one', () => {
    expect(() => loadConfig({ CARIOSAN_ADMIN_KEY: 'hunter2' })).toThrow(/at least 32 characters/);
    expect(loadConfig({ CARIOSAN_ADMIN_KEY: 'k'.repeat(32) }).adminKey).toBe('k'.repeat(32));
  });

  it('reads CARIOS_JWT_TTL_HOURS as a cap in hours, decimals allowed, as the SDK does', () => {
    expect(loadConfig({ CARIOS_JWT_TTL_HOURS: '0.5' }).jwtTtlHours).toBe(0.5);
    for (const bad of ['0', '-1', 'abc', 'Infinity']) {
      expect(() => loadConfig({ CARIOS_JWT_TTL_HOURS: bad })).toThrow(/CARIOS_JWT_TTL_HOURS/);
    }
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', CARIOS_JWT_TTL_HOURS: '2' })).toMatchObject({
      databaseUrl: undefined,
      jwtTtlHours: 2,
    });
  });

  it('allows every browser origin by default, none with "none", or an exact list', () => {
    expect(loadConfig({}).corsOrigins).toBe('*');
    expect(loadConfig({ CARIOSAN_CORS_ORIGINS: 'none' }).corsOrigins).toEqual([]);
    expect(
      loadConfig({ CARIOSAN_CORS_ORIGINS: 'https://App.example.com/, http://localhost:5173' })
        .corsOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(() => loadConfig({ CARIOSAN_CORS_ORIGINS: 'app.example.com' })).toThrow(
      /CARIOSAN_CORS_ORIGINS/,
    );
  });
});
