/** A socket as typing needs it. */
export interface TypingSource {
  readonly workspaceId: string;
  readonly userId: string;
}

/** Broadcasts typing.start / typing.stop for a user in a channel (to every node). */
export type TypingPublisher = (
  type: 'typing.start' | 'typing.stop',
  workspaceId: string,
  channelId: string,
  userId: string,
) => void;

/** A user typing on is announced again at most this often. */
export const TYPING_THROTTLE_MS = 3_000;
/** Typing stops by itself this long after the last `start`. */
export const TYPING_TIMEOUT_MS = 6_000;

interface Typing {
  source: TypingSource;
  announcedAt: number;
  timer: NodeJS.Timeout;
}

/**
 * Typing indicators of this node's users: `start` is broadcast once and then at most every
 * few seconds however often the client repeats it; `stop` comes from the client, from sending
 * a message, from the socket closing, or by itself after a few quiet seconds.
 *
 * @example
 * const typing = new TypingTracker(publish);
 * typing.start(connection, 'general');
 */
export class TypingTracker {
  readonly #typing = new Map<string, Typing>();

  constructor(
    private readonly publish: TypingPublisher,
    private readonly now: () => number = Date.now,
    private readonly timeoutMs = TYPING_TIMEOUT_MS,
  ) {}

  start(source: TypingSource, channelId: string): void {
    const key = `${source.workspaceId}\u0000${channelId}\u0000${source.userId}`;
    const current = this.#typing.get(key);
    const now = this.now();
    if (current) clearTimeout(current.timer);
    const announce = !current || now - current.announcedAt >= TYPING_THROTTLE_MS;
    const timer = setTimeout(() => this.stop(source, channelId), this.timeoutMs);
    timer.unref();
    this.#typing.set(key, {
      source,
      announcedAt: announce ? now : (current as Typing).announcedAt,
      timer,
    });
    if (announce) this.publish('typing.start', source.workspaceId, channelId, source.userId);
  }

  stop(source: TypingSource, channelId: string): void {
    const key = `${source.workspaceId}\u0000${channelId}\u0000${source.userId}`;
    const current = this.#typing.get(key);
    if (!current) return;
    clearTimeout(current.timer);
    this.#typing.delete(key);
    this.publish('typing.stop', source.workspaceId, channelId, source.userId);
  }

  /** A socket closed: whatever it was typing stops. */
  forget(source: TypingSource): void {
    for (const [key, typing] of this.#typing) {
      if (typing.source !== source) continue;
      this.stop(source, key.split('\u0000')[1] as string);
    }
  }

  /** Stops every timer (shutdown). */
  clear(): void {
    for (const typing of this.#typing.values()) clearTimeout(typing.timer);
    this.#typing.clear();
  }
}
