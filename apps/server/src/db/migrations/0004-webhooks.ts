import { type Kysely, type Migration, sql } from 'kysely';

/** The NOTIFY channel the fan-out trigger wakes the webhook workers on. */
export const WEBHOOKS_CHANNEL = 'cariosan_webhooks';

/**
 * Webhook delivery: a trigger on `outbox` creates one `webhook_deliveries` row per subscribed
 * endpoint in the same transaction as the chat change, then queues a NOTIFY that PostgreSQL
 * sends on commit. So a committed event always has its deliveries (no scan of the outbox, no
 * cursor that commit order could overtake) and a rolled-back one never has any. Disabled
 * endpoints get theirs too, parked at `next_attempt_at = 'infinity'` (out of the claim index's
 * range) until the endpoint is enabled again: disabling pauses delivery, it drops nothing.
 * The trigger runs as the app role under the writer's workspace scope, so RLS fences it.
 *
 * Deliveries gain what the worker and the delivery log need: the outbox row (order, payload),
 * the event type and channel, the claim of the node attempting it (`claimed_at`, with
 * `next_attempt_at` as the lease), the end of its retry window and the time it arrived.
 *
 * @example
 * const migration = createWebhooksMigration();
 * await migration.up(db);
 */
export function createWebhooksMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const statements = [
        sql`alter table webhook_deliveries
          add column outbox_id bigint,
          add column event_type text not null default '',
          add column channel_id text,
          add column claimed_at timestamptz,
          add column dead_after timestamptz,
          add column last_attempt_at timestamptz,
          add column delivered_at timestamptz`,
        sql`alter table webhook_deliveries alter column event_type drop default`,
        // Claims only look at work still to do; delivered rows pile up outside this index.
        sql`drop index webhook_deliveries_due_idx`,
        sql`create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at)
          where status in ('pending', 'failed')`,
        // The delivery log of one endpoint, newest first.
        sql`create index webhook_deliveries_log_idx
          on webhook_deliveries (workspace_id, webhook_id, id)`,
        // Crockford base32 ULIDs like the ids the application makes (48-bit ms time, 80
        // random bits), so delivery ids sort by creation as every other id does.
        sql`create function cariosan_ulid() returns text language plpgsql volatile as $$
          declare
            alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
            ms bigint := floor(extract(epoch from clock_timestamp()) * 1000);
            rnd bytea := uuid_send(gen_random_uuid());
            bits bigint;
            out text := '';
          begin
            for i in reverse 9..0 loop
              out := out || substr(alphabet, ((ms >> (i * 5)) & 31)::int + 1, 1);
            end loop;
            -- Bytes 6 and 8 of a v4 uuid carry its version and variant: use the others.
            foreach bits in array array[
              (get_byte(rnd, 0)::bigint << 32) | (get_byte(rnd, 1)::bigint << 24)
                | (get_byte(rnd, 2)::bigint << 16) | (get_byte(rnd, 3)::bigint << 8)
                | get_byte(rnd, 4)::bigint,
              (get_byte(rnd, 5)::bigint << 32) | (get_byte(rnd, 10)::bigint << 24)
                | (get_byte(rnd, 11)::bigint << 16) | (get_byte(rnd, 12)::bigint << 8)
                | get_byte(rnd, 13)::bigint
            ] loop
              for i in reverse 7..0 loop
                out := out || substr(alphabet, ((bits >> (i * 5)) & 31)::int + 1, 1);
              end loop;
            end loop;
            return out;
          end $$`,
        sql`create function cariosan_webhook_fanout() returns trigger language plpgsql as $$
          begin
            insert into webhook_deliveries (workspace_id, id, webhook_id, event_id, event_type,
              channel_id, outbox_id, next_attempt_at)
            select new.workspace_id, 'dlv_' || cariosan_ulid(), w.id, new.event_id, new.type,
              new.channel_id, new.id, case when w.enabled then now() else 'infinity' end
            from webhooks w
            where w.workspace_id = new.workspace_id and new.type = any (w.events)
            on conflict do nothing;
            if found and exists (select 1 from webhooks w where w.workspace_id = new.workspace_id
                and w.enabled and new.type = any (w.events)) then
              perform pg_notify(${sql.lit(WEBHOOKS_CHANNEL)}, '');
            end if;
            return null;
          end $$`,
        sql`create trigger outbox_webhook_fanout after insert on outbox
          for each row execute function cariosan_webhook_fanout()`,
      ];
      for (const statement of statements) await statement.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      const statements = [
        sql`drop trigger outbox_webhook_fanout on outbox`,
        sql`drop function cariosan_webhook_fanout()`,
        sql`drop function cariosan_ulid()`,
        sql`drop index webhook_deliveries_log_idx`,
        sql`drop index webhook_deliveries_due_idx`,
        sql`create index webhook_deliveries_due_idx on webhook_deliveries (status, next_attempt_at)`,
        sql`alter table webhook_deliveries
          drop column outbox_id, drop column event_type, drop column channel_id,
          drop column claimed_at, drop column dead_after, drop column last_attempt_at,
          drop column delivered_at`,
      ];
      for (const statement of statements) await statement.execute(db);
    },
  };
}
