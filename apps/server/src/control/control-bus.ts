import type { KeyStore } from '../auth/key-store';
import type { ServerAuthenticator } from '../auth/server-auth';
import type { DbHandle } from '../db/create-db';
import { countRejected, listenSealed } from '../events/bus-seal';
import type { Logger } from '../lib/logger';
import type { Metrics } from '../lib/metrics';
import { CONTROL_CHANNEL, type ControlEvent, parseControlEvent } from './control-events';

export interface ControlBusOptions {
  database: DbHandle;
  keyStore: KeyStore;
  serverAuth: ServerAuthenticator;
  logger: Logger;
  metrics: Metrics;
}

/** A listener for control events, e.g. the WebSocket gateway closing revoked sockets. */
export type ControlListener = (event: ControlEvent) => void;

/**
 * Applies control events from every node (including this one) to this node's caches. If the
 * LISTEN connection drops, everything cached is dropped on reconnect, since events may have
 * been missed meanwhile.
 *
 * @example
 * const bus = await startControlBus({ database, keyStore, serverAuth, logger, metrics });
 * bus.onEvent((event) => gateway.apply(event));
 */
export async function startControlBus(options: ControlBusOptions) {
  const listeners = new Set<ControlListener>();
  const apply = (event: ControlEvent) => {
    if (event.type === 'workspace.secret_rotated') {
      options.keyStore.invalidate({ apiKey: event.api_key });
      options.serverAuth.invalidate({ apiKey: event.api_key });
    } else if (event.type === 'workspace.deleted') {
      options.keyStore.invalidate({ workspaceId: event.workspace_id });
      options.serverAuth.invalidate({ workspaceId: event.workspace_id });
      for (const apiKey of event.api_keys) options.keyStore.invalidate({ apiKey });
    }
    for (const listener of listeners) listener(event);
  };
  const unlisten = await listenSealed(
    options.database,
    options.metrics,
    CONTROL_CHANNEL,
    (payload) => {
      const event = parseControlEvent(payload);
      if (!event) {
        countRejected(options.metrics, CONTROL_CHANNEL, 'schema');
        options.logger.warn('ignored malformed control event');
        return;
      }
      options.logger.debug('control event', { type: event.type, workspace_id: event.workspace_id });
      apply(event);
    },
    () => {
      options.logger.warn('control channel reconnected; dropping cached credentials');
      options.keyStore.clear();
      options.serverAuth.clear();
    },
  );
  return {
    onEvent(listener: ControlListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: unlisten,
  };
}

export type ControlBus = Awaited<ReturnType<typeof startControlBus>>;
