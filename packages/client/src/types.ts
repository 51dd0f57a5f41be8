import type { Channel, CloseReason, EventType, Message } from '@cariosan/protocol';

/**
 * Where the connection is: `idle` before `connect()`, `connecting` for the first attempt,
 * `connected` once the server acked `connect`, `reconnecting` after a drop while it waits and
 * retries (with backoff and jitter), `disconnected` after `disconnect()` or a close that must
 * not be retried (banned, deleted, a token the provider cannot renew).
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** The WebSocket constructor the client uses (browsers' global, or `ws` in Node 20). */
export type WebSocketLike = {
  new (url: string): WebSocketInstance;
};

/** The part of the WHATWG WebSocket the client uses. */
export interface WebSocketInstance {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/**
 * Options of {@link createClient}.
 *
 * @example
 * const client = createClient({
 *   url: 'https://chat.example.com',
 *   tokenProvider: () => fetch('/api/chat-token').then((r) => r.text()),
 * });
 */
export interface ClientOptions {
  /** Base URL of the Cariosan server (`http(s)://…`); the socket goes to `/v1/ws` on it. */
  url: string;
  /** Asks the app's backend for a fresh user JWT (issued there with `@cariosan/node`). */
  tokenProvider: () => Promise<string>;
  /** Defaults to `globalThis.WebSocket` (browsers, Node 22+); pass `ws` on Node 20. */
  WebSocket?: WebSocketLike;
  /** Defaults to `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Reconnect backoff: the first retry waits about `minDelayMs`, doubling up to `maxDelayMs`. */
  reconnect?: { minDelayMs?: number; maxDelayMs?: number };
  /** Seconds before `exp` at which the token is refreshed (default 60). */
  refreshBeforeExpirySeconds?: number;
  /** Random source for jitter (tests). */
  random?: () => number;
}

/** A message as the local store holds it: the server's, or an optimistic one not yet acked. */
export interface LocalMessage extends Message {
  /** `sent` once the server has it; `pending` while queued or in flight; `failed` if refused. */
  status: 'sent' | 'pending' | 'failed';
  /** Why a send failed (`failed` only). */
  error?: { code: string; message: string };
}

/** One channel in the local store. Replaced (new object) only when it changes. */
export interface ChannelState {
  id: string;
  channel: Channel | undefined;
  /** Ascending by seq; optimistic messages (seq 0) last, in the order they were sent. */
  messages: readonly LocalMessage[];
  /** Whether older history exists before the first loaded message. */
  hasOlder: boolean;
  /** Newest seq known for the channel. */
  lastSeq: number;
  lastReadSeq: number;
  unreadCount: number;
  /** Users typing now (never the current user). */
  typing: readonly string[];
  /**
   * Whether the app watches this channel (`watch`: history loaded, live). Channels listed by
   * `loadChannels` get live events for their unread counts either way; `unwatch` only clears this.
   */
  watching: boolean;
}

/** The whole local store; a new object on every change, unchanged parts keep their identity. */
export interface ChatState {
  connection: ConnectionState;
  /** The signed-in user, once connected. */
  userId: string | undefined;
  /** By channel id. */
  channels: Readonly<Record<string, ChannelState>>;
  /** Channel ids, newest activity first. */
  channelOrder: readonly string[];
  totalUnread: number;
  /** Online state of users seen in presence events, by user id. */
  presence: Readonly<Record<string, boolean>>;
}

/** What `client.on` delivers: every server event, plus connection state changes. */
export type ClientEventName = EventType | 'state';

/** Why the server closed the connection for good: the close code and its name, if known. */
export interface StopReason {
  code: number;
  reason: CloseReason | undefined;
}

/** The client's public surface. */
export interface CariosanClient {
  /** For `useSyncExternalStore`: `subscribe(listener)` and `getSnapshot()`. */
  readonly store: {
    subscribe(listener: () => void): () => void;
    getSnapshot(): ChatState;
  };
  readonly state: ConnectionState;
  /**
   * Why the server closed the connection for good (a ban, a deleted user or workspace, a
   * token it keeps refusing), once the client has stopped; `undefined` while it runs.
   */
  readonly closeReason: StopReason | undefined;
  /** Opens the socket (and keeps it open, reconnecting) until `disconnect()`. */
  connect(): Promise<void>;
  disconnect(): void;
  /** Loads the user's channels with unread counts (REST) into the store. */
  loadChannels(): Promise<void>;
  /** Follows a channel: loads its newest page, then live events; resumes after reconnects. */
  watch(channelId: string): Promise<void>;
  unwatch(channelId: string): void;
  /** Loads the page before the oldest loaded message; false when there is no older history. */
  loadOlder(channelId: string, limit?: number): Promise<boolean>;
  /**
   * Sends a message: it shows at once as `pending`, is (re)sent with its `client_id` whenever the
   * socket is up, and is replaced by the server's message when acked or seen.
   */
  sendMessage(
    channelId: string,
    body: { text: string; attachments?: unknown[]; parent_id?: string },
  ): LocalMessage;
  /** Marks the channel read up to `seq` (default: its newest message). */
  markRead(channelId: string, seq?: number): Promise<void>;
  /** Typing indicator; call on keystrokes, it is throttled. */
  typing(channelId: string, state?: 'start' | 'stop'): void;
  /** Subscribes to server events (or 'state'); returns an unsubscribe function. */
  on(event: ClientEventName, handler: (payload: unknown) => void): () => void;
}
