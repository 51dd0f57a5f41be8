import { randomUUID } from 'node:crypto';
import {
  CLOSE_CODES,
  ClientFrame,
  type CloseReason,
  CONNECT_TIMEOUT_SECONDS,
  jsonInputIssue,
  MAX_FRAME_BYTES,
  type SessionInfo,
  TOKEN_EXPIRY_WARNING_SECONDS,
} from '@cariosan/protocol';
import * as v from 'valibot';
import { type RawData, WebSocket } from 'ws';
import { type UserPrincipal, verifyUserToken } from '../auth/user-token';
import { loadVisibleChannel } from '../channels/channel-access';
import { withWorkspace } from '../db/scope';
import type { Deps } from '../deps';
import type { Actor } from '../http/actor';
import { AppError, errorFields, invalidInput, toAppError } from '../lib/errors';
import { sendMessage } from '../messages/message.service';
import { markRead } from '../messages/reaction-read.service';
import { admitFrame, type ChargeScope, type FrameLimits } from './admission';
import { tokenExpiringFrame } from './frames';
import type { Hub } from './hub';
import { messagesAfter, presenceMemberIds } from './replay';
import { Subscription } from './subscription';
import type { TypingTracker } from './typing';

/** What every connection of a node shares. */
export interface GatewayContext {
  deps: Deps;
  hub: Hub;
  typing: TypingTracker;
  limits: FrameLimits;
  /** Requests being processed (drain waits for them). */
  inflight: Set<Promise<unknown>>;
  /** Called once the socket is authenticated, and once when it closes after that. */
  onOnline(connection: Connection): void;
  onOffline(connection: Connection): void;
  /** Whether a user is online anywhere in the fleet. */
  isOnline(workspaceId: string, userId: string): boolean;
}

/** Channels one socket may follow at once. */
const MAX_SUBSCRIPTIONS = 1_000;
/** Invalid frames in a row before the socket is closed as a broken client. */
const MAX_INVALID_FRAMES = 10;
/** Refused frames in a row before a client that ignores `retry_after` is closed. */
const MAX_REFUSED_FRAMES = 100;
/** How long a slow consumer gets to take its close frame before the socket is destroyed. */
const SLOW_CLOSE_GRACE_MS = 5_000;
/** setTimeout cannot wait longer than this (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

type Handled = Record<string, unknown>;

/**
 * One WebSocket after the upgrade: authenticates with the first frame, then answers requests in
 * the order they came (so a user's own sends keep their order) and pushes events of the
 * channels it subscribed to.
 *
 * @example
 * wss.handleUpgrade(request, socket, head, (ws) => new Connection(ws, context));
 */
export class Connection {
  readonly id = randomUUID();
  readonly subscriptions = new Map<string, Subscription>();
  #principal: UserPrincipal | undefined;
  #queue: Promise<void> = Promise.resolve();
  #closing = false;
  #draining = false;
  #invalidFrames = 0;
  #refusedFrames = 0;
  /** Set when the socket takes no more frames but still answers the ones it admitted. */
  #stopping = false;
  #lastSeenAt = 0;
  #connectTimer: NodeJS.Timeout | undefined;
  #warnTimer: NodeJS.Timeout | undefined;
  #expireTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly context: GatewayContext,
  ) {
    this.#lastSeenAt = context.deps.now();
    this.#connectTimer = setTimeout(
      () => this.close('connect_timeout', 'No connect frame'),
      CONNECT_TIMEOUT_SECONDS * 1000,
    );
    ws.on('message', (data, isBinary) => this.#onFrame(data, isBinary));
    ws.on('close', () => this.#onClose());
    ws.on('pong', () => {
      this.#lastSeenAt = this.context.deps.now();
    });
    // Errors (bad framing, resets) end in 'close'; nothing to add here.
    ws.on('error', () => undefined);
  }

  get workspaceId(): string {
    return this.#principal?.workspaceId ?? '';
  }

  get userId(): string {
    return this.#principal?.userId ?? '';
  }

  get apiKey(): string {
    return this.#principal?.apiKey ?? '';
  }

  get keyGeneration(): number {
    return this.#principal?.keyGeneration ?? 0;
  }

  get authenticated(): boolean {
    return this.#principal !== undefined;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /**
   * Queues a frame unless the socket is closing; a socket whose unsent backlog would pass the
   * bound is closed as a slow consumer instead, so it never holds anyone else up.
   */
  push(frame: Buffer): boolean {
    if (this.#closing) return false;
    if (this.ws.bufferedAmount + frame.length > this.context.deps.config.wsMaxBufferedBytes) {
      this.closeSlow();
      return false;
    }
    this.ws.send(frame, { binary: false });
    return true;
  }

  closeSlow(): void {
    if (this.#closing) return;
    this.context.deps.metrics.counter(
      'cariosan_ws_slow_consumer_closes_total',
      'Sockets closed because their backlog passed the bound',
    );
    this.close('slow_consumer', 'Too slow: resume from your last seq');
    // Its close frame waits behind the backlog; do not keep the memory for a client that stalls.
    setTimeout(() => this.ws.terminate(), SLOW_CLOSE_GRACE_MS).unref();
  }

  /** Closes with a Cariosan close code; the reason text is the code's name unless given. */
  close(reason: CloseReason, message?: string): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#clearTimers();
    for (const sub of this.subscriptions.values()) sub.close();
    this.ws.close(CLOSE_CODES[reason], (message ?? reason).slice(0, 120));
  }

  /** Calls back once the socket is closed (at once if it already is). */
  onClosed(callback: () => void): void {
    if (this.ws.readyState === WebSocket.CLOSED) callback();
    else this.ws.once('close', callback);
  }

  /**
   * One server heartbeat: a peer silent (no frame, no pong) for longer than `timeoutMs` is
   * dead or frozen and is terminated, which ends its presence; any other gets a ping.
   */
  heartbeat(timeoutMs: number): void {
    if (this.context.deps.now() - this.#lastSeenAt > timeoutMs) {
      this.context.deps.metrics.counter(
        'cariosan_ws_heartbeat_timeouts_total',
        'Sockets terminated because they answered no ping',
      );
      this.ws.terminate();
      return;
    }
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  /** Destroys the socket without a closing handshake (a peer that does not answer). */
  terminate(): void {
    this.ws.terminate();
  }

  /**
   * The server is going down: requests already received finish, later ones are answered
   * `service_unavailable` at once (the client retries them on another node; sends are
   * idempotent on client_id). Resolves when the received ones are done.
   */
  drain(): Promise<void> {
    this.#draining = true;
    return this.#queue;
  }

  #onClose(): void {
    this.#closing = true;
    this.#clearTimers();
    if (this.#principal) {
      this.context.hub.removeConnection(this);
      this.context.typing.forget(this);
      this.context.onOffline(this);
    }
  }

  #clearTimers(): void {
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#warnTimer);
    clearTimeout(this.#expireTimer);
  }

  #onFrame(data: RawData, isBinary: boolean): void {
    if (this.#closing || this.#stopping) return;
    this.#lastSeenAt = this.context.deps.now();
    try {
      this.#intake(data, isBinary);
    } catch (error) {
      // The error boundary of frame intake: one bad frame is answered, the node keeps serving.
      this.#reply(null, undefined, error);
    }
  }

  #intake(data: RawData, isBinary: boolean): void {
    const size = Array.isArray(data)
      ? data.reduce((sum, part) => sum + part.length, 0)
      : data.byteLength;
    if (size > MAX_FRAME_BYTES) {
      this.#invalid(
        null,
        new AppError('payload_too_large', `Frames are limited to ${MAX_FRAME_BYTES} bytes`),
      );
      return;
    }
    if (isBinary) {
      this.#invalid(null, new AppError('invalid_request', 'Frames are JSON text, not binary'));
      return;
    }
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data as ArrayBuffer).toString('utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.#invalid(null, new AppError('invalid_json', 'Frame is not valid JSON'));
      return;
    }
    const id = requestIdOf(raw);
    const beforeConnect = !this.#principal && !this.#connecting;
    // Limits count from the first frame after connect, including frames pipelined behind it
    // while the token is being verified (their user and workspace are charged once known).
    if (!beforeConnect && !this.#admit(id, this.#principal ? 'all' : 'socket')) return;
    const issue = jsonInputIssue(raw);
    const parsed = issue ? undefined : v.safeParse(ClientFrame, raw);
    if (!parsed?.success) {
      this.#invalid(id, invalidInput(issue ?? parsed!.issues[0]));
      if (beforeConnect) this.close('invalid_frame', 'The first frame must be a valid connect');
      return;
    }
    this.#invalidFrames = 0;
    const frame = parsed.output;
    if (this.#draining) {
      this.#reply(id, undefined, new AppError('service_unavailable', 'Server restarting'));
      return;
    }
    if (beforeConnect && frame.type !== 'connect') {
      this.#reply(id, undefined, new AppError('unauthorized', 'Send connect first'));
      this.close('invalid_frame', 'The first frame must be connect');
      return;
    }
    this.#enqueue(frame, !beforeConnect && !this.#principal);
  }

  #connecting = false;

  #enqueue(frame: ClientFrame, chargeOnceConnected: boolean): void {
    if (frame.type === 'connect') this.#connecting = true;
    const task = this.#queue
      .then(async () => {
        if (this.#closing) return;
        const id = 'id' in frame && frame.id !== undefined ? frame.id : null;
        if (chargeOnceConnected && !this.#admit(id, 'principal')) return;
        try {
          const result = await this.#handle(frame);
          if (result) this.#reply(id, result);
        } catch (error) {
          this.#reply(id, undefined, error);
        }
      })
      .catch((error: unknown) => {
        // The queue's own boundary: a failure here must not leave a rejected link that stalls
        // every later request of this socket, or reach the process as an unhandled rejection.
        this.context.deps.logger.error('websocket request could not be answered', {
          connection_id: this.id,
          error: error instanceof Error ? error.message : String(error),
        });
      });
    this.#queue = task;
    this.context.inflight.add(task);
    void task.finally(() => this.context.inflight.delete(task));
  }

  async #handle(frame: ClientFrame): Promise<Handled | undefined> {
    switch (frame.type) {
      case 'connect':
        return this.#connect(frame.token);
      case 'refresh':
        return this.#refresh(frame.token);
      case 'subscribe':
        return this.#subscribe(frame.channel_id, frame.since_seq);
      case 'unsubscribe': {
        const sub = this.subscriptions.get(frame.channel_id);
        if (sub) this.context.hub.unsubscribe(this, sub);
        return { channel_id: frame.channel_id };
      }
      case 'send': {
        this.context.typing.stop(this, frame.channel_id);
        const { message, created } = await sendMessage(
          this.context.deps.database.db,
          this.#actor(),
          frame.channel_id,
          {
            text: frame.text,
            attachments: frame.attachments,
            client_id: frame.client_id,
            ...(frame.parent_id ? { parent_id: frame.parent_id } : {}),
          },
        );
        return { message, created };
      }
      case 'typing': {
        const sub = this.subscriptions.get(frame.channel_id);
        if (!sub) {
          throw new AppError('invalid_request', 'channel_id: subscribe to the channel first', {
            field: 'channel_id',
          });
        }
        if (!sub.member) throw new AppError('forbidden', 'Join the channel to type in it');
        if (frame.state === 'start') this.context.typing.start(this, frame.channel_id);
        else this.context.typing.stop(this, frame.channel_id);
        return { channel_id: frame.channel_id };
      }
      case 'read':
        return {
          ...(await markRead(
            this.context.deps.database.db,
            this.#actor(),
            frame.channel_id,
            frame.seq,
          )),
        };
      case 'ping':
        return { server_time: new Date().toISOString() };
    }
  }

  #actor(): Actor {
    return {
      kind: 'user',
      workspaceId: this.workspaceId,
      userId: this.userId,
      privileged: false,
    };
  }

  async #verify(token: string): Promise<UserPrincipal> {
    const { deps } = this.context;
    const result = await verifyUserToken(token, {
      db: deps.database.db,
      keyStore: deps.keyStore,
      maxLifetimeSeconds: deps.config.jwtTtlHours * 3600,
      now: deps.now,
    });
    if (!result.ok) throw new AppError(result.error.code, result.error.message);
    return result.value;
  }

  async #connect(token: string): Promise<Handled | undefined> {
    if (this.#principal) throw new AppError('invalid_request', 'Already connected');
    let principal: UserPrincipal;
    try {
      principal = await this.#verify(token);
    } catch (error) {
      this.#connecting = false;
      const code = error instanceof AppError ? error.code : 'unauthorized';
      this.#reply(null, undefined, error);
      this.close(code === 'token_expired' ? 'token_expired' : 'unauthorized');
      return undefined;
    }
    if (principal.banned) {
      this.#reply(null, undefined, new AppError('forbidden', 'This user is banned'));
      this.close('user_banned');
      return undefined;
    }
    if (this.#closing) return undefined;
    clearTimeout(this.#connectTimer);
    this.#principal = principal;
    this.#connecting = false;
    this.#scheduleExpiry();
    this.context.hub.addConnection(this);
    this.context.onOnline(this);
    return { ...this.#session() };
  }

  async #refresh(token: string): Promise<Handled> {
    const principal = await this.#verify(token);
    if (principal.workspaceId !== this.workspaceId || principal.userId !== this.userId) {
      throw new AppError('unauthorized', 'A refreshed token must be for the same user');
    }
    this.#principal = principal;
    this.#scheduleExpiry();
    return { ...this.#session() };
  }

  #session(): SessionInfo {
    const principal = this.#principal as UserPrincipal;
    return {
      user_id: principal.userId,
      workspace_id: principal.workspaceId,
      connection_id: this.id,
      expires_at: new Date(principal.expiresAt).toISOString(),
    };
  }

  #scheduleExpiry(): void {
    clearTimeout(this.#warnTimer);
    clearTimeout(this.#expireTimer);
    const expiresAt = (this.#principal as UserPrincipal).expiresAt;
    const left = expiresAt - this.context.deps.now();
    // Half-way through a token shorter-lived than the warning period, so that refreshing
    // one does not draw another warning at once.
    const warnIn = Math.max(0, left - Math.min(TOKEN_EXPIRY_WARNING_SECONDS * 1000, left / 2));
    const frame = tokenExpiringFrame(expiresAt);
    if (warnIn < MAX_TIMER_MS) this.#warnTimer = setTimeout(() => this.push(frame), warnIn);
    if (left < MAX_TIMER_MS) {
      this.#expireTimer = setTimeout(() => this.close('token_expired'), Math.max(0, left));
    }
  }

  async #subscribe(channelId: string, sinceSeq: number | undefined): Promise<Handled> {
    const { hub, deps } = this.context;
    const existing = this.subscriptions.get(channelId);
    if (existing) hub.unsubscribe(this, existing);
    if (this.subscriptions.size >= MAX_SUBSCRIPTIONS) {
      throw new AppError(
        'invalid_request',
        `A socket follows at most ${MAX_SUBSCRIPTIONS} channels`,
      );
    }
    const db = deps.database.db;
    const workspaceId = this.workspaceId;
    const sub = new Subscription(channelId, false, 0, this, (after) =>
      messagesAfter(db, workspaceId, channelId, after),
    );
    // Registered before the channel is read: whatever commits from now on is held, whatever
    // committed before is in the database. The seq check drops what is in both.
    sub.hold();
    hub.subscribe(this, sub);
    try {
      const { access, members } = await withWorkspace(db, workspaceId, async (trx) => {
        const access = await loadVisibleChannel(trx, this.#actor(), channelId);
        const members =
          access.channel.type === 'public'
            ? []
            : await presenceMemberIds(trx, workspaceId, channelId);
        return { access, members };
      });
      const lastSeq = Number(access.channel.last_seq);
      sub.member = access.membership !== undefined && !access.membership.banned;
      sub.isPublic = access.channel.type === 'public';
      sub.lastSeq = Math.min(sinceSeq ?? lastSeq, lastSeq);
      const replayed = await sub.catchUp();
      const online = members.filter((userId) => this.context.isOnline(workspaceId, userId));
      return { channel_id: channelId, last_seq: sub.lastSeq, replayed, online };
    } catch (error) {
      hub.unsubscribe(this, sub);
      throw error;
    }
  }

  /**
   * Rate limits per socket, per user and per workspace (`scope` says which apply now); false
   * when the frame is refused. A client that keeps going past `retry_after` is closed once the
   * requests it was already granted are answered.
   */
  #admit(id: string | null, scope: ChargeScope): boolean {
    const refused = admitFrame(
      this.context.limits,
      { connectionId: this.id, workspaceId: this.workspaceId, userId: this.userId },
      scope,
    );
    if (!refused) {
      this.#refusedFrames = 0;
      return true;
    }
    this.#refusedFrames += 1;
    if (this.#refusedFrames > MAX_REFUSED_FRAMES) {
      this.#stopping = true;
      void this.#queue.then(() => this.close('rate_limited'));
      return false;
    }
    this.#reply(
      id,
      undefined,
      new AppError('rate_limited', 'Too many frames; slow down', {
        retryAfterSeconds: refused.retryAfterSeconds,
      }),
    );
    return false;
  }

  #invalid(id: string | null, error: AppError): void {
    this.#reply(id, undefined, error);
    this.#invalidFrames += 1;
    if (this.#invalidFrames >= MAX_INVALID_FRAMES) this.close('invalid_frame');
  }

  #reply(id: string | null, result: Handled | undefined, error?: unknown): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (error === undefined) {
      this.ws.send(JSON.stringify({ type: 'ack', id, result }));
      return;
    }
    const appError = toAppError(error);
    if (appError.code === 'internal_error') {
      this.context.deps.logger.error('websocket request failed', {
        connection_id: this.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    this.ws.send(JSON.stringify({ type: 'error', id, error: errorFields(appError) }));
  }
}

function requestIdOf(raw: unknown): string | null {
  if (raw && typeof raw === 'object' && 'id' in raw) {
    const id = (raw as { id: unknown }).id;
    if (typeof id === 'string' && id.length > 0 && id.length <= 64) return id;
  }
  return null;
}
