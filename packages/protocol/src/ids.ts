import * as v from 'valibot';

/** Crockford base32 ULID: 26 characters, time-ordered. */
const ULID = '[0-9A-HJKMNP-TV-Z]{26}';

/**
 * A workspace id: `ws_` + ULID.
 *
 * @example
 * v.is(WorkspaceId, 'ws_01J7KQR8B1N3XJ0Q5C4D6E8F9G'); // true
 */
export const WorkspaceId = v.pipe(
  v.string(),
  v.regex(new RegExp(`^ws_${ULID}$`), 'must be ws_ followed by a ULID'),
);
export type WorkspaceId = v.InferOutput<typeof WorkspaceId>;

/**
 * A user id chosen by the customer: 1–128 characters of `[A-Za-z0-9_.@-]`.
 *
 * @example
 * v.is(UserId, 'alice@example.com'); // true
 */
export const UserId = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(128, 'must be at most 128 characters'),
  v.regex(/^[A-Za-z0-9_.@-]+$/, 'may only contain A-Z a-z 0-9 _ . @ -'),
);
export type UserId = v.InferOutput<typeof UserId>;

/**
 * A channel id: chosen by the customer (same alphabet as user ids) or `ch_` + ULID.
 *
 * @example
 * v.is(ChannelId, 'general'); // true
 */
export const ChannelId = UserId;
export type ChannelId = v.InferOutput<typeof ChannelId>;

/**
 * A message id: `msg_` + ULID.
 *
 * @example
 * v.is(MessageId, 'msg_01J7KQR8B1N3XJ0Q5C4D6E8F9G'); // true
 */
export const MessageId = v.pipe(
  v.string(),
  v.regex(new RegExp(`^msg_${ULID}$`), 'must be msg_ followed by a ULID'),
);
export type MessageId = v.InferOutput<typeof MessageId>;

/** Prefixes of the ids Cariosan generates. */
export const ID_PREFIX = {
  workspace: 'ws_',
  apiKeyRecord: 'key_',
  channel: 'ch_',
  message: 'msg_',
  webhook: 'wh_',
  event: 'evt_',
  request: 'req_',
} as const;
