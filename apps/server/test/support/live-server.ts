import type { AddressInfo } from 'node:net';
import { Cariosan } from '@cariosan/node';
import { type Gateway, startGateway } from '../../src/gateway/gateway';
import { listenHttp } from '../../src/http/http-server';
import { settledWithin } from '../../src/lib/time';
import type { RevealedCredentials } from '../../src/workspaces/workspace.service';
import { createTestServer, type TestServer } from './test-server';

/** A test server listening on a real port, with the WebSocket gateway. */
export interface LiveServer extends TestServer {
  url: string;
  wsUrl: string;
  gateway: Gateway;
  /** A workspace and an SDK client for its server key pair. */
  workspace(): Promise<{ credentials: RevealedCredentials; sdk: Cariosan }>;
  /** Drains the gateway (1012 to every socket) and stops; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts createTestServer's graph on 127.0.0.1 with a real HTTP server and gateway.
 *
 * @example
 * const server = await startLiveServer();
 * const socket = await openSocket(server.wsUrl, token);
 */
export async function startLiveServer(env: Record<string, string> = {}): Promise<LiveServer> {
  const base = await createTestServer(env);
  const http = await listenHttp(base.app.fetch, {
    port: 0,
    hostname: '127.0.0.1',
    maxConnections: base.deps.config.maxConnections,
    requestTimeoutMs: base.deps.config.httpRequestTimeoutSeconds * 1000,
  });
  const gateway = await startGateway(base.deps, base.controlBus);
  http.on('upgrade', gateway.handleUpgrade);
  const port = (http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  return {
    ...base,
    url,
    wsUrl: `ws://127.0.0.1:${port}/v1/ws`,
    gateway,
    async workspace() {
      const credentials = await base.createWorkspace();
      const sdk = new Cariosan({
        apiKey: credentials.api_key,
        apiSecret: credentials.api_secret,
        baseUrl: url,
      });
      return { credentials, sdk };
    },
    close() {
      closing ??= (async () => {
        // Each phase has a deadline, as `cariosan serve`'s have: a stop that hangs is named on
        // stderr and passed over instead of timing out the test file's hook.
        await phase('gateway', gateway.close(1_000), 10_000);
        await phase(
          'http server',
          new Promise<void>((resolve) => {
            http.close(() => resolve());
            http.closeAllConnections();
          }),
          10_000,
        );
        await phase('control bus and database', base.close(), 20_000);
      })();
      return closing;
    },
  };
}

async function phase(name: string, work: Promise<unknown>, ms: number): Promise<void> {
  if (!(await settledWithin(work, ms))) {
    process.stderr.write(`live server: ${name} did not stop within ${ms} ms; going on\n`);
  }
}
