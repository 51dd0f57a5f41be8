import type { Channel, ChannelList, ErrorCode, Message, MessagePage } from '@cariosan/protocol';
// The subpath keeps the schemas (valibot) out of browser bundles: only types come from the root.
import { type CloseReason, closeReason, reconnectPolicy } from '@cariosan/protocol/close-codes';
import { mergeMessages, replaceMessage, Store, unreadOf } from './store';
import type {
  CariosanClient,
  ChannelState,
  ClientEventName,
  ClientOptions,
  ConnectionState,
  LocalMessage,
  StopReason,
  WebSocketInstance,
  WebSocketLike,
} from './types';

/**
 * A request refused by the server, or cut short by a disconnect (`code: 'disconnected'`).
 * When the server closed the socket for good, `closeCode` says with what (see CLOSE_CODES).
 */
export class CariosanClientError extends Error {
  override name = 'CariosanClientError';
  constructor(
    readonly code: ErrorCode | 'disconnected',
    message: string,
    readonly retryAfter?: number,
    readonly closeCode?: number,
  ) {
    super(message);
  }
}

/** The API error each close that stops the client stands for; others are `disconnected`. */
const STOP_ERRORS: Partial<Record<CloseReason, ErrorCode>> = {
  user_banned: 'forbidden',
  unauthorized: 'unauthorized',
  token_expired: 'unauthorized',
  token_revoked: 'unauthorized',
  user_deleted: 'unauthorized',
  workspace_deleted: 'unauthorized',
};

function stopError({ code, reason }: StopReason): CariosanClientError {
  return new CariosanClientError(
    (reason && STOP_ERRORS[reason]) ?? 'disconnected',
    `The server closed the connection for good (${code}${reason ? ` ${reason}` : ''})`,
    undefined,
    code,
  );
}

interface Waiting {
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: CariosanClientError) => void;
}

interface QueuedSend {
  channelId: string;
  clientId: string;
  body: { text: string; attachments?: unknown[]; parent_id?: string };
}

const OPEN = 1;
const PAGE = 50;
const TYPING_THROTTLE_MS = 2_000;
/** Drop a typing indicator whose stop never came (the typist's node died). */
const TYPING_EXPIRY_MS = 8_000;
/** Errors after which a queued send is tried again later rather than failed. */
const TRANSIENT = new Set([
  'internal_error',
  'service_unavailable',
  'rate_limited',
  'disconnected',
]);

/**
 * Creates a Cariosan client for one signed-in user: a socket that reconnects with backoff and
 * jitter, refreshes its token before expiry, resumes every followed channel from its last seq,
 * and a local store for UIs.
 *
 * @example
 * const client = createClient({ url: 'http://localhost:8080', tokenProvider: getToken });
 * await client.connect();
 * await client.loadChannels();
 */
export function createClient(options: ClientOptions): CariosanClient {
  return new Client(options);
}

class Client implements CariosanClient {
  readonly #options: ClientOptions;
  readonly #store = new Store({
    connection: 'idle',
    userId: undefined,
    channels: {},
    channelOrder: [],
    totalUnread: 0,
    presence: {},
  });
  readonly #WebSocket: WebSocketLike;
  readonly #fetch: typeof fetch;
  readonly #random: () => number;
  readonly #handlers = new Map<string, Set<(payload: unknown) => void>>();
  readonly #waiting = new Map<string, Waiting>();
  /** Channels the socket follows (resubscribed after every reconnect). */
  readonly #followed = new Set<string>();
  /** Subscriptions in flight, by channel id. */
  readonly #subscribing = new Map<string, Promise<void>>();
  readonly #queue: QueuedSend[] = [];
  readonly #typingSentAt = new Map<string, number>();
  readonly #typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  #socket: WebSocketInstance | undefined;
  #token: string | undefined;
  #closeReason: StopReason | undefined;
  /** When the current token is due for a refresh (ms); 0 when its `exp` cannot be read. */
  #tokenRefreshAt = 0;
  #wanted = false;
  #attempt = 0;
  #nextId = 0;
  #flushing = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #connected: Promise<void> | undefined;
  #resolveConnected: (() => void) | undefined;
  #rejectConnected: ((error: Error) => void) | undefined;
  /** Closes for a bad token in a row: a provider whose fresh token is refused too stops us. */
  #authFailures = 0;

  constructor(options: ClientOptions) {
    this.#options = options;
    const WebSocketImpl =
      options.WebSocket ?? (globalThis as { WebSocket?: WebSocketLike }).WebSocket;
    if (!WebSocketImpl) {
      throw new Error('No WebSocket implementation: pass `WebSocket` (e.g. from the ws package)');
    }
    this.#WebSocket = WebSocketImpl;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#random = options.random ?? Math.random;
  }

  get store() {
    return { subscribe: this.#store.subscribe, getSnapshot: this.#store.getSnapshot };
  }

  get state(): ConnectionState {
    return this.#store.getSnapshot().connection;
  }

  on(event: ClientEventName, handler: (payload: unknown) => void): () => void {
    const set = this.#handlers.get(event) ?? new Set();
    set.add(handler);
    this.#handlers.set(event, set);
    return () => set.delete(handler);
  }

  #emit(event: string, payload: unknown): void {
    for (const handler of this.#handlers.get(event) ?? []) {
      try {
        handler(payload);
      } catch {
        // A throwing app handler must not break delivery to the store.
      }
    }
  }

  #setState(connection: ConnectionState): void {
    if (this.state === connection) return;
    this.#store.update((state) => ({ ...state, connection }));
    this.#emit('state', connection);
  }

  // ── connection ─────────────────────────────────────────────────────────────

  connect(): Promise<void> {
    this.#wanted = true;
    if (!this.#connected) {
      this.#connected = new Promise((resolve, reject) => {
        this.#resolveConnected = resolve;
        this.#rejectConnected = reject;
      });
      // Callers that never await connect() must not see an unhandled rejection.
      this.#connected.catch(() => undefined);
      if (!this.#socket && !this.#retryTimer) void this.#open();
    }
    return this.#connected;
  }

  disconnect(): void {
    this.#wanted = false;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#refreshTimer);
    this.#retryTimer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close(1000, 'client disconnect');
    this.#failWaiting();
    this.#stopped(new CariosanClientError('disconnected', 'disconnect() was called'));
  }

  /** The end of the line: no more reconnects until connect() is called again. */
  #stopped(error: CariosanClientError): void {
    this.#wanted = false;
    this.#rejectConnected?.(error);
    this.#connected = undefined;
    this.#resolveConnected = undefined;
    this.#rejectConnected = undefined;
    this.#setState('disconnected');
  }

  async #open(): Promise<void> {
    this.#retryTimer = undefined;
    if (!this.#wanted) return;
    this.#setState(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    let token: string;
    try {
      token = await this.#currentToken();
    } catch {
      this.#scheduleRetry(reconnectPolicy(1011));
      return;
    }
    if (!this.#wanted) return;
    const base = this.#options.url.replace(/\/+$/, '').replace(/^http/, 'ws');
    const socket = new this.#WebSocket(`${base}/v1/ws`);
    this.#socket = socket;
    socket.onopen = () => {
      this.#request({ type: 'connect', token }).then(
        (session) => this.#onConnected(session),
        () => undefined,
      );
    };
    socket.onmessage = (event) => {
      if (socket !== this.#socket) return;
      this.#onFrame(typeof event.data === 'string' ? event.data : String(event.data));
    };
    socket.onclose = (event) => {
      if (socket !== this.#socket) return;
      this.#socket = undefined;
      this.#onClosed(event.code);
    };
    socket.onerror = () => undefined;
  }

  get closeReason(): StopReason | undefined {
    return this.#closeReason;
  }

  async #onConnected(session: Record<string, unknown>): Promise<void> {
    this.#closeReason = undefined;
    this.#attempt = 0;
    this.#authFailures = 0;
    // Presence is learnt afresh from the subscribe acks: whoever left while the socket was
    // down sent no event this client could hear.
    this.#store.update((state) => ({
      ...state,
      userId: session.user_id as string,
      presence: Object.keys(state.presence).length === 0 ? state.presence : {},
    }));
    this.#scheduleRefresh();
    this.#setState('connected');
    this.#resolveConnected?.();
    // Resume every followed channel from the newest seq the store has: the server replays the
    // gap, so the local list stays gap-free and duplicate-free across any number of drops.
    await Promise.all([...this.#followed].map((id) => this.#subscribe(id)));
    void this.#flush();
  }

  #onClosed(code: number): void {
    clearTimeout(this.#refreshTimer);
    this.#failWaiting();
    if (!this.#wanted) {
      this.#setState('disconnected');
      return;
    }
    const policy = reconnectPolicy(code);
    if (policy.refreshToken) {
      this.#token = undefined;
      this.#authFailures += 1;
    }
    if (!policy.reconnect || this.#authFailures > 2) {
      this.#closeReason = { code, reason: closeReason(code) };
      this.#stopped(stopError(this.#closeReason));
      return;
    }
    this.#scheduleRetry(policy);
  }

  #scheduleRetry(policy: { minDelayMs: number; refreshToken: boolean }): void {
    this.#setState('reconnecting');
    const min = this.#options.reconnect?.minDelayMs ?? 250;
    const max = this.#options.reconnect?.maxDelayMs ?? 30_000;
    // Full jitter over an exponential cap: a fleet of clients dropped at once spreads out.
    const cap = Math.min(max, min * 2 ** this.#attempt);
    const delay = Math.max(policy.minDelayMs, 0) + this.#random() * cap;
    this.#attempt += 1;
    this.#retryTimer = setTimeout(() => void this.#open(), delay);
  }

  #failWaiting(): void {
    for (const waiting of this.#waiting.values()) {
      waiting.reject(new CariosanClientError('disconnected', 'The connection closed'));
    }
    this.#waiting.clear();
  }

  async #currentToken(): Promise<string> {
    if (this.#token && (this.#tokenRefreshAt === 0 || this.#tokenRefreshAt > Date.now())) {
      return this.#token;
    }
    const token = await this.#options.tokenProvider();
    this.#token = token;
    this.#tokenRefreshAt = refreshTimeOf(
      token,
      (this.#options.refreshBeforeExpirySeconds ?? 60) * 1000,
    );
    return token;
  }

  #scheduleRefresh(): void {
    clearTimeout(this.#refreshTimer);
    // A token whose exp cannot be read is refreshed when the server sends token_expiring.
    if (this.#tokenRefreshAt === 0) return;
    const wait = Math.min(Math.max(this.#tokenRefreshAt - Date.now(), 1_000), 2 ** 31 - 1);
    this.#refreshTimer = setTimeout(() => void this.#refresh(), wait);
  }

  /** Swaps the socket's token for a fresh one without reconnecting. */
  async #refresh(): Promise<void> {
    try {
      this.#token = undefined;
      const token = await this.#currentToken();
      await this.#request({ type: 'refresh', token });
      this.#scheduleRefresh();
    } catch {
      // The server closes with token_expired at exp; the reconnect then asks for a new token.
      this.#refreshTimer = setTimeout(() => void this.#refresh(), 5_000);
    }
  }

  #request(frame: Record<string, unknown>): Promise<Record<string, unknown>> {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) {
      return Promise.reject(new CariosanClientError('disconnected', 'Not connected'));
    }
    const id = `q${++this.#nextId}`;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      socket.send(JSON.stringify({ ...frame, id }));
    });
  }

  #onFrame(text: string): void {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    switch (frame.type) {
      case 'ack':
      case 'error': {
        const waiting = this.#waiting.get(frame.id as string);
        if (!waiting) return;
        this.#waiting.delete(frame.id as string);
        if (frame.type === 'ack') waiting.resolve((frame.result ?? {}) as Record<string, unknown>);
        else {
          const error = frame.error as { code: ErrorCode; message: string; retry_after?: number };
          waiting.reject(new CariosanClientError(error.code, error.message, error.retry_after));
        }
        return;
      }
      case 'token_expiring':
        void this.#refresh();
        return;
      case 'event':
        this.#applyEvent(frame);
        return;
    }
  }

  // ── REST ───────────────────────────────────────────────────────────────────

  async #rest<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
    const token = await this.#currentToken();
    const response = await this.#fetch(`${this.#options.url.replace(/\/+$/, '')}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const payload = (await response.json().catch(() => ({}))) as {
      error?: { code: ErrorCode; message: string };
    };
    if (response.status === 401 && !retried) {
      this.#token = undefined;
      return this.#rest(method, path, body, true);
    }
    if (!response.ok) {
      throw new CariosanClientError(
        payload.error?.code ?? 'internal_error',
        payload.error?.message ?? `HTTP ${response.status}`,
      );
    }
    return payload as T;
  }

  async loadChannels(): Promise<void> {
    let cursor: string | null = null;
    do {
      const query: string = cursor
        ? `?limit=100&cursor=${encodeURIComponent(cursor)}`
        : '?limit=100';
      const page: ChannelList = await this.#rest<ChannelList>('GET', `/v1/channels${query}`);
      for (const item of page.items) {
        this.#store.updateChannel(item.channel.id, (current) => {
          const lastSeq = Math.max(current.lastSeq, item.channel.last_seq);
          const lastReadSeq = Math.max(current.lastReadSeq, item.last_read_seq);
          return {
            ...current,
            channel: item.channel,
            lastSeq,
            lastReadSeq,
            unreadCount: unreadOf(lastSeq, lastReadSeq),
            hasOlder: current.messages.length === 0 ? lastSeq > 0 : current.hasOlder,
            messages: item.last_message
              ? mergeMessages(current.messages, [item.last_message])
              : current.messages,
          };
        });
        void this.#follow(item.channel.id);
      }
      cursor = page.next_cursor;
    } while (cursor);
  }

  /**
   * Follows a channel's live events (no history load); resubscribed after reconnects. Resolves
   * once the subscription is live (at once when offline: it starts on connect).
   */
  #follow(channelId: string): Promise<void> {
    if (!this.#followed.has(channelId)) {
      this.#followed.add(channelId);
      if (this.state === 'connected') void this.#subscribe(channelId);
    }
    return this.#subscribing.get(channelId) ?? Promise.resolve();
  }

  #subscribe(channelId: string): Promise<void> {
    const subscribing = this.#subscribeNow(channelId).finally(() => {
      if (this.#subscribing.get(channelId) === subscribing) this.#subscribing.delete(channelId);
    });
    this.#subscribing.set(channelId, subscribing);
    return subscribing;
  }

  async #subscribeNow(channelId: string): Promise<void> {
    const sinceSeq = this.#store.getSnapshot().channels[channelId]?.lastSeq ?? 0;
    try {
      const result = await this.#request({
        type: 'subscribe',
        channel_id: channelId,
        since_seq: sinceSeq,
      });
      const online = (result.online as string[] | undefined) ?? [];
      if (online.length > 0) {
        this.#store.update((state) =>
          online.every((userId) => state.presence[userId] === true)
            ? state
            : {
                ...state,
                presence: {
                  ...state.presence,
                  ...Object.fromEntries(online.map((userId) => [userId, true])),
                },
              },
        );
      }
    } catch (error) {
      if (error instanceof CariosanClientError && error.code === 'not_found') {
        this.#followed.delete(channelId);
        this.#store.removeChannel(channelId);
      }
    }
  }

  async watch(channelId: string): Promise<void> {
    this.#store.updateChannel(channelId, (current) =>
      current.watching ? current : { ...current, watching: true },
    );
    const [channel, page] = await Promise.all([
      this.#rest<{ channel: Channel }>('GET', `/v1/channels/${encodeURIComponent(channelId)}`),
      this.#rest<MessagePage>(
        'GET',
        `/v1/channels/${encodeURIComponent(channelId)}/messages?limit=${PAGE}`,
      ),
    ]);
    this.#store.updateChannel(channelId, (current) => {
      const messages = mergeMessages(current.messages, page.messages);
      const lastSeq = Math.max(current.lastSeq, channel.channel.last_seq, newestSeq(messages));
      const oldest = messages.find((m) => m.status === 'sent');
      return {
        ...current,
        channel: channel.channel,
        messages,
        lastSeq,
        unreadCount: unreadOf(lastSeq, current.lastReadSeq),
        hasOlder: oldest ? oldest.seq > 1 : page.has_more,
      };
    });
    await this.#follow(channelId);
  }

  unwatch(channelId: string): void {
    this.#store.updateChannel(channelId, (current) =>
      current.watching ? { ...current, watching: false } : current,
    );
  }

  async loadOlder(channelId: string, limit = PAGE): Promise<boolean> {
    const current = this.#store.getSnapshot().channels[channelId];
    const oldest = current?.messages.find((m) => m.status === 'sent');
    const before = oldest ? `&before=${oldest.seq}` : '';
    const page = await this.#rest<MessagePage>(
      'GET',
      `/v1/channels/${encodeURIComponent(channelId)}/messages?limit=${limit}${before}`,
    );
    this.#store.updateChannel(channelId, (state) => {
      const messages = mergeMessages(state.messages, page.messages);
      const first = messages.find((m) => m.status === 'sent');
      const lastSeq = Math.max(state.lastSeq, newestSeq(messages));
      return { ...state, messages, lastSeq, hasOlder: first ? first.seq > 1 : false };
    });
    return page.has_more;
  }

  // ── sending ────────────────────────────────────────────────────────────────

  sendMessage(
    channelId: string,
    body: { text: string; attachments?: unknown[]; parent_id?: string },
  ): LocalMessage {
    const clientId = randomId();
    const userId = this.#store.getSnapshot().userId ?? '';
    // The server ends typing on a send: the next keystroke must announce it again.
    this.#typingSentAt.delete(channelId);
    const local: LocalMessage = {
      id: `local_${clientId}`,
      channel_id: channelId,
      seq: 0,
      user_id: userId,
      text: body.text,
      attachments: (body.attachments ?? []) as Record<string, unknown>[],
      parent_id: body.parent_id ?? null,
      reply_count: 0,
      client_id: clientId,
      reactions: {},
      created_at: new Date().toISOString(),
      edited_at: null,
      deleted_at: null,
      status: 'pending',
    };
    this.#store.updateChannel(channelId, (current) => ({
      ...current,
      messages: [...current.messages, local],
    }));
    this.#queue.push({ channelId, clientId, body });
    void this.#flush();
    return local;
  }

  /** Sends queued messages one by one, in order, while connected; stops at a transient error. */
  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#queue.length > 0 && this.state === 'connected') {
        const next = this.#queue[0] as QueuedSend;
        try {
          const result = await this.#request({
            type: 'send',
            channel_id: next.channelId,
            client_id: next.clientId,
            text: next.body.text,
            ...(next.body.attachments ? { attachments: next.body.attachments } : {}),
            ...(next.body.parent_id ? { parent_id: next.body.parent_id } : {}),
          });
          this.#queue.shift();
          this.#acceptMessage(result.message as Message);
        } catch (error) {
          const failure =
            error instanceof CariosanClientError
              ? error
              : new CariosanClientError('internal_error', String(error));
          if (TRANSIENT.has(failure.code)) {
            if (failure.code === 'rate_limited') {
              await sleep((failure.retryAfter ?? 1) * 1000);
              continue;
            }
            return;
          }
          this.#queue.shift();
          this.#store.updateChannel(next.channelId, (current) => ({
            ...current,
            messages: current.messages.map((message) =>
              message.client_id === next.clientId && message.status === 'pending'
                ? {
                    ...message,
                    status: 'failed' as const,
                    error: { code: failure.code, message: failure.message },
                  }
                : message,
            ),
          }));
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  async markRead(channelId: string, seq?: number): Promise<void> {
    const current = this.#store.getSnapshot().channels[channelId];
    const target = seq ?? current?.lastSeq ?? 0;
    if (target <= 0 || (current && target <= current.lastReadSeq)) return;
    this.#store.updateChannel(channelId, (state) => ({
      ...state,
      lastReadSeq: Math.max(state.lastReadSeq, target),
      unreadCount: unreadOf(state.lastSeq, Math.max(state.lastReadSeq, target)),
    }));
    if (this.state === 'connected') {
      await this.#request({ type: 'read', channel_id: channelId, seq: target }).catch(() =>
        this.#rest('POST', `/v1/channels/${encodeURIComponent(channelId)}/read`, { seq: target }),
      );
    } else {
      await this.#rest('POST', `/v1/channels/${encodeURIComponent(channelId)}/read`, {
        seq: target,
      });
    }
  }

  typing(channelId: string, state: 'start' | 'stop' = 'start'): void {
    if (this.state !== 'connected') return;
    const now = Date.now();
    if (state === 'start') {
      if (now - (this.#typingSentAt.get(channelId) ?? 0) < TYPING_THROTTLE_MS) return;
      this.#typingSentAt.set(channelId, now);
    } else {
      if (!this.#typingSentAt.has(channelId)) return;
      this.#typingSentAt.delete(channelId);
    }
    this.#request({ type: 'typing', channel_id: channelId, state }).catch(() => undefined);
  }

  // ── events into the store ──────────────────────────────────────────────────

  #acceptMessage(message: Message): void {
    const me = this.#store.getSnapshot().userId;
    this.#store.updateChannel(message.channel_id, (current) => {
      const messages = mergeMessages(current.messages, [message]);
      const lastSeq = Math.max(current.lastSeq, message.seq);
      // One's own message is read, as on the server.
      const lastReadSeq =
        message.user_id === me ? Math.max(current.lastReadSeq, message.seq) : current.lastReadSeq;
      return {
        ...current,
        messages,
        lastSeq,
        lastReadSeq,
        unreadCount: unreadOf(lastSeq, lastReadSeq),
        hasOlder: current.messages.some((m) => m.status === 'sent')
          ? current.hasOlder
          : message.seq > 1,
        channel: current.channel && {
          ...current.channel,
          last_seq: lastSeq,
          last_message_at: message.created_at,
        },
      };
    });
  }

  #applyEvent(frame: Record<string, unknown>): void {
    const type = frame.event as string;
    const channelId = frame.channel_id as string | null;
    const data = (frame.data ?? {}) as Record<string, unknown>;
    const me = this.#store.getSnapshot().userId;
    switch (type) {
      case 'message.new':
        this.#acceptMessage(data.message as Message);
        if (channelId) this.#setTyping(channelId, (data.message as Message).user_id, false);
        break;
      case 'message.updated':
      case 'message.deleted':
      case 'reaction.new':
      case 'reaction.deleted': {
        const message = data.message as Message;
        this.#store.updateChannel(message.channel_id, (current) => {
          const messages = replaceMessage(current.messages, message);
          return messages === current.messages ? current : { ...current, messages };
        });
        break;
      }
      case 'channel.created':
      case 'member.added': {
        const id = channelId as string;
        const forMe =
          type === 'channel.created'
            ? (data.members as { user_id: string }[]).some((m) => m.user_id === me)
            : (data.member as { user_id: string }).user_id === me;
        if (!forMe) break;
        if (type === 'channel.created') {
          const channel = data.channel as Channel;
          this.#store.updateChannel(id, (current) => ({ ...current, channel }));
        } else {
          void this.#rest<{ channel: Channel }>('GET', `/v1/channels/${encodeURIComponent(id)}`)
            .then(({ channel }) =>
              this.#store.updateChannel(id, (current) => ({
                ...current,
                channel,
                lastSeq: Math.max(current.lastSeq, channel.last_seq),
                lastReadSeq: Math.max(current.lastReadSeq, channel.last_seq),
              })),
            )
            .catch(() => undefined);
        }
        void this.#follow(id);
        break;
      }
      case 'member.removed':
        if (data.user_id === me && channelId) this.#forget(channelId);
        break;
      case 'channel.deleted':
        if (channelId) this.#forget(channelId);
        break;
      case 'channel.updated': {
        const channel = data.channel as Channel;
        this.#store.updateChannel(channel.id, (current) => ({ ...current, channel }));
        break;
      }
      case 'read.updated':
        if (data.user_id === me && channelId) {
          const seq = data.last_read_seq as number;
          this.#store.updateChannel(channelId, (current) =>
            seq <= current.lastReadSeq
              ? current
              : { ...current, lastReadSeq: seq, unreadCount: unreadOf(current.lastSeq, seq) },
          );
        }
        break;
      case 'typing.start':
      case 'typing.stop':
        if (channelId && data.user_id !== me) {
          this.#setTyping(channelId, data.user_id as string, type === 'typing.start');
        }
        break;
      case 'presence.changed':
        this.#store.update((state) =>
          state.presence[data.user_id as string] === data.online
            ? state
            : {
                ...state,
                presence: { ...state.presence, [data.user_id as string]: data.online as boolean },
              },
        );
        break;
    }
    this.#emit(type, frame);
  }

  #forget(channelId: string): void {
    this.#followed.delete(channelId);
    this.#store.removeChannel(channelId);
  }

  #setTyping(channelId: string, userId: string, typing: boolean): void {
    const key = `${channelId}\u0000${userId}`;
    clearTimeout(this.#typingTimers.get(key));
    this.#typingTimers.delete(key);
    if (typing) {
      this.#typingTimers.set(
        key,
        setTimeout(() => this.#setTyping(channelId, userId, false), TYPING_EXPIRY_MS),
      );
    }
    this.#store.updateChannel(channelId, (current) => {
      const has = current.typing.includes(userId);
      if (has === typing) return current;
      return {
        ...current,
        typing: typing ? [...current.typing, userId] : current.typing.filter((u) => u !== userId),
      };
    });
  }
}

function newestSeq(messages: readonly LocalMessage[]): number {
  return messages.findLast((message) => message.status === 'sent')?.seq ?? 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function randomId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (crypto?.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

/** The `exp` of a JWT in ms (0 when unreadable): only to schedule a refresh, never trusted. */
function expiryOf(token: string): number {
  try {
    const payload = token.split('.')[1] ?? '';
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='))) as {
      exp?: number;
    };
    return typeof json.exp === 'number' ? json.exp * 1000 : 0;
  } catch {
    return 0;
  }
}

/**
 * When to refresh a token (ms): `lead` before its `exp`, but never later than half-way
 * through its life, so a token shorter-lived than `lead` is not refreshed in a loop. 0 when
 * its `exp` cannot be read.
 */
function refreshTimeOf(token: string, lead: number): number {
  const exp = expiryOf(token);
  if (exp === 0) return 0;
  const now = Date.now();
  return exp - Math.min(lead, Math.max(exp - now, 0) / 2);
}

export type { ChannelState };
