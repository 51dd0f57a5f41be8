import { controlApp } from '../control/control-routes';
import {
  type ControlResponse,
  ControlSocketUnavailableError,
  callControl,
  controlSocketPath,
} from '../control/control-socket';
import type { Config } from '../env';
import type { Logger } from '../lib/logger';
import { buildDeps, openStorage } from '../server';

export interface ControlRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
}

/**
 * Sends a workspace command to the control routes: over the running server's socket in
 * embedded mode (only one process may open PGlite's files), else in-process on storage opened
 * here. Either way the same routes run, and with PostgreSQL every node hears the change
 * through NOTIFY.
 *
 * @example
 * const { status, body } = await sendControlRequest(config, { method: 'GET', path: '/workspaces' }, logger);
 */
export async function sendControlRequest(
  config: Config,
  request: ControlRequest,
  logger: Logger,
): Promise<ControlResponse> {
  if (!config.databaseUrl) {
    try {
      return await callControl(
        controlSocketPath(config.dataDir),
        request.method,
        request.path,
        request.body,
      );
    } catch (error) {
      if (!(error instanceof ControlSocketUnavailableError)) throw error;
    }
  }
  const { database, release } = await openStorage(config, { waitForLockMs: 10_000 });
  try {
    const deps = await buildDeps(config, database, logger);
    const response = await controlApp(deps, 'cli').request(request.path, {
      method: request.method,
      ...(request.body === undefined
        ? {}
        : { body: JSON.stringify(request.body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: response.status, body: await response.json() };
  } finally {
    await database.close();
    await release();
  }
}
