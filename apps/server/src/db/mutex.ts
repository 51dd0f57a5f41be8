/**
 * A promise-queue mutex: callers get the lock in arrival order, one at a time.
 *
 * @example
 * const mutex = new Mutex();
 * const release = await mutex.lock();
 * try { await work(); } finally { release(); }
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  /**
   * Waits for the lock and resolves with its release function; releasing twice is a no-op.
   *
   * @example
   * const release = await mutex.lock();
   * release();
   */
  async lock(): Promise<() => void> {
    let unlock!: () => void;
    const released = new Promise<void>((resolve) => {
      unlock = resolve;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => released);
    await previous;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      unlock();
    };
  }

  /**
   * Runs fn while holding the lock.
   *
   * @example
   * const value = await mutex.runExclusive(async () => 42);
   */
  async runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.lock();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
