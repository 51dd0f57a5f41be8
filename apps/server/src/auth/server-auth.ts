import type { ServerCredentials } from '@cariosan/protocol';
import { err, ok, type Result } from '../lib/result';
import { Semaphore } from '../lib/semaphore';
import { fingerprint, verifySecret } from './credentials';
import { FailureLimiter } from './failure-limiter';
import type { KeyStore } from './key-store';

/** A backend authenticated with the workspace key pair. */
export interface ServerPrincipal {
  kind: 'server';
  workspaceId: string;
  apiKey: string;
}

/** Why a key pair was refused: `retryAfterMs` is set when the caller is being throttled. */
export interface AuthFailure {
  code: 'unauthorized' | 'rate_limited';
  message: string;
  retryAfterMs?: number;
}

export interface ServerAuthenticatorOptions {
  keyStore: KeyStore;
  /** How long a successful verification is trusted without argon2; invalidation comes first. */
  cacheTtlMs?: number;
  /** argon2 runs at most this many at once: each costs ~19 MiB and a core for tens of ms. */
  maxConcurrentVerifications?: number;
  failuresPerKey?: { max: number; windowMs: number };
  failuresPerAddress?: { max: number; windowMs: number };
  now?: () => number;
  /** The argon2id check; injectable so tests can count verifications. */
  verifySecret?: (secretHash: string, secret: string) => Promise<boolean>;
}

/**
 * Verifies `api_key:api_secret` pairs: argon2id on first sight, then a memory cache keyed by
 * a SHA-256 fingerprint of the pair (the cache holds no secret). A hit costs a hash and a map
 * lookup; the map lookup compares digests, so its timing reveals nothing about the secret.
 *
 * @example
 * const result = await authenticator.authenticate(credentials, clientAddress);
 */
export class ServerAuthenticator {
  readonly #keyStore: KeyStore;
  readonly #cacheTtlMs: number;
  readonly #now: () => number;
  readonly #argon: Semaphore;
  readonly #verifySecret: (secretHash: string, secret: string) => Promise<boolean>;
  readonly #verified = new Map<
    string,
    { principal: ServerPrincipal; generation: number; expiresAt: number }
  >();
  readonly #inflight = new Map<string, Promise<Result<ServerPrincipal, AuthFailure>>>();
  readonly #perKey: FailureLimiter;
  readonly #perAddress: FailureLimiter;

  constructor(options: ServerAuthenticatorOptions) {
    this.#keyStore = options.keyStore;
    this.#cacheTtlMs = options.cacheTtlMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#argon = new Semaphore(options.maxConcurrentVerifications ?? 2);
    this.#verifySecret = options.verifySecret ?? verifySecret;
    this.#perKey = new FailureLimiter(
      options.failuresPerKey ?? { max: 20, windowMs: 60_000 },
      this.#now,
    );
    this.#perAddress = new FailureLimiter(
      options.failuresPerAddress ?? { max: 10, windowMs: 60_000 },
      this.#now,
    );
  }

  async authenticate(
    credentials: ServerCredentials,
    clientAddress: string,
  ): Promise<Result<ServerPrincipal, AuthFailure>> {
    const id = fingerprint(`${credentials.apiKey}:${credentials.apiSecret}`);
    const hit = this.#verified.get(id);
    if (hit && hit.expiresAt > this.#now()) return ok(hit.principal);
    // Throttling applies only to pairs not already verified, so a legitimate backend keeps
    // working while someone hammers its key with wrong secrets.
    const wait = Math.max(
      this.#perAddress.retryAfterMs(clientAddress),
      this.#perKey.retryAfterMs(credentials.apiKey),
    );
    if (wait > 0) {
      return err({
        code: 'rate_limited',
        message: 'Too many failed authentication attempts',
        retryAfterMs: wait,
      });
    }
    let pending = this.#inflight.get(id);
    if (!pending) {
      pending = this.#verify(id, credentials).finally(() => this.#inflight.delete(id));
      this.#inflight.set(id, pending);
    }
    const result = await pending;
    if (!result.ok) {
      this.#perAddress.recordFailure(clientAddress);
      this.#perKey.recordFailure(credentials.apiKey);
    }
    return result;
  }

  async #verify(
    id: string,
    credentials: ServerCredentials,
  ): Promise<Result<ServerPrincipal, AuthFailure>> {
    const invalid = err<AuthFailure>({
      code: 'unauthorized',
      message: 'Invalid API key or secret',
    });
    const record = await this.#keyStore.get(credentials.apiKey);
    if (!record) return invalid;
    const matches = await this.#argon.run(() =>
      this.#verifySecret(record.secretHash, credentials.apiSecret),
    );
    if (!matches) return invalid;
    // A rotation that landed while argon2 ran must win: re-read (cheap, cached) and compare.
    const current = await this.#keyStore.get(credentials.apiKey);
    if (!current || current.generation !== record.generation) return invalid;
    const principal: ServerPrincipal = {
      kind: 'server',
      workspaceId: record.workspaceId,
      apiKey: record.apiKey,
    };
    this.#verified.set(id, {
      principal,
      generation: record.generation,
      expiresAt: this.#now() + this.#cacheTtlMs,
    });
    if (this.#verified.size > 10_000) this.#verified.delete(this.#verified.keys().next().value!);
    return ok(principal);
  }

  /** Drops cached verifications of a key or a whole workspace (rotation, deletion). */
  invalidate(filter: { apiKey?: string; workspaceId?: string }): void {
    for (const [id, entry] of this.#verified) {
      if (
        entry.principal.apiKey === filter.apiKey ||
        entry.principal.workspaceId === filter.workspaceId
      ) {
        this.#verified.delete(id);
      }
    }
  }

  clear(): void {
    this.#verified.clear();
  }
}
