/**
 * Limits how many async tasks run at once; the rest wait in FIFO order.
 *
 * @example
 * const argon = new Semaphore(2);
 * const ok = await argon.run(() => verify(hash, secret));
 */
export class Semaphore {
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(readonly capacity: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.capacity) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active++;
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.#waiting.length;
  }
}
