import * as v from 'valibot';
import { Seq, Timestamp } from './common';
import { ErrorCode } from './errors';
import { EventType } from './events';
import { ChannelId, MessageId, UserId } from './ids';
import { Attachments, ClientId, Message, MessageText, ReadState } from './messages';

/**
 * The largest WebSocket frame a server accepts (bytes). A `send` carries at most 8 KiB of text
 * and 16 KiB of attachments, so 64 KiB leaves room for JSON escaping.
 */
export const MAX_FRAME_BYTES = 64 * 1024;

/** Seconds a client has after the upgrade to send its `connect` frame. */
export const CONNECT_TIMEOUT_SECONDS = 5;

/**
 * Seconds before a token's expiry at which the server sends `token_expiring`; half-way
 * through the life of a token that lives less than twice this.
 */
export const TOKEN_EXPIRY_WARNING_SECONDS = 60;

/**
 * A request id chosen by the client, echoed by the `ack` or `error` that answers it.
 *
 * @example
 * 'r-17'
 */
export const RequestId = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(64, 'must be at most 64 characters'),
);

const Token = v.pipe(v.string(), v.minLength(1), v.maxLength(4096, 'is too long'));

/**
 * First frame on a socket: authenticates with a user JWT (never in the URL).
 *
 * @example
 * { "type": "connect", "id": "r1", "token": "eyJ…" }
 */
export const ConnectFrame = v.strictObject({
  type: v.literal('connect'),
  id: v.optional(RequestId),
  token: Token,
});

/**
 * Starts delivery of a channel's events. With `since_seq`, first replays every message after
 * it, then goes live with no gap and no duplicate. The `ack` comes after the replay.
 *
 * @example
 * { "type": "subscribe", "id": "r2", "channel_id": "general", "since_seq": 41 }
 */
export const SubscribeFrame = v.strictObject({
  type: v.literal('subscribe'),
  id: RequestId,
  channel_id: ChannelId,
  since_seq: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});

/** @example { "type": "unsubscribe", "id": "r3", "channel_id": "general" } */
export const UnsubscribeFrame = v.strictObject({
  type: v.literal('unsubscribe'),
  id: RequestId,
  channel_id: ChannelId,
});

/**
 * Sends a message as the socket's user; acknowledged after commit with the message. Idempotent
 * on `client_id` exactly like REST.
 *
 * @example
 * { "type": "send", "id": "r4", "channel_id": "general", "client_id": "c-1", "text": "Hi" }
 */
export const SendFrame = v.pipe(
  v.strictObject({
    type: v.literal('send'),
    id: RequestId,
    channel_id: ChannelId,
    client_id: ClientId,
    text: v.optional(MessageText, ''),
    attachments: v.optional(Attachments, []),
    parent_id: v.optional(MessageId),
  }),
  v.forward(
    v.check(
      (frame) => frame.text.trim().length > 0 || frame.attachments.length > 0,
      'a message needs text or attachments',
    ),
    ['text'],
  ),
);

/**
 * Typing indicator; `start` (the default) stops by itself after a few seconds.
 *
 * @example
 * { "type": "typing", "id": "r5", "channel_id": "general", "state": "start" }
 */
export const TypingFrame = v.strictObject({
  type: v.literal('typing'),
  id: RequestId,
  channel_id: ChannelId,
  state: v.optional(v.picklist(['start', 'stop']), 'start'),
});

/** @example { "type": "read", "id": "r6", "channel_id": "general", "seq": 42 } */
export const ReadFrame = v.strictObject({
  type: v.literal('read'),
  id: RequestId,
  channel_id: ChannelId,
  seq: Seq,
});

/**
 * Swaps the socket's token for a fresh one of the same user, without reconnecting.
 *
 * @example
 * { "type": "refresh", "id": "r7", "token": "eyJ…" }
 */
export const RefreshFrame = v.strictObject({
  type: v.literal('refresh'),
  id: RequestId,
  token: Token,
});

/** @example { "type": "ping", "id": "r8" } */
export const PingFrame = v.strictObject({ type: v.literal('ping'), id: RequestId });

/**
 * Every frame a client may send after `connect`.
 *
 * @example
 * const frame = v.parse(ClientFrame, JSON.parse(text));
 */
export const ClientFrame = v.variant('type', [
  ConnectFrame,
  SubscribeFrame,
  UnsubscribeFrame,
  SendFrame,
  TypingFrame,
  ReadFrame,
  RefreshFrame,
  PingFrame,
]);
export type ClientFrame = v.InferOutput<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['type'];

/** What `ack` carries for `connect` and `refresh`. */
export const SessionInfo = v.object({
  user_id: UserId,
  workspace_id: v.string(),
  connection_id: v.string(),
  expires_at: Timestamp,
});
export type SessionInfo = v.InferOutput<typeof SessionInfo>;

/**
 * What `ack` carries for `subscribe`: the newest seq delivered when live delivery began, how
 * many messages were replayed, and which members are online now (dm and group channels of up
 * to 500 members; later changes come as `presence.changed`).
 */
export const SubscribeResult = v.object({
  channel_id: ChannelId,
  last_seq: v.number(),
  replayed: v.number(),
  online: v.array(UserId),
});
export type SubscribeResult = v.InferOutput<typeof SubscribeResult>;

/** What each request's `ack.result` holds, by request type. */
export const ACK_RESULTS = {
  connect: SessionInfo,
  subscribe: SubscribeResult,
  unsubscribe: v.object({ channel_id: ChannelId }),
  send: v.object({ message: Message, created: v.boolean() }),
  typing: v.object({ channel_id: ChannelId }),
  read: ReadState,
  refresh: SessionInfo,
  ping: v.object({ server_time: Timestamp }),
} as const;

/**
 * The answer to a request with the same `id`.
 *
 * @example
 * { "type": "ack", "id": "r4", "result": { "message": { … }, "created": true } }
 */
export const AckFrame = v.object({
  type: v.literal('ack'),
  id: v.nullable(RequestId),
  result: v.record(v.string(), v.unknown()),
});
export type AckFrame = v.InferOutput<typeof AckFrame>;

/**
 * A request failed (`id` set) or a frame could not be read at all (`id` null). Same codes as
 * REST; `retry_after` (seconds) with `rate_limited`.
 *
 * @example
 * { "type": "error", "id": "r2", "error": { "code": "not_found", "message": "No such channel: x" } }
 */
export const ErrorFrame = v.object({
  type: v.literal('error'),
  id: v.nullable(RequestId),
  error: v.object({
    code: ErrorCode,
    message: v.string(),
    field: v.optional(v.string()),
    retry_after: v.optional(v.number()),
  }),
});
export type ErrorFrame = v.InferOutput<typeof ErrorFrame>;

/**
 * A pushed event. `seq` is set on `message.new` (the order to apply them in and the position
 * to resume from); `event_id` on events that were persisted (the same id webhooks carry).
 *
 * @example
 * { "type": "event", "event": "message.new", "channel_id": "general", "seq": 42, "data": { "message": { … } } }
 */
export const EventFrame = v.object({
  type: v.literal('event'),
  event: EventType,
  event_id: v.nullable(v.string()),
  channel_id: v.nullable(ChannelId),
  seq: v.nullable(v.number()),
  data: v.record(v.string(), v.unknown()),
});
export type EventFrame = v.InferOutput<typeof EventFrame>;

/**
 * The token expires soon: send `refresh` before `expires_at` or the socket closes with
 * `token_expired`.
 *
 * @example
 * { "type": "token_expiring", "expires_at": "2026-11-23T10:00:00.000Z" }
 */
export const TokenExpiringFrame = v.object({
  type: v.literal('token_expiring'),
  expires_at: Timestamp,
});

/**
 * Every frame a server sends.
 *
 * @example
 * const frame = v.parse(ServerFrame, JSON.parse(event.data));
 */
export const ServerFrame = v.variant('type', [
  AckFrame,
  ErrorFrame,
  EventFrame,
  TokenExpiringFrame,
]);
export type ServerFrame = v.InferOutput<typeof ServerFrame>;

/** Payloads of the socket-only events. */
export const SOCKET_EVENT_PAYLOADS = {
  'typing.start': v.object({ channel_id: ChannelId, user_id: UserId }),
  'typing.stop': v.object({ channel_id: ChannelId, user_id: UserId }),
  'presence.changed': v.object({ user_id: UserId, online: v.boolean(), at: Timestamp }),
} as const;
