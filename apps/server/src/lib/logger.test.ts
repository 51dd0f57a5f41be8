import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

function collect(level: 'debug' | 'info' | 'warn' = 'debug') {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level, write: (line) => lines.push(line) }) };
}

describe('createLogger', () => {
  it('writes one JSON object per line with level, time and message', () => {
    const { lines, logger } = collect();
    logger.info('listening', { port: 8080 });
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ level: 'info', msg: 'listening', port: 8080 });
    expect(Number.isNaN(Date.parse(entry.time))).toBe(false);
  });

  it('drops entries below LOG_LEVEL', () => {
    const { lines, logger } = collect('warn');
    logger.info('quiet');
    logger.warn('loud');
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['loud']);
  });

  it('redacts secrets and tokens by field name and by shape, however deep', () => {
    const { lines, logger } = collect();
    const secret = `sk_live_${'Ab9'.repeat(15)}`;
    const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    logger.child({ authorization: `Bearer pk:${secret}` }).error(`failed with ${secret}`, {
      nested: { api_secret: 'x', note: `token ${jwt}` },
      error: new Error(`boom ${secret}`),
    });
    expect(lines[0]).not.toContain(secret);
    expect(lines[0]).not.toContain(jwt);
    const entry = JSON.parse(lines[0]!);
    expect(entry.authorization).toBe('[redacted]');
    expect(entry.nested.api_secret).toBe('[redacted]');
    expect(entry.error.message).toBe('boom [redacted]');
  });

  it('leaves a long run of token-like text without a token as it is', () => {
    const { lines, logger } = collect();
    const hostile = '-eyJ'.repeat(4_000);
    logger.info(hostile);
    expect(JSON.parse(lines[0]!).msg).toBe(hostile);
  });

  it('keeps text that only looks like part of a token', () => {
    const { lines, logger } = collect();
    logger.info('path /v1/users/eyJ-not.a-token and ask_live_now');
    expect(JSON.parse(lines[0]!).msg).toBe('path /v1/users/eyJ-not.a-token and ask_live_now');
  });
});
