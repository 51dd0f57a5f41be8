import { chmod, unlink } from 'node:fs/promises';
import { request, type Server } from 'node:http';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';

/** The control socket's name inside the data dir (0700), itself 0600: only the server's OS user can open it. */
export const CONTROL_SOCKET = 'control.sock';

/**
 * Path of the control socket of a data dir.
 *
 * @example
 * controlSocketPath('/var/lib/cariosan'); // '/var/lib/cariosan/control.sock'
 */
export function controlSocketPath(dataDir: string): string {
  return join(dataDir, CONTROL_SOCKET);
}

/**
 * Serves control routes on a Unix socket. The caller holds the data dir lock, so a socket file
 * already there is left over from a crash and is replaced.
 *
 * @example
 * const close = await serveControlSocket(controlRoutes(deps, 'cli'), controlSocketPath(dataDir));
 */
export async function serveControlSocket(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  path: string,
): Promise<() => Promise<void>> {
  await unlink(path).catch(() => undefined);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  await chmod(path, 0o600);
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
      unlink(path).catch(() => undefined);
    });
}

export interface ControlResponse {
  status: number;
  body: unknown;
}

/** No server is listening on the control socket: the caller may open the data dir itself. */
export class ControlSocketUnavailableError extends Error {
  override name = 'ControlSocketUnavailableError';
}

/**
 * One JSON request to a running server's control socket.
 *
 * @example
 * const { status, body } = await callControl(path, 'GET', '/workspaces');
 */
export function callControl(
  path: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<ControlResponse> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: path,
        method,
        path: route,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
          } catch {
            reject(new Error(`Control socket answered with non-JSON (status ${res.statusCode})`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('Control socket timed out')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
        reject(new ControlSocketUnavailableError('No server is running on this data dir'));
      } else {
        reject(error);
      }
    });
    if (payload) req.write(payload);
    req.end();
  });
}
