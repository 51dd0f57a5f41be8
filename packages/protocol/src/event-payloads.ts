import * as v from 'valibot';
import { Channel, ChannelMember } from './channels';
import { Seq, Timestamp } from './common';
import { ChannelId, MessageId, UserId } from './ids';
import { Message } from './messages';
import { User } from './users';

const Reaction = v.object({ message_id: MessageId, user_id: UserId, type: v.string() });

/**
 * The `data` of each persisted event: one schema per name of SPEC §3, shared by the outbox,
 * the socket and webhooks.
 *
 * @example
 * v.parse(EVENT_PAYLOADS['message.new'], event.data).message.text;
 */
export const EVENT_PAYLOADS = {
  'message.new': v.object({ message: Message }),
  'message.updated': v.object({ message: Message }),
  'message.deleted': v.object({ message: Message }),
  'reaction.new': v.object({ reaction: Reaction, message: Message }),
  'reaction.deleted': v.object({ reaction: Reaction, message: Message }),
  'channel.created': v.object({ channel: Channel, members: v.array(ChannelMember) }),
  'channel.updated': v.object({ channel: Channel }),
  'channel.deleted': v.object({ channel: Channel }),
  'member.added': v.object({ channel_id: ChannelId, member: ChannelMember }),
  'member.removed': v.object({ channel_id: ChannelId, user_id: UserId }),
  'read.updated': v.object({ channel_id: ChannelId, user_id: UserId, last_read_seq: Seq }),
  'user.updated': v.object({ user: User }),
} as const;

/** Names of the events that are persisted (outbox, webhooks). */
export type PersistedEventType = keyof typeof EVENT_PAYLOADS;

/** The `data` type of one persisted event. */
export type EventPayload<T extends PersistedEventType> = v.InferOutput<(typeof EVENT_PAYLOADS)[T]>;

/**
 * A persisted event as delivered: unique `id` (receivers drop duplicates by it), `seq` for
 * message events (the channel order), and its payload.
 *
 * @example
 * { "id": "evt_…", "type": "message.new", "channel_id": "general", "seq": 7, "data": { … } }
 */
export const EventEnvelope = v.object({
  id: v.string(),
  type: v.picklist(Object.keys(EVENT_PAYLOADS) as [PersistedEventType, ...PersistedEventType[]]),
  channel_id: v.nullable(ChannelId),
  seq: v.nullable(Seq),
  created_at: Timestamp,
  data: v.record(v.string(), v.unknown()),
});
export type EventEnvelope = v.InferOutput<typeof EventEnvelope>;
