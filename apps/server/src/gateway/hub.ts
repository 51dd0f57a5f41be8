import type { Subscription } from './subscription';

/** What the hub needs of a connection. */
export interface HubConnection {
  readonly workspaceId: string;
  readonly userId: string;
  /** The channel subscriptions of this socket. */
  readonly subscriptions: Map<string, Subscription>;
  push(frame: Buffer): boolean;
}

const key = (workspaceId: string, id: string) => `${workspaceId}\u0000${id}`;

/**
 * This node's routing table: which sockets follow which channel, which sockets belong to which
 * user. Pure bookkeeping, no I/O: events are offered to subscriptions in the order they come.
 *
 * @example
 * hub.subscribe(connection, sub);
 * hub.toChannel('ws_…', 'general', frame, 42);
 */
export class Hub {
  readonly #channels = new Map<string, Set<Subscription>>();
  readonly #users = new Map<string, Set<HubConnection>>();
  readonly #subscribers = new WeakMap<Subscription, HubConnection>();
  /** Subscriptions per workspace, so presence skips workspaces nobody here follows. */
  readonly #workspaces = new Map<string, number>();

  /** Sockets connected to this node. */
  get connectionCount(): number {
    let count = 0;
    for (const set of this.#users.values()) count += set.size;
    return count;
  }

  /** Channel subscriptions on this node. */
  get subscriptionCount(): number {
    let count = 0;
    for (const set of this.#channels.values()) count += set.size;
    return count;
  }

  /** Registers an authenticated socket; returns how many sockets its user now has here. */
  addConnection(connection: HubConnection): number {
    const userKey = key(connection.workspaceId, connection.userId);
    const set = this.#users.get(userKey) ?? new Set();
    set.add(connection);
    this.#users.set(userKey, set);
    return set.size;
  }

  /** Forgets a socket and its subscriptions; returns how many sockets its user still has here. */
  removeConnection(connection: HubConnection): number {
    for (const sub of connection.subscriptions.values()) this.unsubscribe(connection, sub);
    const userKey = key(connection.workspaceId, connection.userId);
    const set = this.#users.get(userKey);
    if (!set) return 0;
    set.delete(connection);
    if (set.size === 0) this.#users.delete(userKey);
    return set.size;
  }

  subscribe(connection: HubConnection, sub: Subscription): void {
    const channelKey = key(connection.workspaceId, sub.channelId);
    const set = this.#channels.get(channelKey) ?? new Set();
    set.add(sub);
    this.#channels.set(channelKey, set);
    this.#subscribers.set(sub, connection);
    const workspaceId = connection.workspaceId;
    this.#workspaces.set(workspaceId, (this.#workspaces.get(workspaceId) ?? 0) + 1);
    connection.subscriptions.set(sub.channelId, sub);
  }

  unsubscribe(connection: HubConnection, sub: Subscription): void {
    sub.close();
    connection.subscriptions.delete(sub.channelId);
    const channelKey = key(connection.workspaceId, sub.channelId);
    const set = this.#channels.get(channelKey);
    if (!set?.delete(sub)) return;
    if (set.size === 0) this.#channels.delete(channelKey);
    const left = (this.#workspaces.get(connection.workspaceId) ?? 1) - 1;
    if (left > 0) this.#workspaces.set(connection.workspaceId, left);
    else this.#workspaces.delete(connection.workspaceId);
  }

  /** Whether any socket on this node follows a channel of the workspace. */
  hasWorkspace(workspaceId: string): boolean {
    return this.#workspaces.has(workspaceId);
  }

  /** Whether any socket on this node follows the channel. */
  hasChannel(workspaceId: string, channelId: string): boolean {
    return this.#channels.has(key(workspaceId, channelId));
  }

  /** Offers a frame to every subscription of a channel; `seq` only for `message.new`. */
  toChannel(workspaceId: string, channelId: string, frame: Buffer, seq: number | null): void {
    const set = this.#channels.get(key(workspaceId, channelId));
    if (!set) return;
    for (const sub of set) sub.offer(frame, seq);
  }

  /** The sockets of a channel's subscribers (to drop them when the channel goes away). */
  channelSubscribers(workspaceId: string, channelId: string): [HubConnection, Subscription][] {
    const set = this.#channels.get(key(workspaceId, channelId));
    if (!set) return [];
    return [...set].flatMap((sub) => {
      const connection = this.#subscribers.get(sub);
      return connection ? [[connection, sub] as [HubConnection, Subscription]] : [];
    });
  }

  /** The sockets of one user on this node. */
  userConnections(workspaceId: string, userId: string): HubConnection[] {
    return [...(this.#users.get(key(workspaceId, userId)) ?? [])];
  }

  /** Every socket on this node (control events: rotation, deletion, drain). */
  *connections(): Iterable<HubConnection> {
    for (const set of this.#users.values()) yield* set;
  }
}
