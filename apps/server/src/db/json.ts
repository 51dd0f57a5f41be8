import { type RawBuilder, sql } from 'kysely';
import type { Json } from './schema.gen';

/**
 * A value for a jsonb column, written the same way on both drivers: JSON text cast to jsonb.
 *
 * @example
 * await trx.insertInto('users').values({ …, custom: json({ plan: 'pro' }) }).execute();
 */
export function json(value: unknown): RawBuilder<Json> {
  // The inner text cast fixes the parameter's type: told it is jsonb, postgres.js would
  // JSON-encode the already encoded text a second time.
  return sql<Json>`cast(cast(${JSON.stringify(value)} as text) as jsonb)`;
}
