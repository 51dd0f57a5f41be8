import { PATH_PARAMS } from '@cariosan/protocol';
import type { Context } from 'hono';
import { parseInput } from './validate';

/**
 * A validated path parameter (`user_id`, `channel_id`, `message_id`, `type`); a malformed one
 * is a 400 naming it.
 *
 * @example
 * const channelId = pathParam(c, 'channel_id');
 */
export function pathParam(c: Context, name: keyof typeof PATH_PARAMS): string {
  const raw = c.req.param(name) ?? '';
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // keep raw: the schema rejects it with a field name
  }
  return parseInput(PATH_PARAMS[name], decoded, name) as string;
}
