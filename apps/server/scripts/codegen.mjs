#!/usr/bin/env node
// Regenerates src/db/schema.gen.ts from the real schema: creates a throwaway database on a
// PostgreSQL server, applies the migrations, runs kysely-codegen against it, drops it.
//
//   node scripts/codegen.mjs            write src/db/schema.gen.ts
//   node scripts/codegen.mjs --verify   exit 1 when the committed file is stale
//
// Server: CODEGEN_DATABASE_URL, else DATABASE_URL, else postgres://127.0.0.1:5432/postgres
// (the user needs CREATEDB).
//
// The migrations are read from TypeScript source, not from dist: esbuild (which tsup ships
// with, so it is there after `pnpm install`) bundles src/db/migrations into a temp module.
// So this works from a clean checkout before `pnpm build`, and never sees a stale build.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

const serverRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const outFile = join(serverRoot, 'src/db/schema.gen.ts');
const verify = process.argv.includes('--verify');
const adminUrl = withUser(
  process.env.CODEGEN_DATABASE_URL ??
    process.env.DATABASE_URL ??
    'postgres://127.0.0.1:5432/postgres',
);

// pg (used here and by kysely-codegen) only reads $USER, which containers often leave unset;
// libpq and postgres.js fall back to the OS user, so do the same.
function withUser(href) {
  const url = new URL(href);
  if (!url.username) url.username = process.env.PGUSER ?? userInfo().username;
  return url.href;
}

async function loadMigrations() {
  const require = createRequire(join(serverRoot, 'package.json'));
  const esbuild = createRequire(require.resolve('tsup'))('esbuild');
  const result = await esbuild.build({
    stdin: {
      contents: [
        "export { createMigrationProvider } from './src/db/migrations/index.ts';",
        "export { Kysely, Migrator, PostgresDialect } from 'kysely';",
      ].join('\n'),
      resolveDir: serverRoot,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'error',
  });
  const dir = await mkdtemp(join(tmpdir(), 'cariosan-codegen-'));
  const file = join(dir, 'migrations.mjs');
  await writeFile(file, result.outputFiles[0].text);
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function admin(statement) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function migrate(databaseUrl) {
  const { Kysely, Migrator, PostgresDialect, createMigrationProvider } = await loadMigrations();
  const db = new Kysely({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) }),
  });
  try {
    const migrator = new Migrator({ db, provider: createMigrationProvider() });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  } finally {
    await db.destroy();
  }
}

const OVERRIDES = {
  'users.role': "Generated<'user' | 'admin'>",
  'channels.type': "'dm' | 'group' | 'public'",
  'channel_members.role': "Generated<'owner' | 'moderator' | 'member'>",
  'webhook_deliveries.status': "Generated<'pending' | 'delivered' | 'failed' | 'dead'>",
  // Identity columns are GENERATED ALWAYS: the database refuses explicit values.
  'outbox.id': 'ColumnType<number, never, never>',
  'audit_log.id': 'ColumnType<number, never, never>',
};

function codegen(databaseUrl) {
  const args = [
    '--dialect',
    'postgres',
    '--url',
    databaseUrl,
    '--out-file',
    outFile,
    '--exclude-pattern',
    'kysely_migration*',
    // Our drivers parse int8 into JS numbers (seq numbers, counts, identity ids).
    '--type-mapping',
    JSON.stringify({ int8: 'number' }),
    // Check constraints are invisible to codegen; spell their unions out here.
    '--overrides',
    JSON.stringify({ columns: OVERRIDES }),
    ...(verify ? ['--verify'] : []),
  ];
  const bin = join(serverRoot, 'node_modules/.bin/kysely-codegen');
  return spawnSync(bin, args, { stdio: 'inherit', cwd: serverRoot }).status ?? 1;
}

const database = `cariosan_codegen_${randomBytes(6).toString('hex')}`;
const url = new URL(adminUrl);
url.pathname = `/${database}`;
await admin(`create database ${database}`);
let status = 1;
try {
  await migrate(url.href);
  status = codegen(url.href);
} finally {
  await admin(`drop database if exists ${database} with (force)`);
}
if (status !== 0 && verify) {
  console.error('src/db/schema.gen.ts is stale: run `pnpm db:codegen` and commit the result.');
}
process.exit(status);
