import { type Kysely, sql, type Transaction } from 'kysely';
import * as v from 'valibot';
import type { DB } from '../db/database';
import { seal } from '../events/bus-seal';

/** The PostgreSQL NOTIFY channel every node listens on for credential and tenancy changes. */
export const CONTROL_CHANNEL = 'cariosan_control';

/**
 * A change every node must apply at once: drop cached verifications, close sockets.
 *
 * @example
 * { type: 'workspace.secret_rotated', workspace_id: 'ws_…', api_key: 'pk_live_…' }
 */
export const ControlEvent = v.variant('type', [
  v.object({
    type: v.literal('workspace.secret_rotated'),
    workspace_id: v.string(),
    api_key: v.string(),
  }),
  v.object({
    type: v.literal('workspace.deleted'),
    workspace_id: v.string(),
    api_keys: v.array(v.string()),
  }),
  v.object({
    type: v.literal('user.tokens_revoked'),
    workspace_id: v.string(),
    user_id: v.string(),
  }),
]);
export type ControlEvent = v.InferOutput<typeof ControlEvent>;

/**
 * Queues a control event inside the caller's transaction: PostgreSQL delivers NOTIFY only on
 * commit, so no node hears of a change that was rolled back, and none misses one that landed.
 *
 * @example
 * await withControl(db, async (trx) => { …; await emitControlEvent(trx, event); });
 */
export async function emitControlEvent(
  trx: Transaction<DB> | Kysely<DB>,
  event: ControlEvent,
): Promise<void> {
  await sql`select pg_notify(${CONTROL_CHANNEL}, ${seal(JSON.stringify(event))})`.execute(trx);
}

/**
 * Parses an unsealed NOTIFY payload; undefined for anything malformed (logged by the caller).
 *
 * @example
 * const event = parseControlEvent(payload);
 */
export function parseControlEvent(payload: string): ControlEvent | undefined {
  try {
    const result = v.safeParse(ControlEvent, JSON.parse(payload));
    return result.success ? result.output : undefined;
  } catch {
    return undefined;
  }
}
