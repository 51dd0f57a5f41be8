// What the benches share: a throwaway storage (a fresh database on DATABASE_URL's server, or
// PGlite in a temp dir), a server with one workspace, cleanup on exit or Ctrl-C, and the
// percentile arithmetic. Benches import the built server (`pnpm build` first).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorkspace, loadConfig, startServer } from '../apps/server/dist/index.js';

// kysely and postgres are the server's dependencies, not the workspace root's.
export const requireFromServer = createRequire(
  new URL('../apps/server/package.json', import.meta.url),
);
const postgres = requireFromServer('postgres');

const cleanups = [];

/** Runs `fn` when the bench ends, most recent first. */
export function onCleanup(fn) {
  cleanups.push(fn);
}

/** Undoes everything registered with {@link onCleanup}; reports, and goes on past, failures. */
export async function cleanup() {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()();
    } catch (error) {
      console.error('cleanup failed:', error);
    }
  }
}

/** Cleans up on Ctrl-C, and stops the bench by itself after `minutes` even if something hangs. */
export function stopAfter(minutes) {
  process.once('SIGINT', () => cleanup().finally(() => process.exit(130)));
  setTimeout(() => {
    console.error(`bench timed out after ${minutes} minutes`);
    cleanup().finally(() => process.exit(1));
  }, minutes * 60_000).unref();
}

/**
 * Storage config: a fresh database on DATABASE_URL's server (dropped at the end), or PGlite in
 * a temp dir (removed at the end). `admin()` opens an owner connection to that database.
 */
export async function storage() {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dataDir = await mkdtemp(join(tmpdir(), 'cariosan-bench-'));
    onCleanup(() => rm(dataDir, { recursive: true, force: true }));
    return { env: { CARIOSAN_DATA_DIR: dataDir }, label: 'PGlite (embedded)', admin: undefined };
  }
  const name = `cariosan_bench_${randomBytes(6).toString('hex')}`;
  const connect = (url) => postgres(url, { max: 1, onnotice: () => undefined });
  const root = connect(serverUrl);
  try {
    await root`create database ${root(name)}`;
  } finally {
    await root.end();
  }
  onCleanup(async () => {
    const again = connect(serverUrl);
    try {
      await again`drop database if exists ${again(name)} with (force)`;
      // Roles are cluster-wide: drop the login role the server made for this database
      // (named by appLoginRole in apps/server/src/db/app-login.ts).
      await again`drop role if exists ${again(`cariosan_app_${name}`)}`;
    } finally {
      await again.end();
    }
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const env = {
    DATABASE_URL: url.href,
    // Required with DATABASE_URL; a throwaway one is fine for a throwaway database.
    CARIOSAN_MASTER_KEY: randomBytes(32).toString('base64'),
  };
  return { env, label: `PostgreSQL (database ${name})`, admin: () => connect(url.href) };
}

/**
 * Starts a server in this process on 127.0.0.1 with one workspace; `call` is an
 * authenticated JSON request that throws on any non-2xx answer.
 */
export async function startBenchServer(env, extra = {}) {
  const server = await startServer(
    loadConfig({ ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...extra }),
  );
  onCleanup(() => server.close(1000));
  const created = await createWorkspace(
    { db: server.deps.database.db, masterKey: server.deps.masterKey },
    { name: 'bench' },
    'bench',
  );
  if (!created.ok) throw new Error(created.error.message);
  const { workspace_id: workspaceId, api_key: apiKey, api_secret: apiSecret } = created.value;
  const authorization = `Bearer ${apiKey}:${apiSecret}`;
  const call = async (method, path, body) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = response.status === 204 ? undefined : await response.json();
    if (!response.ok)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  return { server, workspaceId, apiKey, apiSecret, authorization, call };
}

/** The value at fraction `p` of an ascending array. */
export const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/** p50 / p99 / max of unsorted samples. */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1),
    mean: samples.reduce((sum, value) => sum + value, 0) / samples.length,
  };
}

export const ms = (value) => `${value.toFixed(2)} ms`;
