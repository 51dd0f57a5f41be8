import type { Channel, ChannelMember } from '@cariosan/protocol';
import type { Row } from '../db/database';
import { iso, isoOrNull } from '../lib/time';

/**
 * A channels row as the API's Channel.
 *
 * @example
 * toChannel(row).last_seq;
 */
export function toChannel(row: Row<'channels'>): Channel {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    custom: (row.custom ?? {}) as Record<string, unknown>,
    created_by: row.created_by,
    last_seq: Number(row.last_seq),
    last_message_at: isoOrNull(row.last_message_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/**
 * A channel_members row as the API's ChannelMember.
 *
 * @example
 * members.map(toMember);
 */
export function toMember(row: Row<'channel_members'>): ChannelMember {
  return {
    user_id: row.user_id,
    role: row.role,
    last_read_seq: Number(row.last_read_seq),
    muted: row.muted,
    joined_at: iso(row.joined_at),
  };
}
