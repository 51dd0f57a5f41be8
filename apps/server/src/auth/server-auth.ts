import type { ServerCredentials } from '@cariosan/protocol';
import { LruMap } from '../lib/lru-map';
import { err, ok, type Result } from '../lib/result';
import { dummySecretHash, fingerprint, verifySecret } from './credentials';
import type { KeyStore } from './key-store';
import { VerificationQueue } from './verification-queue';

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
  /** Verified pairs remembered (least recently used dropped first); none ever expires. */
  maxVerified?: number;
  /** Failed pairs remembered, so a repeat is refused at the cost of a SHA-256. */
  maxFailed?: number;
  failedTtlMs?: number;
  /** argon2 runs at most this many at once: each costs ~19 MiB and a core for a while. */
  maxConcurrentVerifications?: number;
  /** Verifications one address may have waiting for one key; more are answered 429 at once. */
  maxWaitingPerAddress?: number;
  /** Verifications of unknown keys (against a dummy hash) waiting over all addresses. */
  maxWaitingUnknown?: number;
  now?: () => number;
  /** The argon2id check; injectable so tests can count verifications. */
  verifySecret?: (secretHash: string, secret: string) => Promise<boolean>;
}

interface Verified {
  principal: ServerPrincipal;
  keyId: string;
  generation: number;
}

// No api_key is empty, so this lane is no key's own.
const UNKNOWN_KEYS_LANE = '';
const INVALID: AuthFailure = { code: 'unauthorized', message: 'Invalid API key or secret' };
const QUEUED_OUT: AuthFailure = {
  code: 'rate_limited',
  message: 'Too many authentication attempts in progress',
  retryAfterMs: 1_000,
};

/**
 * Verifies `api_key:api_secret` pairs, so that no one's failures refuse someone else's
 * correct secret:
 * - a pair that verified is remembered under a SHA-256 fingerprint (the cache holds no
 *   secret) until rotation, revocation or deletion; it never meets a limit again;
 * - a pair that failed is remembered too, and a repeat is a 401 at hash cost;
 * - every other pair costs one argon2id verification, through a fair queue with one lane per
 *   api_key and turns per address (see {@link VerificationQueue}): a flood waits in its own
 *   lane, and only its own address is turned away (429) when it has too many waiting;
 * - an unknown api_key is verified against a dummy hash in the same queue, so it answers as
 *   slowly as a known key with a wrong secret.
 *
 * @example
 * const result = await authenticator.authenticate(credentials, throttleSubject(address));
 */
export class ServerAuthenticator {
  readonly #keyStore: KeyStore;
  readonly #verifySecret: (secretHash: string, secret: string) => Promise<boolean>;
  readonly #verified: LruMap<string, Verified>;
  /** Failed pairs by fingerprint, with their api_key so a rotation can forget them. */
  readonly #failed: LruMap<string, { apiKey: string }>;
  /** Bumped by every invalidation: a verification that straddles one remembers no failure. */
  #epoch = 0;
  readonly #queue: VerificationQueue;
  readonly #maxWaitingUnknown: number;
  readonly #inflight = new Map<string, Promise<Result<ServerPrincipal, AuthFailure>>>();

  constructor(options: ServerAuthenticatorOptions) {
    this.#keyStore = options.keyStore;
    this.#verifySecret = options.verifySecret ?? verifySecret;
    this.#verified = new LruMap({ maxSize: options.maxVerified ?? 10_000 });
    this.#failed = new LruMap({
      maxSize: options.maxFailed ?? 20_000,
      ttlMs: options.failedTtlMs ?? 10 * 60_000,
      now: options.now,
    });
    this.#queue = new VerificationQueue({
      concurrency: options.maxConcurrentVerifications ?? 2,
      maxWaitingPerAddress: options.maxWaitingPerAddress ?? 4,
    });
    this.#maxWaitingUnknown = options.maxWaitingUnknown ?? 32;
  }

  /** `clientAddress` is what per-address turns count: see `throttleSubject`. */
  async authenticate(
    credentials: ServerCredentials,
    clientAddress: string,
  ): Promise<Result<ServerPrincipal, AuthFailure>> {
    const id = fingerprint(`${credentials.apiKey}:${credentials.apiSecret}`);
    const hit = this.#verified.get(id);
    if (hit) {
      // The key store is itself invalidated by control events and re-read at least every
      // minute, so a revocation that sent no event still ends this entry.
      const current = await this.#keyStore.get(credentials.apiKey);
      if (current?.keyId === hit.keyId && current.generation === hit.generation)
        return ok(hit.principal);
      this.#verified.delete(id);
    }
    if (this.#failed.get(id)) return err(INVALID);
    let pending = this.#inflight.get(id);
    if (!pending) {
      pending = this.#verify(id, credentials, clientAddress).finally(() =>
        this.#inflight.delete(id),
      );
      this.#inflight.set(id, pending);
    }
    return pending;
  }

  async #verify(
    id: string,
    credentials: ServerCredentials,
    clientAddress: string,
  ): Promise<Result<ServerPrincipal, AuthFailure>> {
    const epoch = this.#epoch;
    const record = await this.#keyStore.get(credentials.apiKey);
    const secretHash = record?.secretHash ?? (await dummySecretHash());
    const ran = await this.#queue.run(
      record
        ? { lane: record.apiKey, address: clientAddress }
        : {
            lane: UNKNOWN_KEYS_LANE,
            address: clientAddress,
            maxWaitingInLane: this.#maxWaitingUnknown,
          },
      () => this.#verifySecret(secretHash, credentials.apiSecret),
    );
    // Never verified, so not remembered as failed: it may be the right secret.
    if (!ran.ok) return err(QUEUED_OUT);
    if (!record || !ran.value) {
      // Checked against a hash that an invalidation may since have replaced: not a verdict.
      if (epoch === this.#epoch) this.#failed.set(id, { apiKey: credentials.apiKey });
      return err(INVALID);
    }
    // A rotation that landed while argon2 ran must win: re-read (cheap, cached) and compare.
    const current = await this.#keyStore.get(credentials.apiKey);
    if (current?.keyId !== record.keyId || current.generation !== record.generation)
      return err(INVALID);
    const principal: ServerPrincipal = {
      kind: 'server',
      workspaceId: record.workspaceId,
      apiKey: record.apiKey,
    };
    this.#verified.set(id, { principal, keyId: record.keyId, generation: record.generation });
    return ok(principal);
  }

  /** Drops cached verifications of a key or a whole workspace, and failures of the key (rotation, deletion). */
  invalidate(filter: { apiKey?: string; workspaceId?: string }): void {
    this.#epoch++;
    // A pair that failed against the old secret may be the new one.
    if (filter.apiKey) this.#failed.deleteWhere(({ apiKey }) => apiKey === filter.apiKey);
    this.#verified.deleteWhere(
      ({ principal }) =>
        principal.apiKey === filter.apiKey || principal.workspaceId === filter.workspaceId,
    );
  }

  /** Drops every cached verification and failure (the control channel reconnected: events may be lost). */
  clear(): void {
    this.#epoch++;
    this.#failed.clear();
    this.#verified.clear();
  }
}
