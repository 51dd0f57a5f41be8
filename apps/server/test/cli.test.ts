import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCliProcess, type ServerProcess, spawnServer } from './support/processes';
import { createTestDatabase, type TestDatabase } from './support/test-db';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Revealed {
  workspace_id: string;
  name: string;
  api_key: string;
  api_secret: string;
}

async function status(server: ServerProcess, credentials: { api_key: string; api_secret: string }) {
  const response = await fetch(`${server.url}/v1/workspace`, {
    headers: { authorization: `Bearer ${credentials.api_key}:${credentials.api_secret}` },
  });
  return response.status;
}

/** Polls until every server answers `expected`: "on every node within a second". */
async function expectEverywhereWithinASecond(
  servers: ServerProcess[],
  credentials: Revealed,
  expected: number,
) {
  for (const server of servers) {
    await expect
      .poll(() => status(server, credentials), { timeout: 1000, interval: 20 })
      .toBe(expected);
  }
}

async function json<T>(args: string[], env: Record<string, string>): Promise<T> {
  const result = await runCliProcess([...args, '--json'], env);
  expect(result.stderr).not.toMatch(/error/i);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

// Each CLI call is a process that opens the embedded database: slow on a busy 2-core machine.
describe('cariosan CLI on the embedded database', () => {
  it('manages workspaces through the control socket while the server runs, and directly when it does not', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cariosan-cli-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const env = { CARIOSAN_DATA_DIR: dataDir };
    const server = await spawnServer(env);
    cleanups.push(() => server.stop());
    expect((await stat(join(dataDir, 'control.sock'))).mode & 0o777).toBe(0o600);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);

    const created = await json<Revealed>(['workspace', 'create', '--name', 'Buyer app'], env);
    expect(created).toMatchObject({
      name: 'Buyer app',
      workspace_id: expect.stringMatching(/^ws_/),
    });
    expect(created.api_key).toMatch(/^pk_live_/);
    expect(created.api_secret).toMatch(/^sk_live_/);
    expect(await status(server, created)).toBe(200);

    const listed = await json<Array<{ workspace_id: string }>>(['workspace', 'list'], env);
    expect(listed.map((w) => w.workspace_id)).toContain(created.workspace_id);
    expect(JSON.stringify(listed)).not.toContain(created.api_secret);
    const table = await runCliProcess(['workspace', 'list'], env);
    expect(table.stdout).toMatch(/WORKSPACE ID\s+NAME/);
    expect(table.stdout).toContain('Buyer app');

    const rotated = await json<Revealed>(
      ['workspace', 'rotate-secret', '--workspace-id', created.workspace_id],
      env,
    );
    expect(rotated.api_key).toBe(created.api_key);
    await expectEverywhereWithinASecond([server], created, 401);
    expect(await status(server, rotated)).toBe(200);

    const refused = await runCliProcess(
      ['workspace', 'delete', '--workspace-id', created.workspace_id],
      env,
    );
    expect(refused.code).toBe(1);
    expect(await status(server, rotated)).toBe(200);
    await json(['workspace', 'delete', '--workspace-id', created.workspace_id, '--yes'], env);
    await expectEverywhereWithinASecond([server], rotated, 401);

    const migrate = await runCliProcess(['migrate'], env);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toMatch(/applied migrations when it started/);

    expect(await server.stop()).toBe(0);
    expect(existsSync(join(dataDir, 'cariosan.pid'))).toBe(false);
    expect(existsSync(join(dataDir, 'control.sock'))).toBe(false);

    const offline = await runCliProcess(
      ['workspace', 'create', '--name', 'Offline', '--test'],
      env,
    );
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/api_secret\s+sk_test_/);
    expect(offline.stdout).toMatch(/shown only this once/);
    const restarted = await spawnServer(env);
    cleanups.push(() => restarted.stop());
    const names = (await json<Array<{ name: string }>>(['workspace', 'list'], env)).map(
      (w) => w.name,
    );
    expect(names).toEqual(['Offline']);
  }, 120_000);

  it('answers unknown ids and bad input with an error and a non-zero exit', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cariosan-cli-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const env = { CARIOSAN_DATA_DIR: dataDir };
    const missing = await runCliProcess(
      ['workspace', 'rotate-secret', '--workspace-id', `ws_${'0'.repeat(26)}`],
      env,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No such workspace/);
    const malformed = await runCliProcess(
      ['workspace', 'delete', '--workspace-id', 'nope', '--yes', '--json'],
      env,
    );
    expect(malformed.code).toBe(1);
    expect(JSON.parse(malformed.stdout).error).toMatchObject({ code: 'invalid_request' });
    expect((await runCliProcess(['workspace', 'create'], env)).code).toBe(2);
    expect((await runCliProcess(['workspace', 'frobnicate'], env)).code).toBe(2);
  }, 120_000);
});

if (process.env.DATABASE_URL) {
  describe('cariosan CLI on PostgreSQL', () => {
    it('applies rotation and deletion on every running node within a second', async () => {
      const db: TestDatabase = await createTestDatabase();
      cleanups.push(() => db.cleanup());
      const env = {
        DATABASE_URL: db.databaseUrl!,
        CARIOSAN_MASTER_KEY: db.masterKey!.toString('base64'),
      };
      const nodes = await Promise.all([spawnServer(env), spawnServer(env)]);
      for (const node of nodes) cleanups.push(() => node.stop());

      const created = await json<Revealed>(['workspace', 'create', '--name', 'Fleet app'], env);
      await expectEverywhereWithinASecond(nodes, created, 200);
      const rotated = await json<Revealed>(
        ['workspace', 'rotate-secret', '--workspace-id', created.workspace_id],
        env,
      );
      await expectEverywhereWithinASecond(nodes, created, 401);
      await expectEverywhereWithinASecond(nodes, rotated, 200);
      await json(['workspace', 'delete', '--workspace-id', created.workspace_id, '--yes'], env);
      await expectEverywhereWithinASecond(nodes, rotated, 401);
      for (const node of nodes) expect(await node.stop()).toBe(0);
    }, 120_000);

    it('refuses to start without CARIOSAN_MASTER_KEY, saying how to make one', async () => {
      const db = await createTestDatabase();
      cleanups.push(() => db.cleanup());
      await expect(spawnServer({ DATABASE_URL: db.databaseUrl! })).rejects.toThrow(
        /CARIOSAN_MASTER_KEY is required/,
      );
    });
  });
}
