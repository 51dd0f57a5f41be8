import { randomUUID } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_STATUS } from '@cariosan/protocol';
import { WebSocketServer } from 'ws';
import type { ControlBus } from '../control/control-bus';
import type { ControlEvent } from '../control/control-events';
import type { Deps } from '../deps';
import { listenSealed, seal } from '../events/bus-seal';
import { EVENTS_CHANNEL, encodeWireEvent, type WireEvent } from '../events/event-wire';
import { requestIdFrom } from '../http/middleware/request-context';
import { AppError, errorFields } from '../lib/errors';
import { RateLimiter } from '../lib/rate-limiter';
import { settledWithin } from '../lib/time';
import { Connection, type GatewayContext } from './connection';
import { createEventFeed } from './event-feed';
import { eventFrame } from './frames';
import { Hub } from './hub';
import { PRESENCE_CHANNEL, Presence } from './presence';
import { presenceChannelIds } from './replay';
import { TypingTracker } from './typing';

/** The WebSocket endpoint. */
export const WS_PATH = '/v1/ws';

/**
 * ws closes a socket outright (1009) past this; frames between MAX_FRAME_BYTES and this get a
 * `payload_too_large` error and the socket lives on.
 */
const HARD_FRAME_LIMIT = 1024 * 1024;

export interface Gateway {
  /** The http server's 'upgrade' listener. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Stops accepting sockets, lets requests already received finish (up to graceMs), closes every
   * socket with 1012 and stops listening.
   */
  close(graceMs?: number): Promise<void>;
  readonly nodeId: string;
  /** Sockets open on this node, authenticated or not. */
  readonly connectionCount: number;
}

/**
 * Starts this node's real-time gateway: WebSocket connections, the hub that routes events to
 * them, and the listeners that bring every node's events (NOTIFY `cariosan_events`), presence
 * gossip and control events (rotation, revocation, deletion).
 *
 * @example
 * const gateway = await startGateway(deps, controlBus);
 * httpServer.on('upgrade', gateway.handleUpgrade);
 */
export async function startGateway(deps: Deps, controlBus: ControlBus): Promise<Gateway> {
  const { database, config, logger, metrics } = deps;
  const db = database.db;
  const nodeId = randomUUID();
  const hub = new Hub();
  const connections = new Set<Connection>();
  const inflight = new Set<Promise<unknown>>();
  let draining = false;

  const publishEvent = (event: WireEvent) =>
    database.notify(EVENTS_CHANNEL, seal(encodeWireEvent(event))).catch((error: unknown) => {
      logger.warn('could not publish a socket event', {
        type: event.t,
        error: error instanceof Error ? error.message : String(error),
      });
    });

  const typing = new TypingTracker((type, workspaceId, channelId, userId) => {
    void publishEvent({
      w: workspaceId,
      t: type,
      i: null,
      c: channelId,
      s: null,
      a: new Date().toISOString(),
      d: { channel_id: channelId, user_id: userId },
    });
  });

  const presence = new Presence({
    nodeId,
    publish: (payload) => database.notify(PRESENCE_CHANNEL, seal(payload)),
    onChange: (workspaceId, userId, online) => {
      presenceChanged(workspaceId, userId, online).catch((error: unknown) =>
        logger.warn('could not deliver presence', {
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    },
  });

  async function presenceChanged(workspaceId: string, userId: string, online: boolean) {
    if (!hub.hasWorkspace(workspaceId)) return;
    const at = new Date().toISOString();
    for (const channelId of await presenceChannelIds(db, workspaceId, userId)) {
      if (!hub.hasChannel(workspaceId, channelId)) continue;
      const frame = eventFrame('presence.changed', null, channelId, null, {
        user_id: userId,
        online,
        at,
      });
      hub.toChannel(workspaceId, channelId, frame, null);
    }
  }

  const context: GatewayContext = {
    deps,
    hub,
    typing,
    inflight,
    limits: {
      ...(config.wsFrameRate > 0 ? { socket: new RateLimiter(config.wsFrameRate) } : {}),
      ...(config.wsUserFrameRate > 0 ? { user: new RateLimiter(config.wsUserFrameRate) } : {}),
      ...(config.rateLimit > 0 ? { workspace: new RateLimiter(config.rateLimit) } : {}),
    },
    onOnline: (connection) => {
      presence.socketOpened(connection.workspaceId, connection.userId);
      const cap = config.wsMaxSocketsPerUser;
      const mine = hub.userConnections(connection.workspaceId, connection.userId);
      // Sets keep insertion order: the first ones are the oldest.
      for (const old of mine.slice(0, cap > 0 ? Math.max(0, mine.length - cap) : 0)) {
        (old as Connection).close('too_many_sockets', `At most ${cap} sockets per user`);
      }
    },
    onOffline: (connection) => presence.socketClosed(connection.workspaceId, connection.userId),
    isOnline: (workspaceId, userId) => presence.isOnline(workspaceId, userId),
  };

  const receive = createEventFeed({ hub, db, logger, metrics });

  const stopEvents = await listenSealed(database, metrics, EVENTS_CHANNEL, receive, () => {
    // Notifications sent while the listener was down are gone: every subscription reads what
    // it missed from the database.
    logger.warn('event channel reconnected; resynchronising subscriptions');
    for (const connection of hub.connections()) {
      for (const sub of connection.subscriptions.values()) sub.resync();
    }
  });
  const stopPresence = await listenSealed(database, metrics, PRESENCE_CHANNEL, (payload) =>
    presence.receive(payload),
  );
  presence.start();

  const stopControl = controlBus.onEvent((event) => {
    applyControl(event).catch((error: unknown) =>
      logger.error('could not apply a control event to sockets', {
        type: event.type,
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  });

  async function applyControl(event: ControlEvent): Promise<void> {
    const affected = [...connections].filter(
      (connection) => connection.authenticated && connection.workspaceId === event.workspace_id,
    );
    if (event.type === 'workspace.deleted') {
      for (const connection of affected) connection.close('workspace_deleted');
    } else if (event.type === 'user.tokens_revoked') {
      for (const connection of affected) {
        if (connection.userId === event.user_id) connection.close('token_revoked');
      }
    } else {
      const current = await deps.keyStore.get(event.api_key);
      for (const connection of affected) {
        if (connection.apiKey !== event.api_key) continue;
        if (!current || connection.keyGeneration < current.generation) {
          connection.close('token_revoked', 'The workspace secret was rotated');
        }
      }
    }
  }

  // Both ends send heartbeats: a peer that answers no ping for two intervals is gone.
  const pingMs = config.wsPingIntervalSeconds * 1000;
  const heartbeat = setInterval(() => {
    for (const connection of connections) connection.heartbeat(2 * pingMs);
  }, pingMs);
  heartbeat.unref();

  metrics.gauge('cariosan_ws_connections', 'Open WebSocket connections', () => connections.size);
  metrics.gauge(
    'cariosan_ws_subscriptions',
    'Channel subscriptions on this node',
    () => hub.subscriptionCount,
  );

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: HARD_FRAME_LIMIT,
    perMessageDeflate: false,
    clientTracking: false,
  });

  /** A refused upgrade gets SPEC's error body and a request id, like any other answer. */
  function refuse(request: IncomingMessage, socket: Duplex, error: AppError): void {
    const requestId = requestIdFrom(request.headers['x-request-id']);
    const body = JSON.stringify({ error: { ...errorFields(error), request_id: requestId } });
    const status = ERROR_STATUS[error.code];
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n` +
        `Content-Type: application/json\r\nX-Request-Id: ${requestId}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  return {
    nodeId,
    get connectionCount() {
      return connections.size;
    },
    handleUpgrade(request, socket, head) {
      const path = (request.url ?? '').split('?')[0];
      if (path !== WS_PATH) {
        return refuse(request, socket, new AppError('not_found', `No WebSocket at ${path}`));
      }
      if (draining) {
        return refuse(
          request,
          socket,
          new AppError('service_unavailable', 'Server restarting', { retryAfterSeconds: 1 }),
        );
      }
      if (!originAllowed(request.headers.origin, config.corsOrigins)) {
        return refuse(request, socket, new AppError('forbidden', 'This Origin may not connect'));
      }
      if (request.headers['sec-websocket-protocol'] !== undefined) {
        // Cariosan speaks plain JSON frames; agreeing to an unknown subprotocol would mislead.
        return refuse(
          request,
          socket,
          new AppError('invalid_request', 'No WebSocket subprotocol is spoken here: offer none', {
            field: 'Sec-WebSocket-Protocol',
          }),
        );
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        const connection = new Connection(ws, context);
        connections.add(connection);
        ws.once('close', () => connections.delete(connection));
      });
    },
    async close(graceMs = 10_000) {
      if (draining) return;
      draining = true;
      clearInterval(heartbeat);
      const received = [...connections].map((connection) => connection.drain());
      await settledWithin(Promise.allSettled(received), graceMs);
      const closed = [...connections].map(
        (connection) =>
          new Promise<void>((resolve) => {
            connection.onClosed(resolve);
            connection.close('service_restart', 'Server restarting');
          }),
      );
      const forced = setTimeout(() => {
        for (const connection of connections) connection.terminate();
      }, 2_000);
      await Promise.all(closed);
      clearTimeout(forced);
      typing.clear();
      presence.stop();
      stopControl();
      await stopEvents();
      await stopPresence();
      wss.close();
    },
  };
}

/**
 * Whether a socket may open from this `Origin`. Browsers always send one; servers and native
 * apps usually send none, and a token is still required of them, so no Origin is allowed.
 */
function originAllowed(origin: string | undefined, allowed: '*' | string[]): boolean {
  if (origin === undefined || allowed === '*') return true;
  return allowed.includes(origin.toLowerCase());
}
