import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/database';
import { withControl } from '../db/scope';
import { findActiveKey } from '../workspaces/workspace.repository';

/** The verification material of one api_key: never the secret itself. */
export interface KeyRecord {
  keyId: string;
  workspaceId: string;
  apiKey: string;
  generation: number;
  secretHash: string;
  tokenPublicKey: KeyObject;
}

export interface KeyStoreOptions {
  /** Upper bound on staleness if a NOTIFY is ever missed; invalidation normally comes first. */
  ttlMs?: number;
  now?: () => number;
}

/**
 * Looks up key records by api_key with an in-memory cache that control events invalidate.
 *
 * @example
 * const record = await keyStore.get('pk_live_…');
 */
export class KeyStore {
  readonly #db: Kysely<DB>;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { record: KeyRecord | undefined; expiresAt: number }>();
  /** Bumped on every invalidation so a lookup racing a rotation never caches the old row. */
  #epoch = 0;

  constructor(db: Kysely<DB>, options: KeyStoreOptions = {}) {
    this.#db = db;
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  async get(apiKey: string): Promise<KeyRecord | undefined> {
    const cached = this.#cache.get(apiKey);
    if (cached && cached.expiresAt > this.#now()) return cached.record;
    const epoch = this.#epoch;
    const row = await withControl(this.#db, (trx) => findActiveKey(trx, apiKey));
    const record: KeyRecord | undefined = row && {
      keyId: row.id,
      workspaceId: row.workspace_id,
      apiKey: row.api_key,
      generation: row.generation,
      secretHash: row.secret_hash,
      tokenPublicKey: createPublicKey({
        key: {
          kty: 'OKP',
          crv: 'Ed25519',
          x: Buffer.from(row.token_public_key).toString('base64url'),
        },
        format: 'jwk',
      }),
    };
    // Unknown keys are cached briefly too, so guessing keys costs the database nothing.
    const ttl = record ? this.#ttlMs : Math.min(this.#ttlMs, 5_000);
    if (epoch === this.#epoch) this.#cache.set(apiKey, { record, expiresAt: this.#now() + ttl });
    if (this.#cache.size > 10_000) this.#cache.delete(this.#cache.keys().next().value!);
    return record;
  }

  /** Forgets one key (after a rotation) or every key of a workspace (after a deletion). */
  invalidate(filter: { apiKey?: string; workspaceId?: string }): void {
    this.#epoch++;
    for (const [apiKey, entry] of this.#cache) {
      if (
        apiKey === filter.apiKey ||
        (filter.workspaceId && entry.record?.workspaceId === filter.workspaceId)
      ) {
        this.#cache.delete(apiKey);
      }
    }
  }

  clear(): void {
    this.#epoch++;
    this.#cache.clear();
  }
}
