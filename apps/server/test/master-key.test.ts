import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnServer } from './support/processes';
import { createTestDatabase } from './support/test-db';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const key = () => randomBytes(32).toString('base64');

/** Where this run's data lives, and the master key it was first opened with. */
async function storage(): Promise<{ env: Record<string, string>; firstKey: string }> {
  if (process.env.DATABASE_URL) {
    const db = await createTestDatabase();
    cleanups.push(() => db.cleanup());
    return { env: { DATABASE_URL: db.databaseUrl! }, firstKey: db.masterKey!.toString('base64') };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'cariosan-key-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const firstKey = key();
  const first = await spawnServer({ CARIOSAN_DATA_DIR: dataDir, CARIOSAN_MASTER_KEY: firstKey });
  const code = await first.stop();
  if (code !== 0) throw new Error(`first server exited ${code}:\n${first.output()}`);
  return { env: { CARIOSAN_DATA_DIR: dataDir }, firstKey };
}

describe('CARIOSAN_MASTER_KEY check value', () => {
  it('refuses to start with another master key than the database was set up with, and says so', async () => {
    const { env, firstKey } = await storage();
    const refused = await spawnServer({ ...env, CARIOSAN_MASTER_KEY: key() }).then(
      () => new Error('started'),
      (error: Error) => error,
    );
    expect(refused.message).toMatch(
      /CARIOSAN_MASTER_KEY is not the key this database was set up with/,
    );
    // The original key never reaches the output (a substring: base64 holds regex characters).
    expect(refused.message).not.toContain(firstKey.slice(0, 12));

    const right = await spawnServer({ ...env, CARIOSAN_MASTER_KEY: firstKey });
    expect((await fetch(`${right.url}/readyz`)).status).toBe(200);
    expect(await right.stop()).toBe(0);
  }, 120_000);
});
