import postgres from 'postgres';

interface Subscriber {
  onMessage: (payload: string) => void;
  onReconnect: (() => void) | undefined;
}

const MIN_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

/**
 * LISTEN on one dedicated PostgreSQL connection that survives outages: whenever the
 * connection closes it re-issues every LISTEN, retrying with backoff until the server is
 * back, then tells each subscriber so it can catch up on what it missed meanwhile.
 *
 * postgres.js' own `sql.listen` re-listens once after a drop and gives up silently if
 * that single attempt fails, which loses every later message of a longer outage.
 *
 * @example
 * const listener = new PgListener('postgres://…', { username: login.user, password: login.password });
 * const stop = await listener.listen('events', console.log, () => cache.clear());
 */
export class PgListener {
  readonly #sql: postgres.Sql;
  readonly #channels = new Map<string, Set<Subscriber>>();
  #closed = false;
  #recovering = false;
  #closedWhileRecovering = false;

  constructor(url: string, options: postgres.Options<Record<string, postgres.PostgresType>>) {
    // `onnotify` is the untyped hook postgres.js' own `listen` is built on.
    const listenerOptions: typeof options & {
      onnotify: (channel: string, payload: string) => void;
    } = {
      ...options,
      max: 1,
      // A lifetime would recycle the connection and needlessly flush every caller's cache.
      max_lifetime: null,
      fetch_types: false,
      onnotify: (channel, payload) => this.#dispatch(channel, payload),
      onclose: () => this.#recover(),
    };
    this.#sql = postgres(url, listenerOptions);
  }

  /**
   * Subscribes to a channel; resolves once LISTEN is active, with an unsubscribe function.
   *
   * @example
   * const stop = await listener.listen('events', (payload) => console.log(payload));
   * await stop();
   */
  async listen(
    channel: string,
    onMessage: (payload: string) => void,
    onReconnect?: () => void,
  ): Promise<() => Promise<void>> {
    if (this.#closed) throw new Error('PgListener is closed');
    const subscriber: Subscriber = { onMessage, onReconnect };
    let subscribers = this.#channels.get(channel);
    if (!subscribers) {
      subscribers = new Set();
      this.#channels.set(channel, subscribers);
      try {
        await this.#sql`listen ${this.#sql(channel)}`;
      } catch (error) {
        this.#channels.delete(channel);
        throw error;
      }
    }
    subscribers.add(subscriber);
    return async () => {
      const current = this.#channels.get(channel);
      if (!current?.delete(subscriber) || current.size > 0) return;
      this.#channels.delete(channel);
      // When the connection is down there is nothing to unlisten: it re-listens only to
      // channels still in the map.
      await this.#sql`unlisten ${this.#sql(channel)}`.catch(() => undefined);
    };
  }

  /**
   * Stops listening on every channel and closes the connection.
   *
   * @example
   * await listener.close();
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#channels.clear();
    await this.#sql.end({ timeout: 5 });
  }

  #dispatch(channel: string, payload: string): void {
    for (const subscriber of this.#channels.get(channel) ?? []) {
      try {
        subscriber.onMessage(payload);
      } catch {
        // One throwing subscriber must not starve the others of the same message.
      }
    }
  }

  #recover(): void {
    if (this.#closed || this.#channels.size === 0) return;
    if (this.#recovering) {
      this.#closedWhileRecovering = true;
      return;
    }
    this.#recovering = true;
    void this.#relistenUntilBack(MIN_RETRY_MS).finally(() => {
      this.#recovering = false;
      // A drop right after a successful re-listen would otherwise go unnoticed.
      if (this.#closedWhileRecovering) {
        this.#closedWhileRecovering = false;
        this.#recover();
      }
    });
  }

  async #relistenUntilBack(delayMs: number): Promise<void> {
    for (let delay = delayMs; !this.#closed; delay = Math.min(delay * 2, MAX_RETRY_MS)) {
      this.#closedWhileRecovering = false;
      try {
        const channels = [...this.#channels.keys()];
        for (const channel of channels) await this.#sql`listen ${this.#sql(channel)}`;
        for (const channel of channels) {
          for (const subscriber of this.#channels.get(channel) ?? []) {
            try {
              subscriber.onReconnect?.();
            } catch {
              // Same as messages: one subscriber's failure is its own.
            }
          }
        }
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
