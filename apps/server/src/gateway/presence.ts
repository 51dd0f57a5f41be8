import * as v from 'valibot';

/** The NOTIFY channel nodes gossip presence on. */
export const PRESENCE_CHANNEL = 'cariosan_presence';

/** A user whose last socket closed counts as online this much longer (page reloads, flaps). */
export const OFFLINE_GRACE_MS = 3_000;
/** Nodes say they are alive this often… */
export const HEARTBEAT_MS = 10_000;
/** …and a node not heard of for this long is gone, with all its users. */
export const NODE_TIMEOUT_MS = 35_000;
/** Changes are batched into one NOTIFY this often. */
const FLUSH_MS = 100;
/** NOTIFY payloads must stay below 8000 bytes. */
const MAX_PAYLOAD_BYTES = 7_000;

/** One gossip message. `u` holds `workspace\0user` keys. */
/** One gossip message: node id, kind, and `workspace\u0000user` keys for up/down/snapshot. */
const Gossip = v.strictObject({
  n: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  k: v.picklist(['up', 'down', 'hello', 'snapshot', 'beat', 'bye']),
  u: v.optional(v.array(v.pipe(v.string(), v.maxLength(300)))),
});
type Gossip = v.InferOutput<typeof Gossip>;

export interface PresenceOptions {
  nodeId: string;
  /** Sends a gossip payload to every node (this one included). */
  publish: (payload: string) => Promise<void>;
  /** Called when a user's online state changes as seen from the whole fleet. */
  onChange: (workspaceId: string, userId: string, online: boolean) => void;
  now?: () => number;
  offlineGraceMs?: number;
}

const userKey = (workspaceId: string, userId: string) => `${workspaceId}\u0000${userId}`;

/**
 * Who is online across the fleet, with several sockets (tabs, nodes) of one user counted once.
 * Each node counts its own sockets per user and gossips only transitions (first socket up,
 * last socket down after a grace period); a starting node asks the others for a snapshot, and
 * nodes that stop heartbeating are dropped with their users.
 *
 * @example
 * const presence = new Presence({ nodeId, publish, onChange });
 * presence.socketOpened('ws_…', 'alice');
 */
export class Presence {
  readonly #local = new Map<string, number>();
  readonly #remote = new Map<string, { seenAt: number; users: Set<string> }>();
  readonly #offlineTimers = new Map<string, NodeJS.Timeout>();
  #outbox: { up: Set<string>; down: Set<string> } = { up: new Set(), down: new Set() };
  #flushTimer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #now: () => number;

  constructor(private readonly options: PresenceOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** Joins the gossip: asks the other nodes who is online and starts heartbeating. */
  start(): void {
    this.#send({ n: this.options.nodeId, k: 'hello' });
    this.#heartbeat = setInterval(() => {
      this.#send({ n: this.options.nodeId, k: 'beat' });
      this.#expireNodes();
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /** Leaves: the other nodes drop this node's users at once. */
  stop(): void {
    clearInterval(this.#heartbeat);
    clearTimeout(this.#flushTimer);
    for (const timer of this.#offlineTimers.values()) clearTimeout(timer);
    this.#send({ n: this.options.nodeId, k: 'bye' });
  }

  isOnline(workspaceId: string, userId: string): boolean {
    const key = userKey(workspaceId, userId);
    if ((this.#local.get(key) ?? 0) > 0 || this.#offlineTimers.has(key)) return true;
    for (const node of this.#remote.values()) if (node.users.has(key)) return true;
    return false;
  }

  socketOpened(workspaceId: string, userId: string): void {
    const key = userKey(workspaceId, userId);
    const count = (this.#local.get(key) ?? 0) + 1;
    this.#local.set(key, count);
    if (count > 1) return;
    const pending = this.#offlineTimers.get(key);
    if (pending) {
      // Back within the grace period: nobody ever saw it leave.
      clearTimeout(pending);
      this.#offlineTimers.delete(key);
      return;
    }
    const wasOnline = this.#isOnlineElsewhere(key);
    this.#queue('up', key);
    if (!wasOnline) this.options.onChange(workspaceId, userId, true);
  }

  socketClosed(workspaceId: string, userId: string): void {
    const key = userKey(workspaceId, userId);
    const count = (this.#local.get(key) ?? 1) - 1;
    if (count > 0) {
      this.#local.set(key, count);
      return;
    }
    this.#local.delete(key);
    const grace = this.options.offlineGraceMs ?? OFFLINE_GRACE_MS;
    const timer = setTimeout(() => {
      this.#offlineTimers.delete(key);
      this.#queue('down', key);
      if (!this.#isOnlineElsewhere(key)) this.options.onChange(workspaceId, userId, false);
    }, grace);
    timer.unref();
    this.#offlineTimers.set(key, timer);
  }

  /** Applies a gossip payload from any node (its own are ignored). */
  receive(payload: string): void {
    let parsed: v.SafeParseResult<typeof Gossip>;
    try {
      parsed = v.safeParse(Gossip, JSON.parse(payload));
    } catch {
      return;
    }
    if (!parsed.success || parsed.output.n === this.options.nodeId) return;
    const gossip = parsed.output;
    const users = gossip.u ?? [];
    switch (gossip.k) {
      case 'hello':
        this.#node(gossip.n);
        this.#sendChunks('snapshot', this.#localKeys());
        return;
      case 'beat':
        this.#node(gossip.n);
        return;
      case 'bye':
        this.#dropNode(gossip.n);
        return;
      case 'up':
      case 'snapshot':
        for (const key of users) {
          const before = this.#isOnlineKey(key);
          this.#node(gossip.n).users.add(key);
          if (!before) this.#changed(key, true);
        }
        return;
      case 'down':
        for (const key of users) {
          const node = this.#remote.get(gossip.n);
          if (!node?.users.delete(key)) continue;
          if (!this.#isOnlineKey(key)) this.#changed(key, false);
        }
        return;
    }
  }

  /** Online anywhere but in this node's own sockets. */
  #isOnlineElsewhere(key: string): boolean {
    for (const node of this.#remote.values()) if (node.users.has(key)) return true;
    return false;
  }

  #isOnlineKey(key: string): boolean {
    if ((this.#local.get(key) ?? 0) > 0 || this.#offlineTimers.has(key)) return true;
    return this.#isOnlineElsewhere(key);
  }

  #localKeys(): string[] {
    return [...this.#local.keys(), ...this.#offlineTimers.keys()];
  }

  #node(nodeId: string) {
    let node = this.#remote.get(nodeId);
    if (!node) {
      node = { seenAt: this.#now(), users: new Set() };
      this.#remote.set(nodeId, node);
    }
    node.seenAt = this.#now();
    return node;
  }

  #dropNode(nodeId: string): void {
    const node = this.#remote.get(nodeId);
    if (!node) return;
    this.#remote.delete(nodeId);
    for (const key of node.users) if (!this.#isOnlineKey(key)) this.#changed(key, false);
  }

  #expireNodes(): void {
    const cutoff = this.#now() - NODE_TIMEOUT_MS;
    for (const [nodeId, node] of this.#remote) if (node.seenAt < cutoff) this.#dropNode(nodeId);
  }

  #changed(key: string, online: boolean): void {
    const [workspaceId, userId] = key.split('\u0000') as [string, string];
    this.options.onChange(workspaceId, userId, online);
  }

  #queue(kind: 'up' | 'down', key: string): void {
    const other = kind === 'up' ? this.#outbox.down : this.#outbox.up;
    // Up then down within one batch cancel out for the other nodes.
    if (!other.delete(key)) this.#outbox[kind].add(key);
    this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_MS);
  }

  #flush(): void {
    this.#flushTimer = undefined;
    const { up, down } = this.#outbox;
    this.#outbox = { up: new Set(), down: new Set() };
    this.#sendChunks('up', [...up]);
    this.#sendChunks('down', [...down]);
  }

  #sendChunks(kind: 'up' | 'down' | 'snapshot', keys: string[]): void {
    let chunk: string[] = [];
    let bytes = 0;
    for (const key of keys) {
      const size = Buffer.byteLength(key) + 8;
      if (bytes + size > MAX_PAYLOAD_BYTES && chunk.length > 0) {
        this.#send({ n: this.options.nodeId, k: kind, u: chunk });
        chunk = [];
        bytes = 0;
      }
      chunk.push(key);
      bytes += size;
    }
    if (chunk.length > 0) this.#send({ n: this.options.nodeId, k: kind, u: chunk });
  }

  #send(gossip: Gossip): void {
    this.options.publish(JSON.stringify(gossip)).catch(() => undefined);
  }
}
