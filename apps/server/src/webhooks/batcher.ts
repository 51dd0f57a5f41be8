/**
 * Options of {@link createBatcher}.
 *
 * @example
 * const options: BatcherOptions = { maxBatch: 500, lingerMs: 2 };
 */
export interface BatcherOptions {
  /** Most items written by one flush. */
  maxBatch?: number;
  /**
   * How long the first item of a batch waits for company. Embedded PGlite runs queries on
   * the event loop's thread, so nothing new arrives while it flushes: without a short wait
   * every batch would hold one item.
   */
  lingerMs?: number;
}

/**
 * Writes items in batches: whatever arrives while a flush runs (or within `lingerMs` of the
 * first item) goes out together in the next one, turning a commit per item into a commit per
 * batch under load.
 *
 * @example
 * const record = createBatcher((items) => withWorker(db, (trx) => saveAll(trx, items)));
 * await record(result); // resolves once the batch holding it is written
 */
export function createBatcher<T>(
  flush: (items: T[]) => Promise<void>,
  options: BatcherOptions = {},
): (item: T) => Promise<void> {
  const maxBatch = options.maxBatch ?? 500;
  const lingerMs = options.lingerMs ?? 0;
  const queue: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  let flushing = false;
  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      try {
        await flush(batch.map((entry) => entry.item));
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    flushing = false;
  };
  return (item) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (flushing) return;
      flushing = true;
      if (lingerMs > 0) setTimeout(() => void drain(), lingerMs);
      else void drain();
    });
}
