import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createApp } from './app';
import { KeyStore } from './auth/key-store';
import { loadMasterKey, parseMasterKey } from './auth/master-key';
import { ServerAuthenticator } from './auth/server-auth';
import { type ControlBus, startControlBus } from './control/control-bus';
import { controlApp } from './control/control-routes';
import { controlSocketPath, serveControlSocket } from './control/control-socket';
import { DataDirLockedError, lockDataDir } from './control/data-dir-lock';
import { type DbHandle, migrateDatabase, openDatabase } from './db/create-db';
import type { Deps } from './deps';
import type { Config } from './env';
import { useBusKey } from './events/bus-seal';
import { type Gateway, startGateway } from './gateway/gateway';
import { listenHttp } from './http/http-server';
import { createLogger, type Logger } from './lib/logger';
import { Metrics } from './lib/metrics';
import { settledWithin } from './lib/time';
import { startWebhookWorker } from './webhooks/delivery-worker';

/** Where embedded mode keeps PGlite's files inside CARIOSAN_DATA_DIR. */
export const PGLITE_DIR = 'pgdata';

/**
 * Opens the storage a config selects: PostgreSQL with DATABASE_URL, else PGlite in the data
 * dir, locked to this process. Migrations are applied on open. On PostgreSQL the sessions log
 * in as a role derived from the master key (or CARIOSAN_APP_DATABASE_URL's).
 *
 * @example
 * const { database, release } = await openStorage(config, { waitForLockMs: 5000 });
 */
export async function openStorage(
  config: Config,
  options: { waitForLockMs?: number; masterKey?: Buffer } = {},
) {
  if (config.databaseUrl) {
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      appDatabaseUrl: config.appDatabaseUrl,
      masterKey:
        options.masterKey ?? (config.masterKey ? parseMasterKey(config.masterKey) : undefined),
    });
    return { database, release: async () => {} };
  }
  const deadline = Date.now() + (options.waitForLockMs ?? 0);
  for (;;) {
    try {
      const release = await lockDataDir(config.dataDir);
      try {
        const database = await openDatabase({
          dataDir: join(config.dataDir, PGLITE_DIR),
          masterKey:
            options.masterKey ?? (config.masterKey ? parseMasterKey(config.masterKey) : undefined),
        });
        return { database, release };
      } catch (error) {
        await release();
        throw error;
      }
    } catch (error) {
      // A CLI command holds the directory for a moment; wait for it rather than fail.
      if (!(error instanceof DataDirLockedError) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * `cariosan migrate`: applies pending migrations to the configured storage and closes it.
 *
 * @example
 * const { applied } = await migrateStorage(config);
 */
export async function migrateStorage(config: Config): Promise<{ applied: string[] }> {
  if (config.databaseUrl) return migrateDatabase({ databaseUrl: config.databaseUrl });
  const release = await lockDataDir(config.dataDir);
  try {
    return await migrateDatabase({ dataDir: join(config.dataDir, PGLITE_DIR) });
  } finally {
    await release();
  }
}

/**
 * Builds the dependency graph over an open database; loads the master key unless given.
 *
 * @example
 * const deps = await buildDeps(config, database, logger);
 */
export async function buildDeps(
  config: Config,
  database: DbHandle,
  logger: Logger,
  loadedMasterKey?: Buffer,
): Promise<Deps> {
  const masterKey =
    loadedMasterKey ??
    (await loadMasterKey({
      masterKey: config.masterKey,
      dataDir: config.databaseUrl ? undefined : config.dataDir,
      logger,
    }));
  useBusKey(masterKey);
  const keyStore = new KeyStore(database.db);
  const serverAuth = new ServerAuthenticator({ keyStore });
  const metrics = new Metrics();
  metrics.gauge(
    'process_resident_memory_bytes',
    'Resident memory of this node',
    () => process.memoryUsage().rss,
  );
  metrics.gauge('process_heap_used_bytes', 'V8 heap in use', () => process.memoryUsage().heapUsed);
  metrics.gauge('process_uptime_seconds', 'Seconds since this node started', () =>
    process.uptime(),
  );
  return { config, database, logger, masterKey, keyStore, serverAuth, metrics, now: Date.now };
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  deps: Deps;
  controlBus: ControlBus;
  /** The WebSocket gateway at /v1/ws. */
  gateway: Gateway;
  /** Graceful stop: no new connections, in-flight requests finish (up to `graceMs`), then storage closes. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts a Cariosan node: storage, caches, control events, the HTTP server, and in embedded
 * mode the control socket the CLI talks to.
 *
 * @example
 * const server = await startServer(loadConfig(process.env));
 * process.on('SIGTERM', () => server.close());
 */
export async function startServer(
  config: Config,
  options: { logger?: Logger } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  // Loaded first: the database checks it before anything is derived from it (on PostgreSQL
  // the login role's password).
  const masterKey = await loadMasterKey({
    masterKey: config.masterKey,
    dataDir: config.databaseUrl ? undefined : config.dataDir,
    logger,
  });
  const { database, release } = await openStorage(config, { waitForLockMs: 10_000, masterKey });
  const deps = await buildDeps(config, database, logger, masterKey).catch(async (error) => {
    await database.close();
    await release();
    throw error;
  });
  const controlBus = await startControlBus({
    database,
    keyStore: deps.keyStore,
    serverAuth: deps.serverAuth,
    logger,
    metrics: deps.metrics,
  });
  const app = createApp(deps);
  const server = await listenHttp(app.fetch, {
    port: config.port,
    hostname: config.host,
    maxConnections: config.maxConnections,
    requestTimeoutMs: config.httpRequestTimeoutSeconds * 1000,
  });
  const gateway = await startGateway(deps, controlBus);
  server.on('upgrade', gateway.handleUpgrade);
  const webhookWorker = await startWebhookWorker(deps);
  const port = (server.address() as AddressInfo).port;
  const closeControl = config.databaseUrl
    ? async () => {}
    : await serveControlSocket(controlApp(deps, 'cli'), controlSocketPath(config.dataDir));
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  logger.info('listening', {
    url: `http://${host}:${port}`,
    storage: config.databaseUrl ? 'postgres' : 'pglite',
    ...(config.databaseUrl ? {} : { data_dir: config.dataDir }),
  });
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    deps,
    controlBus,
    gateway,
    close(graceMs = 10_000) {
      closing ??= (async () => {
        logger.info('shutting down');
        // Sockets first: in-flight sends finish, then every client hears 1012 and moves on.
        await gateway.close(graceMs);
        logger.info('sockets closed');
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        await drained;
        clearTimeout(timer);
        logger.info('http server closed');
        // Each phase gets a deadline: a stop that hangs (a lost connection, a stuck request)
        // is logged and passed over, so SIGTERM always ends the process.
        const phase = async (name: string, stop: Promise<unknown>, ms: number) => {
          if (await settledWithin(stop, ms)) logger.info(`${name} stopped`);
          else logger.warn('shutdown phase did not finish in time', { phase: name, ms });
        };
        await phase(
          'control',
          closeControl().then(() => controlBus.stop()),
          5_000,
        );
        await phase('webhook worker', webhookWorker.stop(), 10_000);
        await phase('database', database.close(), 5_000);
        await release();
        logger.info('stopped');
      })();
      return closing;
    },
  };
}
