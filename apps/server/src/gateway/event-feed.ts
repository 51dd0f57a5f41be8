import type { Kysely } from 'kysely';
import type { DB } from '../db/database';
import { countRejected } from '../events/bus-seal';
import {
  decodeWireEvent,
  EVENTS_CHANNEL,
  payloadMatches,
  type WireEvent,
} from '../events/event-wire';
import type { Logger } from '../lib/logger';
import type { Metrics } from '../lib/metrics';
import type { Connection } from './connection';
import { eventFrame } from './frames';
import type { Hub } from './hub';
import { outboxPayload } from './replay';

/** Events that also reach users who do not follow the channel (yet). */
const TARGETED = new Set(['channel.created', 'member.added', 'member.removed', 'user.updated']);

export interface EventFeedOptions {
  hub: Hub;
  db: Kysely<DB>;
  logger: Logger;
  metrics: Metrics;
}

/**
 * This node's intake of chat events from the bus: validates each (unsealed) payload, loads
 * events too large for a NOTIFY from the outbox, and fans each out to the hub's sockets. Events
 * are applied strictly in commit order: one that must be loaded holds up the ones behind it.
 * Nothing here can throw at the caller: a malformed event is counted and dropped, one that
 * fails to fan out is logged and skipped.
 *
 * @example
 * const receive = createEventFeed({ hub, db, logger, metrics });
 * await listenSealed(database, metrics, EVENTS_CHANNEL, receive);
 */
export function createEventFeed(options: EventFeedOptions): (payload: string) => void {
  const { hub, db, logger, metrics } = options;
  // Events are applied strictly in the order they were committed. An event too large for a
  // NOTIFY is loaded from the outbox; the ones behind it wait, so order holds.
  const queue: WireEvent[] = [];
  let pumping = false;
  const wanted = (event: WireEvent) =>
    (event.c !== null && hub.hasChannel(event.w, event.c)) || TARGETED.has(event.t);

  function receive(payload: string): void {
    const event = decodeWireEvent(payload);
    if (!event) {
      countRejected(metrics, EVENTS_CHANNEL, 'schema');
      logger.warn('ignored malformed event notification');
      return;
    }
    if (!pumping && (event.d || !wanted(event))) {
      if (event.d) deliverSafely(event);
      return;
    }
    queue.push(event);
    if (!pumping) {
      pump().catch((error: unknown) =>
        logger.error('event pump failed', { error: errorText(error) }),
      );
    }
  }

  async function pump(): Promise<void> {
    pumping = true;
    try {
      for (let event = queue.shift(); event; event = queue.shift()) {
        if (!wanted(event)) continue;
        if (!event.d && event.i) {
          const data = await outboxPayload(db, event.w, event.i).catch(() => undefined);
          if (!payloadMatches(event.t, data)) continue;
          event.d = data;
        }
        deliverSafely(event);
      }
    } finally {
      pumping = false;
    }
  }

  /** The error boundary of fan-out: one event that cannot be delivered is logged and skipped. */
  function deliverSafely(event: WireEvent): void {
    try {
      deliver(event);
    } catch (error) {
      metrics.counter('cariosan_event_delivery_errors_total', 'Events that failed to fan out');
      logger.error('could not deliver an event', { type: event.t, error: errorText(error) });
    }
  }

  function deliver(event: WireEvent): void {
    const data = event.d as Record<string, unknown>;
    const frame = eventFrame(event.t, event.i, event.c, event.s, data);
    if (event.c !== null) {
      hub.toChannel(event.w, event.c, frame, event.t === 'message.new' ? event.s : null);
    }
    switch (event.t) {
      case 'channel.created':
        for (const member of (data.members as { user_id: string }[] | undefined) ?? []) {
          toUser(event.w, member.user_id, event.c, frame);
        }
        return;
      case 'member.added': {
        const userId = (data.member as { user_id: string } | undefined)?.user_id;
        if (!userId) return;
        for (const connection of hub.userConnections(event.w, userId)) {
          const sub = event.c ? connection.subscriptions.get(event.c) : undefined;
          if (sub) sub.member = true;
        }
        toUser(event.w, userId, event.c, frame);
        return;
      }
      case 'member.removed': {
        const userId = data.user_id as string;
        for (const connection of hub.userConnections(event.w, userId)) {
          const sub = event.c ? connection.subscriptions.get(event.c) : undefined;
          if (!sub) connection.push(frame);
          else if (sub.isPublic) sub.member = false;
          else hub.unsubscribe(connection, sub);
        }
        return;
      }
      case 'channel.deleted':
        if (event.c === null) return;
        for (const [connection, sub] of hub.channelSubscribers(event.w, event.c)) {
          hub.unsubscribe(connection, sub);
        }
        return;
      case 'user.updated': {
        const user = data.user as { id: string; banned?: boolean } | undefined;
        if (!user) return;
        for (const connection of hub.userConnections(event.w, user.id)) {
          if (user.banned) (connection as Connection).close('user_banned');
          else connection.push(frame);
        }
        return;
      }
    }
  }

  /** A targeted event for a user's sockets that do not already get it through the channel. */
  function toUser(workspaceId: string, userId: string, channelId: string | null, frame: Buffer) {
    for (const connection of hub.userConnections(workspaceId, userId)) {
      if (channelId && connection.subscriptions.has(channelId)) continue;
      connection.push(frame);
    }
  }

  return receive;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
