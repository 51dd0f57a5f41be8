import type { Config } from '../env';
import { createLogger } from '../lib/logger';
import { startServer } from '../server';

/**
 * `cariosan serve`: runs until SIGTERM or SIGINT, then drains and exits 0.
 *
 * @example
 * process.exitCode = await serveCommand(loadConfig(process.env));
 */
export async function serveCommand(config: Config): Promise<number> {
  const logger = createLogger({ level: config.logLevel });
  // Handlers first: a SIGTERM that lands while the server starts must still drain and exit 0,
  // not kill the process with the default action.
  let received: string | undefined;
  let onSignal: ((signal: string) => void) | undefined;
  const listen = (signal: 'SIGTERM' | 'SIGINT') =>
    process.once(signal, () => {
      received ??= signal;
      onSignal?.(signal);
    });
  listen('SIGTERM');
  listen('SIGINT');
  // The last boundary: every loop and handler has its own, so this should never fire; if it
  // does, one failed promise is logged, not allowed to end every tenant's sessions.
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection', {
      error: reason instanceof Error ? reason.message : String(reason),
    });
  });
  const server = await startServer(config, { logger });
  if (!config.databaseUrl) {
    logger.info('create a workspace with: pnpm cariosan workspace create --name "My app"', {
      data_dir: config.dataDir,
    });
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      logger.info('signal received', { signal });
      const exit = (code: number) => {
        // If a phase that missed its deadline still holds the event loop, leave anyway.
        setTimeout(() => process.exit(code), 1_000).unref();
        resolve(code);
      };
      server.close().then(
        () => exit(0),
        (error) => {
          logger.error('shutdown failed', { error });
          exit(1);
        },
      );
    };
    if (received) stop(received);
    else onSignal = stop;
  });
}
