import type { Message } from '@cariosan/protocol';
import type { Row } from '../db/database';
import { iso, isoOrNull } from '../lib/time';

/**
 * A messages row (plus its reaction counts) as the API's Message. A deleted message shows no
 * text or attachments, whatever the row still holds.
 *
 * @example
 * toMessage(row, { like: 2 });
 */
export function toMessage(row: Row<'messages'>, reactions: Record<string, number> = {}): Message {
  const deleted = row.deleted_at != null;
  return {
    id: row.id,
    channel_id: row.channel_id,
    seq: Number(row.seq),
    user_id: row.user_id,
    text: deleted ? '' : row.text,
    attachments: deleted ? [] : ((row.attachments ?? []) as Array<Record<string, unknown>>),
    parent_id: row.parent_id,
    reply_count: row.reply_count,
    client_id: row.client_id,
    reactions: deleted ? {} : reactions,
    created_at: iso(row.created_at),
    edited_at: isoOrNull(row.edited_at),
    deleted_at: isoOrNull(row.deleted_at),
  };
}
