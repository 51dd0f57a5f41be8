import * as v from 'valibot';
import { jsonWithin, LimitParam, Seq, SeqParam, Timestamp } from './common';
import { ChannelId, MessageId, UserId } from './ids';

/** Largest message text, in UTF-8 bytes. */
export const MAX_MESSAGE_TEXT_BYTES = 8 * 1024;
/** Largest `attachments` array, serialized. */
export const MAX_ATTACHMENTS_BYTES = 16 * 1024;

const utf8Length = (value: string) => new TextEncoder().encode(value).length;

/** Message text: at most 8 KiB of UTF-8. */
export const MessageText = v.pipe(
  v.string(),
  v.check(
    (text) => utf8Length(text) <= MAX_MESSAGE_TEXT_BYTES,
    `must be at most ${MAX_MESSAGE_TEXT_BYTES} bytes`,
  ),
);

/** Attachments: up to 10 JSON objects (files, images, links), at most 16 KiB serialized. */
export const Attachments = v.pipe(
  v.array(v.record(v.string(), v.unknown())),
  v.maxLength(10, 'must have at most 10 entries'),
  jsonWithin<Record<string, unknown>[]>(MAX_ATTACHMENTS_BYTES),
);

/** A client-chosen idempotency key: a retry with the same one returns the first message. */
export const ClientId = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(64, 'must be at most 64 characters'),
  v.regex(/^[A-Za-z0-9_.:-]+$/, 'may only contain A-Z a-z 0-9 _ . : -'),
);

/**
 * `POST /v1/channels/:id/messages`. Server callers name the author in `user_id`.
 *
 * @example
 * { "text": "Hello", "client_id": "c-42" }
 */
export const SendMessageBody = v.pipe(
  v.strictObject({
    text: v.optional(MessageText, ''),
    attachments: v.optional(Attachments, []),
    client_id: v.optional(ClientId),
    parent_id: v.optional(MessageId),
    user_id: v.optional(UserId),
  }),
  v.forward(
    v.check(
      (body) => body.text.trim().length > 0 || body.attachments.length > 0,
      'a message needs text or attachments',
    ),
    ['text'],
  ),
);
export type SendMessageBody = v.InferOutput<typeof SendMessageBody>;

/**
 * `PATCH /v1/channels/:id/messages/:msgId` — only the author may edit.
 *
 * @example
 * { "text": "Hello, fixed" }
 */
export const UpdateMessageBody = v.strictObject({
  text: v.optional(MessageText),
  attachments: v.optional(Attachments),
  user_id: v.optional(UserId),
});
export type UpdateMessageBody = v.InferOutput<typeof UpdateMessageBody>;

/** A reaction type: a short name or an emoji. */
export const ReactionType = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(32, 'must be at most 32 characters'),
  v.regex(/^[^\s/?#]+$/u, 'must not contain spaces, /, ? or #'),
);

/**
 * `POST /v1/channels/:id/messages/:msgId/reactions` — one per user per type.
 *
 * @example
 * { "type": "like" }
 */
export const AddReactionBody = v.strictObject({ type: ReactionType, user_id: v.optional(UserId) });
export type AddReactionBody = v.InferOutput<typeof AddReactionBody>;

/**
 * A message as the API returns it. A deleted message keeps its id and seq; its text and
 * attachments are gone.
 *
 * @example
 * { "id": "msg_…", "channel_id": "general", "seq": 7, "user_id": "alice", "text": "Hi", … }
 */
export const Message = v.object({
  id: MessageId,
  channel_id: ChannelId,
  seq: Seq,
  user_id: UserId,
  text: v.string(),
  attachments: v.array(v.record(v.string(), v.unknown())),
  parent_id: v.nullable(MessageId),
  reply_count: v.pipe(v.number(), v.integer()),
  client_id: v.nullable(v.string()),
  reactions: v.record(v.string(), v.pipe(v.number(), v.integer())),
  created_at: Timestamp,
  edited_at: v.nullable(Timestamp),
  deleted_at: v.nullable(Timestamp),
});
export type Message = v.InferOutput<typeof Message>;

/**
 * `GET /v1/channels/:id/messages` query: `after` pages forward, `before` backward (the
 * default: the newest page). Results are always in ascending `seq`.
 *
 * @example
 * ?before=120&limit=50
 */
export const MessageHistoryQuery = v.strictObject({
  before: v.optional(SeqParam),
  after: v.optional(SeqParam),
  limit: LimitParam,
  user_id: v.optional(UserId),
});
export type MessageHistoryQuery = v.InferOutput<typeof MessageHistoryQuery>;

/** `GET /v1/channels/:id/messages` response. */
export const MessagePage = v.object({ messages: v.array(Message), has_more: v.boolean() });
export type MessagePage = v.InferOutput<typeof MessagePage>;

/**
 * `POST /v1/channels/:id/read` — moves the read position forward only.
 *
 * @example
 * { "seq": 42 }
 */
export const MarkReadBody = v.strictObject({ seq: Seq, user_id: v.optional(UserId) });
export type MarkReadBody = v.InferOutput<typeof MarkReadBody>;

/** `POST /v1/channels/:id/read` response. */
export const ReadState = v.object({
  channel_id: ChannelId,
  user_id: UserId,
  last_read_seq: Seq,
  unread_count: v.number(),
});
export type ReadState = v.InferOutput<typeof ReadState>;
