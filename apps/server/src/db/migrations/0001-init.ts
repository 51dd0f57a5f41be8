import { type Kysely, type Migration, type RawBuilder, sql } from 'kysely';

const TENANT_TABLES = [
  'users',
  'channels',
  'channel_members',
  'messages',
  'reactions',
  'webhooks',
  'outbox',
  'webhook_deliveries',
] as const;

const WORKSPACE = sql`current_setting('cariosan.workspace_id', true)`;
const CONTROL = sql`current_setting('cariosan.control', true) = 'on'`;

const TABLES: RawBuilder<unknown>[] = [
  sql`create table workspaces (
    id text primary key,
    name text not null,
    external_id text unique,
    is_test boolean not null default false,
    rate_limit integer check (rate_limit > 0),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`,
  sql`create table api_keys (
    id text primary key,
    workspace_id text not null references workspaces (id) on delete cascade,
    name text not null default 'default',
    api_key text not null unique,
    secret_hash text not null,
    token_public_key bytea not null check (octet_length(token_public_key) = 32),
    webhook_key_enc bytea not null,
    generation integer not null default 1,
    created_at timestamptz not null default now(),
    rotated_at timestamptz,
    revoked_at timestamptz
  )`,
  sql`create index api_keys_workspace_idx on api_keys (workspace_id)`,
  sql`create table users (
    workspace_id text not null references workspaces (id) on delete cascade,
    id text not null check (id ~ '^[A-Za-z0-9_.@-]{1,128}$'),
    name text,
    image text,
    custom jsonb not null default '{}',
    role text not null default 'user' check (role in ('user', 'admin')),
    banned boolean not null default false,
    tokens_valid_after timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    deleted_at timestamptz,
    primary key (workspace_id, id)
  )`,
  sql`create table channels (
    workspace_id text not null references workspaces (id) on delete cascade,
    id text not null,
    type text not null check (type in ('dm', 'group', 'public')),
    name text,
    custom jsonb not null default '{}',
    dm_key text,
    created_by text,
    last_seq bigint not null default 0,
    last_message_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (workspace_id, id)
  )`,
  sql`create unique index channels_dm_key_idx on channels (workspace_id, dm_key)
    where dm_key is not null`,
  sql`create table channel_members (
    workspace_id text not null,
    channel_id text not null,
    user_id text not null,
    role text not null default 'member' check (role in ('owner', 'moderator', 'member')),
    last_read_seq bigint not null default 0,
    muted boolean not null default false,
    banned boolean not null default false,
    joined_at timestamptz not null default now(),
    primary key (workspace_id, channel_id, user_id),
    foreign key (workspace_id, channel_id) references channels on delete cascade,
    foreign key (workspace_id, user_id) references users on delete cascade
  )`,
  sql`create index channel_members_user_idx on channel_members (workspace_id, user_id)`,
  // Authors and parents are not cascaded: users and messages are soft-deleted, and a hard
  // delete that would leave holes in a channel's seq history should fail loudly. Deferred,
  // because deleting a workspace removes users and messages in one cascade, in no set order.
  sql`create table messages (
    workspace_id text not null,
    id text not null,
    channel_id text not null,
    seq bigint not null,
    user_id text not null,
    text text not null,
    attachments jsonb not null default '[]',
    parent_id text,
    reply_count integer not null default 0,
    client_id text,
    created_at timestamptz not null default now(),
    edited_at timestamptz,
    deleted_at timestamptz,
    primary key (workspace_id, id),
    unique (workspace_id, channel_id, seq),
    unique (workspace_id, channel_id, user_id, client_id),
    foreign key (workspace_id, channel_id) references channels on delete cascade,
    foreign key (workspace_id, user_id) references users deferrable initially deferred,
    foreign key (workspace_id, parent_id) references messages deferrable initially deferred
  )`,
  sql`create index messages_parent_idx on messages (workspace_id, parent_id)
    where parent_id is not null`,
  sql`create table reactions (
    workspace_id text not null,
    message_id text not null,
    user_id text not null,
    type text not null,
    created_at timestamptz not null default now(),
    primary key (workspace_id, message_id, user_id, type),
    foreign key (workspace_id, message_id) references messages on delete cascade,
    foreign key (workspace_id, user_id) references users on delete cascade
  )`,
  sql`create table webhooks (
    workspace_id text not null references workspaces (id) on delete cascade,
    id text not null,
    url text not null,
    events text[] not null default '{}',
    enabled boolean not null default true,
    disabled_reason text,
    consecutive_failures integer not null default 0,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (workspace_id, id)
  )`,
  sql`create table outbox (
    id bigint generated always as identity primary key,
    workspace_id text not null references workspaces (id) on delete cascade,
    event_id text not null unique,
    type text not null,
    channel_id text,
    seq bigint,
    payload jsonb not null,
    created_at timestamptz not null default now()
  )`,
  sql`create index outbox_workspace_idx on outbox (workspace_id, id)`,
  sql`create table webhook_deliveries (
    workspace_id text not null,
    id text not null,
    webhook_id text not null,
    event_id text not null,
    status text not null default 'pending'
      check (status in ('pending', 'delivered', 'failed', 'dead')),
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_error text,
    response_code integer,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (workspace_id, id),
    unique (workspace_id, webhook_id, event_id),
    foreign key (workspace_id, webhook_id) references webhooks on delete cascade
  )`,
  sql`create index webhook_deliveries_due_idx on webhook_deliveries (status, next_attempt_at)`,
  // No foreign key: the audit trail must outlive a deleted workspace.
  sql`create table audit_log (
    id bigint generated always as identity primary key,
    workspace_id text,
    actor text not null,
    action text not null,
    target text,
    meta jsonb not null default '{}',
    created_at timestamptz not null default now()
  )`,
  sql`create index audit_log_workspace_idx on audit_log (workspace_id, id)`,
];

function policies(): RawBuilder<unknown>[] {
  const statements: RawBuilder<unknown>[] = [];
  const control: [string, string][] = [
    ['workspaces', 'id'],
    ['api_keys', 'workspace_id'],
    ['audit_log', 'workspace_id'],
  ];
  for (const table of [...control.map(([name]) => name), ...TENANT_TABLES]) {
    statements.push(sql`alter table ${sql.table(table)} enable row level security`);
    // FORCE makes RLS apply to the owner too, so a leaked owner pool is still fenced.
    statements.push(sql`alter table ${sql.table(table)} force row level security`);
  }
  for (const table of TENANT_TABLES) {
    statements.push(sql`create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = ${WORKSPACE}) with check (workspace_id = ${WORKSPACE})`);
  }
  for (const [table, column] of control) {
    const rule = sql`${CONTROL} or ${sql.ref(column)} = ${WORKSPACE}`;
    statements.push(sql`create policy control_access on ${sql.table(table)}
      using (${rule}) with check (${rule})`);
  }
  return statements;
}

function roleAndGrants(appRole: string): RawBuilder<unknown>[] {
  const role = sql.id(appRole);
  const name = sql.lit(appRole);
  const writable = ['workspaces', 'api_keys', ...TENANT_TABLES].map((t) => sql.table(t));
  return [
    // Roles are cluster-wide and parallel test processes migrate sibling databases at
    // once: the loser of the race sees duplicate_object or, mid-commit, unique_violation.
    sql`do $$ begin
      if not exists (select 1 from pg_roles where rolname = ${name}) then
        execute format('create role %I nologin nosuperuser nobypassrls noinherit', ${name});
      end if;
    exception when duplicate_object or unique_violation then null;
    end $$`,
    // Membership lets a non-superuser owner connect with `role=` / SET ROLE to it.
    sql`do $$ begin
      execute format('grant %I to %I', ${name}, current_user);
    exception when duplicate_object or unique_violation then null;
    end $$`,
    sql`grant usage on schema public to ${role}`,
    sql`grant select, insert, update, delete on ${sql.join(writable)} to ${role}`,
    // The audit trail is append-only for the application.
    sql`grant select, insert on audit_log to ${role}`,
    sql`grant usage, select on all sequences in schema public to ${role}`,
    // Read-only, so /readyz can tell whether a migration is pending.
    sql`grant select on kysely_migration, kysely_migration_lock to ${role}`,
  ];
}

/**
 * The whole data model of SPEC §3: tables, row-level security and the app role's grants.
 *
 * @example
 * const migration = createInitMigration('cariosan_app');
 * await migration.up(db);
 */
export function createInitMigration(appRole: string): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const statement of [...TABLES, ...policies(), ...roleAndGrants(appRole)]) {
        await statement.execute(db);
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      // The role stays: it is shared by every database of the cluster.
      await sql`revoke all on kysely_migration, kysely_migration_lock from ${sql.id(appRole)}`.execute(
        db,
      );
      await sql`drop table audit_log, webhook_deliveries, outbox, webhooks, reactions, messages,
        channel_members, channels, users, api_keys, workspaces`.execute(db);
    },
  };
}
