import type { Insertable, Selectable, Updateable } from 'kysely';
import type { DB } from './schema.gen';

export type { DB } from './schema.gen';

/**
 * Name of any table of the schema.
 *
 * @example
 * const table: TableName = 'messages';
 */
export type TableName = keyof DB;

/**
 * A row as a select returns it.
 *
 * @example
 * const message: Row<'messages'> = await trx.selectFrom('messages').selectAll().executeTakeFirstOrThrow();
 */
export type Row<T extends TableName> = Selectable<DB[T]>;

/**
 * A row as an insert accepts it (generated and defaulted columns optional).
 *
 * @example
 * const user: NewRow<'users'> = { workspace_id: 'ws_…', id: 'alice' };
 */
export type NewRow<T extends TableName> = Insertable<DB[T]>;

/**
 * A partial row as an update accepts it.
 *
 * @example
 * const patch: RowUpdate<'channels'> = { name: 'General', updated_at: new Date() };
 */
export type RowUpdate<T extends TableName> = Updateable<DB[T]>;
