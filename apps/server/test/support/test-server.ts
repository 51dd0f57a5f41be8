import { randomBytes } from 'node:crypto';
import { createApp } from '../../src/app';
import { type ControlBus, startControlBus } from '../../src/control/control-bus';
import { controlApp } from '../../src/control/control-routes';
import type { Deps } from '../../src/deps';
import { loadConfig } from '../../src/env';
import { createLogger } from '../../src/lib/logger';
import { buildDeps } from '../../src/server';
import type { RevealedCredentials } from '../../src/workspaces/workspace.service';
import { createTestDatabase, type TestDatabase } from './test-db';

export interface TestServer {
  deps: Deps;
  app: ReturnType<typeof createApp>;
  control: ReturnType<typeof controlApp>;
  controlBus: ControlBus;
  testDb: TestDatabase;
  /** Every log line written so far, for "no secret in the logs" checks. */
  logLines: string[];
  createWorkspace(options?: { name?: string; test?: boolean }): Promise<RevealedCredentials>;
  rotateSecret(workspaceId: string): Promise<RevealedCredentials>;
  deleteWorkspace(workspaceId: string): Promise<void>;
  /** GET /v1/workspace with an Authorization header. */
  /** GET /v1/workspace; `address` is the client address (a fresh one per call unless given). */
  whoami(authorization: string | undefined, address?: string): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The server's real dependency graph over a fresh test database (PGlite, or PostgreSQL when
 * DATABASE_URL is set), with the control bus listening, logs captured, and requests sent
 * through `app.request()`.
 *
 * @example
 * const server = await createTestServer();
 * const ws = await server.createWorkspace();
 */
export async function createTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const testDb = await createTestDatabase();
  const logLines: string[] = [];
  const config = loadConfig({
    CARIOSAN_MASTER_KEY: (testDb.masterKey ?? randomBytes(32)).toString('base64'),
    LOG_LEVEL: 'debug',
    ...env,
  });
  const logger = createLogger({ level: 'debug', write: (line) => logLines.push(line) });
  const deps = await buildDeps(config, testDb.handle, logger);
  const controlBus = await startControlBus({
    database: testDb.handle,
    keyStore: deps.keyStore,
    serverAuth: deps.serverAuth,
    logger,
    metrics: deps.metrics,
  });
  const app = createApp(deps);
  const control = controlApp(deps, 'test');
  const json = async <T>(response: Response): Promise<T> => {
    const body = await response.json();
    if (!response.ok)
      throw new Error(`control request failed: ${response.status} ${JSON.stringify(body)}`);
    return body as T;
  };
  return {
    deps,
    app,
    control,
    controlBus,
    testDb,
    logLines,
    createWorkspace: async (options = {}) =>
      json<RevealedCredentials>(
        await control.request('/workspaces', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: options.name ?? 'Test app', test: options.test ?? false }),
        }),
      ),
    rotateSecret: async (workspaceId) =>
      json<RevealedCredentials>(
        await control.request(`/workspaces/${workspaceId}/rotate-secret`, { method: 'POST' }),
      ),
    deleteWorkspace: async (workspaceId) => {
      await json(await control.request(`/workspaces/${workspaceId}`, { method: 'DELETE' }));
    },
    whoami: (authorization, address = `10.${randomOctet()}.${randomOctet()}.${randomOctet()}`) =>
      Promise.resolve(
        app.request(
          '/v1/workspace',
          { headers: authorization ? { authorization } : {} },
          connectionFrom(address),
        ),
      ),
    close: async () => {
      await controlBus.stop();
      await testDb.cleanup();
    },
  };
}

function randomOctet(): number {
  return randomBytes(1)[0]!;
}

/** The env @hono/node-server gives a request, so `getConnInfo` sees this client address. */
export function connectionFrom(address: string) {
  return {
    incoming: { socket: { remoteAddress: address, remotePort: 40000, remoteFamily: 'IPv4' } },
  };
}

/** `Bearer <api_key>:<api_secret>` of revealed credentials. */
export function bearer(credentials: { api_key: string; api_secret: string }): string {
  return `Bearer ${credentials.api_key}:${credentials.api_secret}`;
}
