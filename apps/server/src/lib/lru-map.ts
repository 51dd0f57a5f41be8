export interface LruMapOptions {
  /** Entries kept; setting one more drops the least recently used. */
  maxSize: number;
  /** How long an entry lives after it was set; by default until it is evicted or deleted. */
  ttlMs?: number;
  now?: () => number;
}

/**
 * A Map bounded by size, evicting the least recently used entry, with an optional lifetime.
 *
 * @example
 * const failed = new LruMap<string, true>({ maxSize: 10_000, ttlMs: 600_000 });
 * failed.set(fingerprint, true);
 * failed.get(fingerprint); // true, and now the most recently used
 */
export class LruMap<K, V> {
  readonly #maxSize: number;
  readonly #ttlMs: number;
  readonly #now: () => number;
  // A Map iterates in insertion order; re-inserting on every read keeps the oldest first.
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(options: LruMapOptions) {
    this.#maxSize = options.maxSize;
    this.#ttlMs = options.ttlMs ?? Number.POSITIVE_INFINITY;
    this.#now = options.now ?? Date.now;
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#now()) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs });
    while (this.#entries.size > this.#maxSize)
      this.#entries.delete(this.#entries.keys().next().value as K);
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  /** Drops every entry whose value matches. */
  deleteWhere(matches: (value: V) => boolean): void {
    for (const [key, entry] of this.#entries) if (matches(entry.value)) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Entries held, counting expired ones not yet read. */
  get size(): number {
    return this.#entries.size;
  }
}
