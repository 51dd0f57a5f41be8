import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorkspace, loadConfig, startServer } from '@cariosan/server';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    cariosan: { url: string; apiKey: string; apiSecret: string };
  }
}

/**
 * A real Cariosan server for the hook tests, started in Node (outside happy-dom, whose
 * Request/Response globals are not the server's).
 */
export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(join(tmpdir(), 'cariosan-react-'));
  const server = await startServer(
    loadConfig({
      CARIOSAN_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      CARIOSAN_WS_FRAME_RATE: '0',
    }),
  );
  const created = await createWorkspace(
    { db: server.deps.database.db, masterKey: server.deps.masterKey },
    { name: 'react tests' },
    'test',
  );
  if (!created.ok) throw new Error(created.error.message);
  project.provide('cariosan', {
    url: server.url,
    apiKey: created.value.api_key,
    apiSecret: created.value.api_secret,
  });
  return async () => {
    await server.close(1_000);
    await rm(dataDir, { recursive: true, force: true });
  };
}
