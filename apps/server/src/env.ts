import { resolve } from 'node:path';
import * as v from 'valibot';
import { type Cidr, parseCidrList } from './lib/cidr';
import { invalidInput } from './lib/errors';
import { parseAllowEntry } from './webhooks/allow-list';

const LogLevel = v.picklist(['debug', 'info', 'warn', 'error', 'silent']);
export type LogLevel = v.InferOutput<typeof LogLevel>;

const positiveInt = (name: string, fallback: number) =>
  v.pipe(
    v.optional(v.string(), String(fallback)),
    v.transform(Number),
    v.number(),
    v.integer(`${name} must be an integer`),
    v.minValue(0, `${name} must not be negative`),
  );

/** A finite number of `unit` (decimals allowed) from `min` to `max`. */
const amount = (name: string, unit: string, fallback: number, min: number, max = Infinity) =>
  v.pipe(
    v.optional(v.string(), String(fallback)),
    v.transform(Number),
    v.number(`${name} must be a number of ${unit}`),
    v.check((value: number) => Number.isFinite(value), `${name} must be a number of ${unit}`),
    v.minValue(min, `${name} must be at least ${min}`),
    v.maxValue(max, `${name} must be at most ${max}`),
  );

const EnvSchema = v.object({
  DATABASE_URL: v.optional(
    v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL')),
  ),
  CARIOSAN_APP_DATABASE_URL: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^postgres(ql)?:\/\//, 'CARIOSAN_APP_DATABASE_URL must be a postgres:// URL'),
    ),
  ),
  CARIOSAN_DATA_DIR: v.optional(v.string(), './.cariosan'),
  PORT: v.pipe(positiveInt('PORT', 8080), v.maxValue(65535, 'PORT must be at most 65535')),
  HOST: v.optional(v.string(), '0.0.0.0'),
  CARIOSAN_MASTER_KEY: v.optional(v.string()),
  // A cap on token lifetime, as in @cariosan/node; one minute at least.
  CARIOS_JWT_TTL_HOURS: amount('CARIOS_JWT_TTL_HOURS', 'hours', 24, 1 / 60),
  LOG_LEVEL: v.optional(LogLevel, 'info'),
  CARIOSAN_RATE_LIMIT: positiveInt('CARIOSAN_RATE_LIMIT', 0),
  // The correct admin key is always accepted (limits never lock it out), so its length is
  // what stands against guessing.
  CARIOSAN_ADMIN_KEY: v.optional(
    v.pipe(
      v.string(),
      v.minLength(
        32,
        'CARIOSAN_ADMIN_KEY must be at least 32 characters (generate one with `openssl rand -base64 32`)',
      ),
    ),
  ),
  CARIOSAN_WS_FRAME_RATE: positiveInt('CARIOSAN_WS_FRAME_RATE', 50),
  CARIOSAN_WS_USER_FRAME_RATE: positiveInt('CARIOSAN_WS_USER_FRAME_RATE', 100),
  CARIOSAN_WS_MAX_BUFFERED_BYTES: positiveInt('CARIOSAN_WS_MAX_BUFFERED_BYTES', 1024 * 1024),
  CARIOSAN_WS_MAX_SOCKETS_PER_USER: positiveInt('CARIOSAN_WS_MAX_SOCKETS_PER_USER', 20),
  CARIOSAN_WS_PING_INTERVAL_S: amount('CARIOSAN_WS_PING_INTERVAL_S', 'seconds', 25, 0.05, 3600),
  CARIOSAN_MAX_CONNECTIONS: positiveInt('CARIOSAN_MAX_CONNECTIONS', 20_000),
  CARIOSAN_HTTP_REQUEST_TIMEOUT_S: amount('CARIOSAN_HTTP_REQUEST_TIMEOUT_S', 'seconds', 30, 0.5),
  CARIOSAN_WEBHOOK_BLOCK_PRIVATE: v.optional(
    v.picklist(['true', 'false', '1', '0'], 'CARIOSAN_WEBHOOK_BLOCK_PRIVATE must be true or false'),
    'true',
  ),
  CARIOSAN_WEBHOOK_ALLOW_HOSTS: v.pipe(
    v.optional(v.string(), ''),
    v.transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
    v.check(
      (entries) => entries.every((entry) => parseAllowEntry(entry) !== undefined),
      'CARIOSAN_WEBHOOK_ALLOW_HOSTS must be comma-separated host names, addresses or CIDRs like hooks.internal,10.0.0.0/8',
    ),
  ),
  CARIOSAN_WEBHOOK_TIMEOUT_MS: v.pipe(
    positiveInt('CARIOSAN_WEBHOOK_TIMEOUT_MS', 10_000),
    v.minValue(100, 'CARIOSAN_WEBHOOK_TIMEOUT_MS must be at least 100'),
  ),
  CARIOSAN_WEBHOOK_RETRY_BASE_MS: v.pipe(
    positiveInt('CARIOSAN_WEBHOOK_RETRY_BASE_MS', 10_000),
    v.minValue(1, 'CARIOSAN_WEBHOOK_RETRY_BASE_MS must be at least 1'),
  ),
  CARIOSAN_WEBHOOK_ENDPOINT_CONCURRENCY: v.pipe(
    positiveInt('CARIOSAN_WEBHOOK_ENDPOINT_CONCURRENCY', 16),
    v.minValue(1, 'CARIOSAN_WEBHOOK_ENDPOINT_CONCURRENCY must be at least 1'),
  ),
  CARIOSAN_TRUSTED_PROXIES: v.pipe(
    v.optional(v.string(), ''),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const parsed = parseCidrList(dataset.value);
      if (parsed.ok) return parsed.cidrs;
      addIssue({
        message: `CARIOSAN_TRUSTED_PROXIES must be comma-separated IPs or CIDRs (${parsed.invalid} is neither)`,
      });
      return NEVER;
    }),
  ),
  CARIOSAN_CORS_ORIGINS: v.pipe(
    v.optional(v.string(), '*'),
    v.transform(parseOrigins),
    v.check(
      (origins) =>
        origins === '*' || origins.every((origin) => /^https?:\/\/[^/\s]+$/.test(origin)),
      'CARIOSAN_CORS_ORIGINS must be *, none, or comma-separated origins like https://app.example.com',
    ),
  ),
});

/** Everything the server reads from its environment, parsed and typed once at start. */
export interface Config {
  databaseUrl: string | undefined;
  /**
   * PostgreSQL: serve through this URL's role (the operator's own, unable to bypass RLS)
   * instead of the login role derived from the master key; DATABASE_URL still migrates.
   */
  appDatabaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  masterKey: string | undefined;
  jwtTtlHours: number;
  logLevel: LogLevel;
  /** Requests per second per workspace; 0 = unlimited. */
  rateLimit: number;
  adminKey: string | undefined;
  /** WebSocket frames per second per socket; 0 = unlimited. */
  wsFrameRate: number;
  /** WebSocket frames per second per user, over all its sockets on one node; 0 = unlimited. */
  wsUserFrameRate: number;
  /** Bytes a socket may have queued before it is closed as a slow consumer. */
  wsMaxBufferedBytes: number;
  /** Sockets one user may hold on a node; the oldest is closed past it (0 = unlimited). */
  wsMaxSocketsPerUser: number;
  /** Seconds between server pings; a socket silent for two intervals is terminated. */
  wsPingIntervalSeconds: number;
  /** TCP connections (HTTP and WebSocket) a node holds at once; beyond it new ones are dropped (0 = unlimited). */
  maxConnections: number;
  /** Seconds a client has to send a whole request (headers: at most 10 of them). */
  httpRequestTimeoutSeconds: number;
  /** Refuse webhook URLs that are or resolve to private/loopback addresses (on by default). */
  webhookBlockPrivate: boolean;
  /** Host names (`*.` for a domain's subdomains), addresses and CIDRs webhooks may reach even so. */
  webhookAllowHosts: string[];
  /** One webhook attempt, connect to last byte read. */
  webhookTimeoutMs: number;
  /**
   * First retry delay of a failed delivery; later ones double up to 360× it, for 8,640× it
   * (10 s → up to 1 h, for 24 h). Tests set a few milliseconds.
   */
  webhookRetryBaseMs: number;
  /** Channels of one webhook endpoint attempted at once on a node (its share of the slots). */
  webhookEndpointConcurrency: number;
  /**
   * Browser origins allowed to call `/v1` (CORS) and open `/v1/ws` (their `Origin` header):
   * `'*'` any, `[]` none (server-to-server only), or exact origins like `https://app.example.com`.
   */
  corsOrigins: '*' | string[];
  /**
   * Proxies (IPs or CIDRs) whose `X-Forwarded-For` names the client; none by default, so the
   * TCP peer is the client and nobody can claim another address.
   */
  trustedProxies: readonly Cidr[];
}

/**
 * Parses `process.env` (or any record) into a typed Config, with one message per bad variable.
 *
 * @example
 * const config = loadConfig(process.env); // throws ConfigError listing every problem
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = v.safeParse(EnvSchema, present);
  if (!result.success) {
    const lines = result.issues.map((issue) => invalidInput(issue).message);
    throw new ConfigError(`Invalid environment:\n  ${lines.join('\n  ')}`);
  }
  const out = result.output;
  if (out.CARIOSAN_APP_DATABASE_URL && !out.DATABASE_URL) {
    throw new ConfigError(
      'Invalid environment:\n  CARIOSAN_APP_DATABASE_URL: needs DATABASE_URL (the owner that runs migrations)',
    );
  }
  return {
    databaseUrl: out.DATABASE_URL,
    appDatabaseUrl: out.CARIOSAN_APP_DATABASE_URL,
    dataDir: resolve(out.CARIOSAN_DATA_DIR),
    port: out.PORT,
    host: out.HOST,
    masterKey: out.CARIOSAN_MASTER_KEY,
    jwtTtlHours: out.CARIOS_JWT_TTL_HOURS,
    logLevel: out.LOG_LEVEL,
    rateLimit: out.CARIOSAN_RATE_LIMIT,
    adminKey: out.CARIOSAN_ADMIN_KEY,
    wsFrameRate: out.CARIOSAN_WS_FRAME_RATE,
    wsUserFrameRate: out.CARIOSAN_WS_USER_FRAME_RATE,
    wsMaxBufferedBytes: out.CARIOSAN_WS_MAX_BUFFERED_BYTES,
    wsMaxSocketsPerUser: out.CARIOSAN_WS_MAX_SOCKETS_PER_USER,
    wsPingIntervalSeconds: out.CARIOSAN_WS_PING_INTERVAL_S,
    maxConnections: out.CARIOSAN_MAX_CONNECTIONS,
    httpRequestTimeoutSeconds: out.CARIOSAN_HTTP_REQUEST_TIMEOUT_S,
    webhookBlockPrivate: ['true', '1'].includes(out.CARIOSAN_WEBHOOK_BLOCK_PRIVATE),
    webhookAllowHosts: out.CARIOSAN_WEBHOOK_ALLOW_HOSTS,
    webhookTimeoutMs: out.CARIOSAN_WEBHOOK_TIMEOUT_MS,
    webhookRetryBaseMs: out.CARIOSAN_WEBHOOK_RETRY_BASE_MS,
    webhookEndpointConcurrency: out.CARIOSAN_WEBHOOK_ENDPOINT_CONCURRENCY,
    corsOrigins: out.CARIOSAN_CORS_ORIGINS,
    trustedProxies: out.CARIOSAN_TRUSTED_PROXIES,
  };
}

/** `*`, `none` (no origin) or a list, each origin trimmed, lower-cased, without a final `/`. */
function parseOrigins(value: string): '*' | string[] {
  const trimmed = value.trim();
  if (trimmed === '*') return '*';
  if (trimmed === 'none') return [];
  return trimmed.split(',').map((origin) => origin.trim().replace(/\/$/, '').toLowerCase());
}

/** A misconfigured environment: printed as is, without a stack, by the CLI. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
