import { sql, type Transaction } from 'kysely';
import type { DB, Row } from '../db/database';
import { scheduleWaitingDeliveries } from './webhook.repository';

type Trx = Transaction<DB>;

/** A delivery this node has claimed for one attempt, with what it needs to send it. */
export interface ClaimedDelivery {
  workspace_id: string;
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  channel_id: string | null;
  outbox_id: number | null;
  /** This attempt's number; results are recorded only while it is still the latest. */
  attempts: number;
  url: string;
}

const ms = (value: number) => sql`(${value}::float8 * interval '1 millisecond')`;

/** A due delivery locked for this transaction, before it is claimed. */
export interface DueDelivery {
  workspace_id: string;
  id: string;
  webhook_id: string;
  channel_id: string | null;
}

/**
 * Locks up to `limit` due deliveries of enabled endpoints across all workspaces (worker
 * scope), oldest due first. `skip locked` lets several nodes look side by side without
 * waiting on or taking each other's rows; the ones not claimed in this transaction are free
 * again when it ends.
 *
 * @example
 * const due = await lockDueDeliveries(trx, 256);
 */
export async function lockDueDeliveries(trx: Trx, limit: number): Promise<DueDelivery[]> {
  const { rows } = await sql<DueDelivery>`
    select d.workspace_id, d.id, d.webhook_id, d.channel_id
    from webhook_deliveries d
    join webhooks w on w.workspace_id = d.workspace_id and w.id = d.webhook_id
    where d.status in ('pending', 'failed') and d.next_attempt_at <= now() and w.enabled
    order by d.next_attempt_at, d.outbox_id
    limit ${limit}
    for update of d skip locked`.execute(trx);
  return rows;
}

/**
 * Claims deliveries locked by {@link lockDueDeliveries} for one attempt each. The claim is
 * committed at once (with `next_attempt_at` pushed out by `leaseMs` as a lease), so no row
 * lock is held during the HTTP call and a node that dies mid-attempt only delays its
 * deliveries until the lease runs out.
 *
 * @example
 * const claimed = await claimDeliveries(trx, picked, 15_000, 86_400_000);
 */
export async function claimDeliveries(
  trx: Trx,
  picked: Pick<DueDelivery, 'workspace_id' | 'id'>[],
  leaseMs: number,
  windowMs: number,
): Promise<ClaimedDelivery[]> {
  if (picked.length === 0) return [];
  const keys = picked.map((d) => sql`(${d.workspace_id}::text, ${d.id}::text)`);
  const { rows } = await sql<ClaimedDelivery>`
    update webhook_deliveries d set
      attempts = d.attempts + 1,
      claimed_at = now(),
      last_attempt_at = now(),
      next_attempt_at = now() + ${ms(leaseMs)},
      dead_after = coalesce(d.dead_after, now() + ${ms(windowMs)}),
      last_error = case when d.claimed_at is null then d.last_error
        else 'the previous attempt was interrupted before its answer was recorded' end,
      updated_at = now()
    from (values ${sql.join(keys)}) as p (workspace_id, id), webhooks w
    where d.workspace_id = p.workspace_id and d.id = p.id
      and w.workspace_id = d.workspace_id and w.id = d.webhook_id
    returning d.workspace_id, d.id, d.webhook_id, d.event_id, d.event_type, d.channel_id,
      d.outbox_id, d.attempts, w.url`.execute(trx);
  return rows;
}

/**
 * The outbox rows of claimed deliveries: the event each one carries.
 *
 * @example
 * const events = await loadOutboxRows(trx, claimed.map((d) => d.outbox_id!));
 */
export function loadOutboxRows(trx: Trx, ids: number[]): Promise<Row<'outbox'>[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return trx.selectFrom('outbox').selectAll().where('id', 'in', ids).execute();
}

/** What identifies one attempt: a result for an older attempt is ignored. */
export type AttemptRef = Pick<ClaimedDelivery, 'workspace_id' | 'id' | 'webhook_id' | 'attempts'>;

/**
 * Marks many attempts delivered at once (one statement, one commit for a whole batch) and
 * ends their endpoints' runs of failures.
 *
 * @example
 * await recordDeliveredBatch(trx, [{ attempt, responseCode: 204 }]);
 */
export async function recordDeliveredBatch(
  trx: Trx,
  results: Array<{ attempt: AttemptRef; responseCode: number }>,
): Promise<void> {
  if (results.length === 0) return;
  const rows = results.map(
    ({ attempt, responseCode }) =>
      sql`(${attempt.workspace_id}::text, ${attempt.id}::text, ${attempt.attempts}::int, ${responseCode}::int)`,
  );
  await sql`update webhook_deliveries d set status = 'delivered', response_code = r.code,
      last_error = null, claimed_at = null, delivered_at = now(), updated_at = now()
    from (values ${sql.join(rows)}) as r (workspace_id, id, attempts, code)
    where d.workspace_id = r.workspace_id and d.id = r.id and d.attempts = r.attempts
      and d.claimed_at is not null`.execute(trx);
  const webhooks = new Map(
    results.map(({ attempt }) => [
      `${attempt.workspace_id}/${attempt.webhook_id}`,
      sql`(${attempt.workspace_id}::text, ${attempt.webhook_id}::text)`,
    ]),
  );
  await sql`update webhooks set consecutive_failures = 0
    where (workspace_id, id) in (${sql.join([...webhooks.values()])})
      and consecutive_failures > 0`.execute(trx);
}

/**
 * Records a failed attempt: retried after `retryInMs`, or dead when that would pass the end
 * of its retry window. Returns the new status and the endpoint's run of failures (undefined
 * when the attempt was no longer the latest, e.g. its lease had run out).
 *
 * @example
 * const result = await recordFailed(trx, delivery, { error: 'HTTP 503', responseCode: 503, retryInMs: 20_000 });
 */
export async function recordFailed(
  trx: Trx,
  attempt: AttemptRef,
  failure: { error: string; responseCode: number | null; retryInMs: number },
): Promise<{ status: 'failed' | 'dead'; consecutiveFailures: number } | undefined> {
  const row = await trx
    .updateTable('webhook_deliveries')
    .set({
      status: sql`case when now() + ${ms(failure.retryInMs)} > dead_after then 'dead'
        else 'failed' end`,
      next_attempt_at: sql`now() + ${ms(failure.retryInMs)}`,
      response_code: failure.responseCode,
      last_error: failure.error,
      claimed_at: null,
      updated_at: sql`now()`,
    })
    .where('workspace_id', '=', attempt.workspace_id)
    .where('id', '=', attempt.id)
    .where('attempts', '=', attempt.attempts)
    .where('claimed_at', 'is not', null)
    .returning('status')
    .executeTakeFirst();
  if (!row) return undefined;
  const webhook = await trx
    .updateTable('webhooks')
    .set({ consecutive_failures: sql`consecutive_failures + 1` })
    .where('workspace_id', '=', attempt.workspace_id)
    .where('id', '=', attempt.webhook_id)
    .returning('consecutive_failures')
    .executeTakeFirst();
  return {
    status: row.status as 'failed' | 'dead',
    consecutiveFailures: webhook?.consecutive_failures ?? 0,
  };
}

/**
 * Turns an endpoint off after a run of failures, saying why. Its deliveries (and those of
 * events to come) wait until it is enabled again.
 *
 * @example
 * await disableWebhook(trx, workspaceId, webhookId, 'disabled after 10 failed attempts in a row');
 */
export async function disableWebhook(
  trx: Trx,
  workspaceId: string,
  webhookId: string,
  reason: string,
): Promise<boolean> {
  const result = await trx
    .updateTable('webhooks')
    .set({ enabled: false, disabled_reason: reason, updated_at: sql`now()` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', webhookId)
    .where('enabled', '=', true)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return false;
  await scheduleWaitingDeliveries(trx, workspaceId, webhookId, 'park');
  return true;
}

/**
 * Ends a delivery that cannot be sent at all (its event or workspace key is gone).
 *
 * @example
 * await recordUndeliverable(trx, delivery, 'the event is no longer in the outbox');
 */
export async function recordUndeliverable(
  trx: Trx,
  attempt: AttemptRef,
  error: string,
): Promise<void> {
  await trx
    .updateTable('webhook_deliveries')
    .set({
      status: 'dead',
      // Nothing was sent: the claim does not count as an attempt.
      attempts: sql`attempts - 1`,
      last_error: error,
      claimed_at: null,
      updated_at: sql`now()`,
    })
    .where('workspace_id', '=', attempt.workspace_id)
    .where('id', '=', attempt.id)
    .where('attempts', '=', attempt.attempts)
    .execute();
}

/**
 * Gives claimed attempts back (the node is stopping): due again at once, for any node, and
 * the attempt that never got an answer does not count.
 *
 * @example
 * await releaseClaims(trx, unfinished);
 */
export async function releaseClaims(trx: Trx, attempts: AttemptRef[]): Promise<void> {
  for (const attempt of attempts) {
    await trx
      .updateTable('webhook_deliveries')
      .set({
        attempts: sql`attempts - 1`,
        claimed_at: null,
        next_attempt_at: sql`now()`,
        updated_at: sql`now()`,
      })
      .where('workspace_id', '=', attempt.workspace_id)
      .where('id', '=', attempt.id)
      .where('attempts', '=', attempt.attempts)
      .where('claimed_at', 'is not', null)
      .execute();
  }
}

/**
 * Makes every claimed delivery due now. Only for a node that knows it is alone on its
 * database (embedded PGlite, whose data dir is locked): claims left by a killed process are
 * then retried at once instead of after their lease.
 *
 * @example
 * await withWorker(db, (trx) => expireAllClaims(trx));
 */
export async function expireAllClaims(trx: Trx): Promise<number> {
  const result = await trx
    .updateTable('webhook_deliveries')
    .set({ next_attempt_at: sql`now()` })
    .where('claimed_at', 'is not', null)
    .where('status', 'in', ['pending', 'failed'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
