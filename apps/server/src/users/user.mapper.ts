import type { User } from '@cariosan/protocol';
import type { Row } from '../db/database';
import { iso } from '../lib/time';

/**
 * A users row as the API's User.
 *
 * @example
 * c.json(toUser(row));
 */
export function toUser(row: Row<'users'>): User {
  return {
    id: row.id,
    name: row.name,
    image: row.image,
    custom: (row.custom ?? {}) as Record<string, unknown>,
    role: row.role,
    banned: row.banned,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}
