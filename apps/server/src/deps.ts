import type { KeyStore } from './auth/key-store';
import type { ServerAuthenticator } from './auth/server-auth';
import type { DbHandle } from './db/create-db';
import type { Config } from './env';
import type { Logger } from './lib/logger';
import type { Metrics } from './lib/metrics';

/**
 * Everything the server's parts need, built once in `startServer` and passed down, so tests
 * can build the same graph against their own database.
 */
export interface Deps {
  config: Config;
  database: DbHandle;
  logger: Logger;
  masterKey: Buffer;
  keyStore: KeyStore;
  serverAuth: ServerAuthenticator;
  metrics: Metrics;
  now: () => number;
}
