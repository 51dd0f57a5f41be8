import * as v from 'valibot';
import { Cursor, CustomData, LimitParam, page, Seq, Timestamp } from './common';
import { ChannelId, UserId } from './ids';
import { Message } from './messages';

/** `dm`: exactly two members, one channel per pair. `group`: members only. `public`: anyone may read and join. */
export const ChannelType = v.picklist(['dm', 'group', 'public']);
export type ChannelType = v.InferOutput<typeof ChannelType>;

/** A member's role: owners and moderators manage members; members read and post. */
export const MemberRole = v.picklist(['owner', 'moderator', 'member']);
export type MemberRole = v.InferOutput<typeof MemberRole>;

const ChannelName = v.pipe(v.string(), v.maxLength(200, 'must be at most 200 characters'));
const MemberIds = v.pipe(v.array(UserId), v.maxLength(500, 'must have at most 500 entries'));

/**
 * `POST /v1/channels`. A server caller acting as nobody must name the members; a user (or
 * `user_id`) becomes the owner and a member. A `dm` between the same two users is returned,
 * not created twice.
 *
 * @example
 * { "type": "group", "name": "Design", "members": ["alice", "bob"] }
 */
export const CreateChannelBody = v.strictObject({
  type: ChannelType,
  id: v.optional(ChannelId),
  name: v.optional(ChannelName),
  custom: v.optional(CustomData),
  members: v.optional(MemberIds, []),
  user_id: v.optional(UserId),
});
export type CreateChannelBody = v.InferOutput<typeof CreateChannelBody>;

/**
 * `PATCH /v1/channels/:id`.
 *
 * @example
 * { "name": "Design team" }
 */
export const UpdateChannelBody = v.strictObject({
  name: v.optional(v.nullable(ChannelName)),
  custom: v.optional(CustomData),
  user_id: v.optional(UserId),
});
export type UpdateChannelBody = v.InferOutput<typeof UpdateChannelBody>;

/**
 * `POST /v1/channels/:id/members`.
 *
 * @example
 * { "add": ["carol"], "remove": ["dave"] }
 */
export const UpdateMembersBody = v.strictObject({
  add: v.optional(MemberIds, []),
  remove: v.optional(MemberIds, []),
  user_id: v.optional(UserId),
});
export type UpdateMembersBody = v.InferOutput<typeof UpdateMembersBody>;

/** A channel member. */
export const ChannelMember = v.object({
  user_id: UserId,
  role: MemberRole,
  last_read_seq: Seq,
  muted: v.boolean(),
  joined_at: Timestamp,
});
export type ChannelMember = v.InferOutput<typeof ChannelMember>;

/**
 * A channel as the API returns it; `last_seq` is the seq of its newest message.
 *
 * @example
 * { "id": "ch_…", "type": "group", "name": "Design", "last_seq": 42, … }
 */
export const Channel = v.object({
  id: ChannelId,
  type: ChannelType,
  name: v.nullable(v.string()),
  custom: v.record(v.string(), v.unknown()),
  created_by: v.nullable(UserId),
  last_seq: Seq,
  last_message_at: v.nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Channel = v.InferOutput<typeof Channel>;

/** `GET /v1/channels/:id` and `POST /v1/channels` response: the channel with its members. */
export const ChannelWithMembers = v.object({ channel: Channel, members: v.array(ChannelMember) });
export type ChannelWithMembers = v.InferOutput<typeof ChannelWithMembers>;

/** One entry of the caller's channel list. */
export const ChannelListItem = v.object({
  channel: Channel,
  unread_count: v.pipe(v.number(), v.integer()),
  last_read_seq: Seq,
  last_message: v.nullable(Message),
});
export type ChannelListItem = v.InferOutput<typeof ChannelListItem>;

/** `GET /v1/channels` query: server callers pass `user_id` to list that user's channels. */
export const ListChannelsQuery = v.strictObject({
  limit: LimitParam,
  cursor: v.optional(Cursor),
  user_id: v.optional(UserId),
});
export type ListChannelsQuery = v.InferOutput<typeof ListChannelsQuery>;

/** `GET /v1/channels` response: newest activity first, with unread counts. */
export const ChannelList = v.object({
  ...page(ChannelListItem).entries,
  total_unread_count: v.pipe(v.number(), v.integer()),
});
export type ChannelList = v.InferOutput<typeof ChannelList>;

/** Query of routes where a server caller may act as a user (`GET`, `DELETE`). */
export const ActingUserQuery = v.strictObject({ user_id: v.optional(UserId) });
export type ActingUserQuery = v.InferOutput<typeof ActingUserQuery>;
